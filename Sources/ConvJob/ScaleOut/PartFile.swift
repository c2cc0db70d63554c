import Foundation
import HDF5IO

/// A part file written by `convpipe run --shard K/N`, opened for `merge`: an
/// ordinary output plus the root attributes `shard` and `items_total` and the
/// place of each of its items in the whole job (see ``OutputRoot``).
struct PartFile {
  let path: String
  let file: HDF5File
  /// The elements of uncompressed tensors, read outside libhdf5's lock.
  let raw: RawFileAccess?
  let shard: Shard
  let itemsTotal: Int
  let version: String
  let graph: String
  let job: OutputRoot.JobRecord
  /// The `--golden` file the shard was compared with, as the option named it.
  let golden: String?
  /// The items written, with their places in the whole job.
  let items: [(id: String, index: Int)]
  /// The items under `/failed`, with their places and messages.
  let failed: [(id: String, index: Int, message: String)]
  /// The golden file's items of this shard the run lacked, with their places in the golden file.
  let goldenMissing: [(id: String, index: Int)]

  /// Why a file cannot be taken as a part.
  enum Problem: Error {
    /// It cannot be read, or is damaged (exit 3).
    case unreadable(String)
    /// It is not a part file (exit 2).
    case foreign(String)
  }

  static func open(_ path: String) throws(Problem) -> PartFile {
    let file: HDF5File
    do { file = try HDF5File.open(path) } catch {
      throw .unreadable("cannot be read: \(error.cause ?? error.message)")
    }
    do { _ = try ConvpipeOutput.open(path) } catch {
      throw .foreign("not a part file: \(error.cause ?? error.message)")
    }
    func text(_ name: String) throws(Problem) -> String? {
      do {
        guard let value = try file.attribute(name, of: "/") else { return nil }
        guard case .string(let text) = value else { throw Problem.unreadable("its root attribute \(name) is not text") }
        return text
      } catch let error as HDF5Error {
        throw .unreadable("cannot read its root attribute \(name): \(error.cause ?? error.message)")
      } catch {
        throw error as? Problem ?? .unreadable("\(error)")
      }
    }
    func required(_ name: String) throws(Problem) -> String {
      guard let value = try text(name) else { throw .unreadable("damaged: its root has no attribute \(name)") }
      return value
    }
    guard let shardText = try text("shard") else {
      throw .foreign(
        "not a part file (no shard attribute): an output of convpipe run without --shard; parts come from convpipe run --shard K/N"
      )
    }
    guard let shard = Shard(shardText) else { throw .foreign("its shard attribute \"\(shardText)\" is not K/N") }
    do {
      guard case .int(let total)? = try file.attribute("items_total", of: "/") else {
        throw Problem.unreadable("damaged: its root has no integer attribute items_total")
      }
      let ids = try file.readStrings("/item_ids"), indices = try file.readIntegers("/item_indices")
      let failedIDs = try file.readStrings("/failed_item_ids")
      let failedIndices = try file.readIntegers("/failed_item_indices")
      let golden = try text("golden")
      let missing = golden == nil ? [] : try file.readStrings("/golden_missing_items")
      let missingIndices = golden == nil ? [] : try file.readIntegers("/golden_missing_indices")
      guard ids.count == indices.count, failedIDs.count == failedIndices.count, missing.count == missingIndices.count
      else { throw Problem.unreadable("damaged: its lists of items and of their places differ in length") }
      var failed: [(id: String, index: Int, message: String)] = []
      for (id, index) in zip(failedIDs, failedIndices) {
        guard case .string(let message)? = try file.attribute("message", of: "/failed/\(id)") else {
          throw Problem.unreadable("damaged: failed item \(id) has no message")
        }
        failed.append((id, index, message))
      }
      return PartFile(
        path: path, file: file, raw: try? RawFileAccess(path: path, writable: false), shard: shard, itemsTotal: total,
        version: try required("convpipe_version"), graph: try required("graph_sha256"),
        job: OutputRoot.JobRecord(
          name: try required("job_name"), sha256: try required("job_sha256"), description: try text("description"),
          text: try required("job_json")),
        golden: golden, items: zip(ids, indices).map { ($0, $1) }, failed: failed,
        goldenMissing: zip(missing, missingIndices).map { ($0, $1) })
    } catch let error as HDF5Error {
      throw .unreadable("damaged: \(error.cause ?? error.message)")
    } catch {
      throw error as? Problem ?? .unreadable("\(error)")
    }
  }
}
