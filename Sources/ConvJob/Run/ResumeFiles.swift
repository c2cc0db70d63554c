import Foundation
import HDF5IO

/// The files beside an output `<dir>/<name>` that carry finished items from a
/// run that did not complete to the next one with `--resume`:
///
/// - `.<name>.tmp-<pid>` and `.<name>.tmp-<pid>.journal`: the output a run is
///   writing, and the items it has flushed into it (see ``ResumeJournal``);
///   a run killed with SIGKILL, or stopped at once by a second signal, leaves them behind;
/// - `.<name>.resume` and `.<name>.resume.journal`: the same pair, renamed when
///   a run stops on a signal or a failed item, or adopted from a killed run.
///
/// Everything here happens while holding the output's lock, so no other run is
/// writing any of these files.
struct ResumeFiles {
  static let journalSuffix = ".journal"

  let directory: String
  let name: String

  let target: String

  init(target: String) {
    let url = URL(fileURLWithPath: target)
    directory = url.deletingLastPathComponent().path
    name = url.lastPathComponent
    self.target = target
  }

  var store: String { hiddenSibling(of: target, ".resume") }
  var storeJournal: String { store + Self.journalSuffix }
  func temporary(pid: Int32) -> String { hiddenSibling(of: target, ".tmp-\(pid)") }

  /// Tidies up before a run: with `keep`, a killed run's temporary output whose
  /// journal records more items than the resume store becomes the store; every
  /// other temporary is removed, and without `keep` the store too.
  func tidy(keep: Bool) {
    let prefix = ".\(name).tmp-"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    var best = keep ? ResumeJournal.count(at: storeJournal) : 0
    for temporary in names where temporary.hasPrefix(prefix) && !temporary.hasSuffix(Self.journalSuffix) {
      let path = "\(directory)/\(temporary)", journal = path + Self.journalSuffix
      let count = ResumeJournal.count(at: journal)
      if keep && count > best, rename(path, store) == 0, rename(journal, storeJournal) == 0 {
        best = count
      } else {
        unlink(path)
        unlink(journal)
      }
    }
    for name in names where name.hasPrefix(prefix) && name.hasSuffix(Self.journalSuffix) {
      unlink("\(directory)/\(name)")  // a journal whose output is gone
    }
    if !keep { remove() }
  }

  /// Keeps the closed temporary output of `output` as the resume store, unless
  /// the store already records more items (a resumed run that stopped early);
  /// returns how many items the store now holds.
  func keep(_ output: OutputFile) -> Int {
    let journal = output.temporary + Self.journalSuffix
    let kept = ResumeJournal.count(at: storeJournal)
    guard output.itemCount > 0, output.itemCount >= kept,
      rename(output.temporary, store) == 0, rename(journal, storeJournal) == 0
    else {
      unlink(output.temporary)
      unlink(journal)
      return kept
    }
    return output.itemCount
  }

  /// The finished items of the resume store, when it was written for `graph`;
  /// `notice` is told why a store that exists is not used.
  func load(graph: String, notice: (RunNotice) -> Void) -> (file: HDF5File, items: [String: String])? {
    guard FileManager.default.fileExists(atPath: store) else { return nil }
    let count = ResumeJournal.count(at: storeJournal)
    guard let entries = ResumeJournal.entries(at: storeJournal, graph: graph) else {
      notice(
        RunNotice(
          "\(store): its \(counted(count, "finished item")) were made by another version of the job or its shared inputs; --resume computes every item",
          isExpected: true))
      return nil
    }
    guard !entries.isEmpty else { return nil }
    do { return (try HDF5File.open(store), entries) } catch {
      notice(RunNotice("\(store): cannot be read (\(error.cause ?? error.message)); --resume computes every item"))
      return nil
    }
  }

  func remove() {
    unlink(store)
    unlink(storeJournal)
  }
}
