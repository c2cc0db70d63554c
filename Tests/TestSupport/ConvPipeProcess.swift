import Foundation

/// The built `convpipe` binary, run as a user would run it.
public enum ConvPipeProcess {
  public struct Result: Sendable {
    public let exitCode: Int32
    public let standardOutput: String
    public let standardError: String
  }

  /// The binary beside the test bundle (`.build/<config>/convpipe`).
  public static var executable: URL {
    let candidates =
      [Bundle.main.executableURL, Bundle.main.bundleURL].compactMap { $0?.deletingLastPathComponent() }
      + [Fixtures.repositoryRoot.appendingPathComponent(".build/debug")]
    let names = candidates.map { $0.appendingPathComponent("convpipe") }
    return names.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? names[names.count - 1]
  }

  /// Runs `convpipe arguments...` in `directory` and waits for it, with this
  /// process's environment changed by `environment` (a nil value removes the variable).
  public static func run(
    _ arguments: [String], in directory: URL? = nil, environment: [String: String?] = [:]
  ) throws -> Result {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty {
      var variables = ProcessInfo.processInfo.environment
      for (name, value) in environment { variables[name] = value }
      process.environment = variables
    }
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      exitCode: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
      standardError: String(decoding: errorData, as: UTF8.self))
  }
}
