import Foundation
import HDF5IO

/// The items a run has finished, each in its own small HDF5 file under
/// `.<name>.parts/` beside the output, written under a temporary name and
/// renamed when complete. A run killed at any moment (kill -9 included) leaves
/// only whole part files, which `--resume` takes up; the output itself is
/// assembled from them in item order once every item is done.
final class FinishedItems: @unchecked Sendable {
  let directory: String

  init(target: String) {
    let url = URL(fileURLWithPath: target)
    directory = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).parts").path
  }

  /// The part file of the item at `index` in the run's item list.
  func path(index: Int) -> String {
    directory + "/" + String(format: "%08d", index) + ".h5"
  }

  /// Makes the directory, first removing what an earlier run left unless `keep`;
  /// part files a killed run was still writing are removed either way.
  func prepare(keep: Bool) throws(RunFailure) {
    if !keep { remove() }
    removeStaleTemporaries(in: directory, prefix: "")
    do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
      throw RunFailure("\(directory): cannot create the directory for finished items: \(JobDecoder.describe(error))")
    }
  }

  /// Whether a whole part file exists for `index`.
  func exists(index: Int) -> Bool { FileManager.default.fileExists(atPath: path(index: index)) }

  func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// Removes the temporary files (`<prefix>*.tmp-<pid>`) that killed runs left in
/// `directory`; called while holding the output's lock, so none is in use.
func removeStaleTemporaries(in directory: String, prefix: String) {
  let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
  for name in names where name.hasPrefix(prefix) && name.contains(".tmp-") {
    try? FileManager.default.removeItem(atPath: directory + "/" + name)
  }
}
