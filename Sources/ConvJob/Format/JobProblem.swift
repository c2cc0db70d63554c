import PositionedJSON

/// One thing wrong with a job: where it is and which rule it breaks.
///
/// Printed as one line, `job.json: stages[2] (id "up"): output_padding 2 must be
/// smaller than max(stride 2, dilation 1) = 2 (H)`, with `(line L, column C)`
/// appended when the problem has a place in the file.
package struct JobProblem: Error, Hashable, CustomStringConvertible {
  /// The job file (or data file) as the user named it.
  package let file: String
  /// `stages[2] (id "up")`, `inputs.x`, `outputs`, or empty for the whole file.
  package let location: String
  package let message: String
  package let line: Int?
  package let column: Int?
  /// Whether the problem lies in an input file rather than the job itself
  /// (`run` exits 3 for those, 2 for the job's own problems).
  package let isDataError: Bool
  /// The item whose input shapes broke the rule, when the job has several items.
  package let item: String?

  package init(
    file: String, location: String, message: String, line: Int? = nil, column: Int? = nil, isDataError: Bool = false,
    item: String? = nil
  ) {
    self.file = file
    self.location = location
    self.message = message
    self.line = line
    self.column = column
    self.isDataError = isDataError
    self.item = item
  }

  /// This problem as one of input data (`run` exits 3 for it, not 2).
  package func asDataError() -> JobProblem {
    JobProblem(
      file: file, location: location, message: message, line: line, column: column, isDataError: true, item: item)
  }

  /// This problem found for `item`.
  package func forItem(_ item: String) -> JobProblem {
    JobProblem(
      file: file, location: location, message: message, line: line, column: column, isDataError: isDataError, item: item
    )
  }

  package var description: String { describe(items: item.map { [$0] } ?? []) }

  /// One line for this problem found for `items`: `item 0000 and 299 more: ...`.
  func describe(items: [String]) -> String {
    var text = file + ": "
    if !location.isEmpty { text += location + ": " }
    if let first = items.first {
      text += "item \(first)" + (items.count > 1 ? " and \(items.count - 1) more" : "") + ": "
    }
    text += message
    if let line, let column { text += " (line \(line), column \(column))" }
    return text
  }
}

/// Every problem found in a job, reported together.
package struct JobProblems: Error, CustomStringConvertible {
  package let problems: [JobProblem]

  package init(_ problems: [JobProblem]) { self.problems = problems }

  /// One line per problem; the same problem found for several items is one
  /// line naming the first item and how many more (`item 0000 and 299 more: ...`).
  package var description: String {
    var order: [JobProblem] = []
    var items: [JobProblem: [String]] = [:]
    for problem in problems {
      let key = JobProblem(
        file: problem.file, location: problem.location, message: problem.message,
        line: problem.line, column: problem.column, isDataError: problem.isDataError)
      if items[key] == nil { order.append(key) }
      items[key, default: []] += problem.item.map { [$0] } ?? []
    }
    return order.map { $0.describe(items: items[$0] ?? []) }.joined(separator: "\n")
  }

  /// Every problem on one line, each as ``JobProblem/description``, separated by `; `
  /// (an item's error in the log and the summary).
  package var line: String { problems.map(\.description).joined(separator: "; ") }

  /// Whether every problem lies in input data (a `run` exits 3 then, else 2).
  package var isDataError: Bool { !problems.isEmpty && problems.allSatisfy(\.isDataError) }

  /// One problem with a file that is not the job (an output that cannot be
  /// written, a lock held by another run): `<file>: <message>`, exit 3.
  package static func file(_ file: String, _ message: String) -> JobProblems {
    JobProblems([JobProblem(file: file, location: "", message: message, isDataError: true)])
  }
}

/// Collects problems while a job is read, checked and planned.
final class ProblemLog {
  let file: String
  private(set) var problems: [JobProblem] = []

  init(file: String) { self.file = file }

  func add(_ location: String, _ message: String, at value: JSONValue? = nil) {
    add(location, message, at: value?.position)
  }

  /// Records a problem at `position` in the job file (none when its line is 0: not read from the file).
  func add(_ location: String, _ message: String, at position: JSONValue.Position?) {
    let positioned = position.flatMap { $0.line > 0 ? $0 : nil }
    problems.append(
      JobProblem(file: file, location: location, message: message, line: positioned?.line, column: positioned?.column))
  }

  /// Records a problem with an input file.
  func addDataError(_ location: String, _ message: String) {
    problems.append(JobProblem(file: file, location: location, message: message, isDataError: true))
  }

  var isEmpty: Bool { problems.isEmpty }

  /// Throws every problem collected, if there is any.
  func check() throws(JobProblems) {
    if !problems.isEmpty { throw JobProblems(problems) }
  }
}
