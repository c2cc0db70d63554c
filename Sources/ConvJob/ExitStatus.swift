/// How a convpipe command ends: the job format's exit codes, one set for every command.
///
/// | code | status |
/// | --- | --- |
/// | 0 | ``success``: finished, every check passed |
/// | 1 | ``checksFailed``: finished, a check failed (the file is written) |
/// | 2 | ``invalid``: the job or the command line is invalid; nothing runs, nothing is written |
/// | 3 | ``dataError``: an input or the output could not be read or written; no output is written or replaced |
/// | 4 | ``itemsFailed``: finished with `--keep-going`, some items failed (the file is written) |
/// | 128 + n | ``stopped(signal:)``: stopped by signal n (130 SIGINT, 143 SIGTERM) |
package enum ExitStatus: Sendable, Equatable {
  case success
  case checksFailed
  case invalid
  case dataError
  case itemsFailed
  case stopped(signal: Int32)

  package var code: Int32 {
    switch self {
    case .success: 0
    case .checksFailed: 1
    case .invalid: 2
    case .dataError: 3
    case .itemsFailed: 4
    case .stopped(let signal): 128 + signal
    }
  }

  /// The status whose code is `code` (a convpipe exit code, or 128 + a
  /// signal); nil for any other code.
  package init?(code: Int32) {
    switch code {
    case 0: self = .success
    case 1: self = .checksFailed
    case 2: self = .invalid
    case 3: self = .dataError
    case 4: self = .itemsFailed
    case 129..<160: self = .stopped(signal: code - 128)
    default: return nil
    }
  }

  /// The status an error ends a command with: the job's own problems and a job
  /// that `validate` found wanting are ``invalid``; problems with input data and
  /// every failure to read or write a file are ``dataError``.
  package init(for error: any Error) {
    switch error {
    case let problems as JobProblems: self = problems.isDataError ? .dataError : .invalid
    case is InvalidJob: self = .invalid
    default: self = .dataError
    }
  }
}

/// A job that `validate` (or `bench`) refuses, whatever the kind of its
/// problems: those commands exit 2 for input files that cannot be read too.
package struct InvalidJob: Error, CustomStringConvertible {
  package let problems: JobProblems

  package init(_ problems: JobProblems) { self.problems = problems }

  package var description: String { problems.description }
}
