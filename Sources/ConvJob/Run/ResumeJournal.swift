import Foundation

/// The list of items flushed into an output being written, one line each, so
/// that what a killed or stopped run finished can be taken up by the next:
///
/// ```
/// convpipe resume journal 1 <graph_sha256>
/// <input_sha256>\t<item id>
/// ```
///
/// A line is appended only after its item has been flushed to the file.
final class ResumeJournal {
  static let header = "convpipe resume journal 1"

  let path: String
  private(set) var count = 0
  private var handle: FileHandle?

  init(creating path: String, graph: String) throws(RunFailure) {
    self.path = path
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw RunFailure("\(path): cannot write: \(String(cString: strerror(errno)))") }
    let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    do { try handle.write(contentsOf: Data("\(Self.header) \(graph)\n".utf8)) } catch {
      throw RunFailure("\(path): cannot write: \(error.localizedDescription)", writingOutput: true)
    }
    self.handle = handle
  }

  func record(id: String, inputHash: String) throws(RunFailure) {
    do { try handle?.write(contentsOf: Data("\(inputHash)\t\(id)\n".utf8)) } catch {
      throw RunFailure("\(path): cannot write: \(error.localizedDescription)", writingOutput: true)
    }
    count += 1
  }

  func close() {
    try? handle?.close()
    handle = nil
  }

  func remove() {
    close()
    unlink(path)
  }

  /// The items recorded at `path` (id to input hash), when its header names `graph`.
  static func entries(at path: String, graph: String) -> [String: String]? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.first.map(String.init) == "\(header) \(graph)" else { return nil }
    lines.removeFirst()
    _ = lines.popLast()  // empty after the last newline, or a line a killed run left unfinished
    var entries: [String: String] = [:]
    for line in lines {
      let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
      guard fields.count == 2 else { continue }
      entries[String(fields[1])] = String(fields[0])
    }
    return entries
  }

  /// How many items the journal at `path` records (0 when there is none).
  static func count(at path: String) -> Int {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
    return max(text.utf8.filter { $0 == UInt8(ascii: "\n") }.count - 1, 0)
  }
}
