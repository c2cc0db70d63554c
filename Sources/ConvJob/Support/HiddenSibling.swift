import Foundation

/// The hidden file that belongs to `target` and lies beside it:
/// `<dir>/.<name><suffix>` for `target` = `<dir>/<name>` (the lock
/// `out/.run.h5.lock` of `out/run.h5` and `.lock`). Every file convpipe keeps
/// next to an output (lock, stat cache, undo journal, resume store, temporary
/// files) is named so.
package func hiddenSibling(of target: String, _ suffix: String) -> String {
  let url = URL(fileURLWithPath: target)
  return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent)\(suffix)").path
}
