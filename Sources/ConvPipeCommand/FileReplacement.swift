import ConvJob
import Foundation

/// Writes `text` to `path` through a temporary file beside it (`.<name>.tmp-<pid>`)
/// renamed over it, making missing directories first: an existing file is
/// replaced whole or not at all, and when writing fails (exit 3) the temporary
/// file is removed, so nothing is left behind. `what` names the file in the
/// message: `path: cannot write the picture: Not a directory`.
func replaceFile(_ path: String, with text: String, what: String) throws(RunFailure) {
  if let reason = makeDirectories(URL(fileURLWithPath: path).deletingLastPathComponent().path) {
    throw RunFailure("\(path): cannot write \(what): \(reason)")
  }
  let temporary = hiddenSibling(of: path, ".tmp-\(getpid())")
  func failure(_ code: Int32) -> RunFailure {
    RunFailure("\(path): cannot write \(what): \(String(cString: strerror(code)))")
  }
  let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
  guard descriptor >= 0 else { throw failure(errno) }
  var code = writeAll(Array(text.utf8), to: descriptor)
  if close(descriptor) != 0 && code == 0 { code = errno }
  if code == 0 && replaceKeepingMode(temporary, over: path) != 0 { code = errno }
  guard code == 0 else {
    unlink(temporary)
    throw failure(code)
  }
}

/// Refuses (exit 2, before any work) a file to write, `path` given by `option`,
/// that is one of the command's inputs (`inputs`: what it is and its path):
/// writing it would destroy that input. `--html: out/a.h5 is the input file; name another file`.
func refuseOverwriting(_ path: String, option: String, inputs: [(what: String, path: String?)]) throws(JobProblems) {
  guard let input = inputs.first(where: { $0.path.map { FileIdentity.same($0, path) } ?? false }) else { return }
  throw JobProblems([JobProblem(file: option, location: "", message: "\(path) is \(input.what); name another file")])
}
