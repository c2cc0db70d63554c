import ConvCore
import Foundation
import HDF5IO
import PositionedJSON

/// The content hashes that decide whether a finished item can be reused, as
/// make or DVC decide whether a target is up to date, but by content, not time:
///
/// - the graph hash: SHA-256 of the convpipe version, the job's inputs, stages
///   and kept tensors as canonical JSON (keys sorted; name, description and
///   output path left out), and the contents (shape, type, bytes) of every
///   input shared by all items;
/// - an item's input hash: SHA-256 of its file's bytes (a glob), of its row's
///   shape, type and bytes (`split`), or empty when the job has one item.
///
/// Both are recorded in the output (`graph_sha256` at the root, `input_sha256`
/// on each item's group).
struct RunFingerprint: Sendable {
  let graph: String

  init(job: Job, shared: [String: Tensor]) {
    var text = "convpipe \(ConvPipeVersion.current)\n"
    text += "inputs " + JSONValue(.object(job.inputs.map { ($0.name, $0.json) })).canonicalText + "\n"
    text += "stages " + JSONValue(.array(job.stages.map(\.json))).canonicalText + "\n"
    switch job.outputs.tensors {
    case .all: text += "keep all\n"
    case .named(let names): text += "keep \(names)\n"
    }
    var data = Data(text.utf8)
    for name in shared.keys.sorted() {
      guard let tensor = shared[name] else { continue }
      data.append(contentsOf: Array("\(name) \(tensor.shape) \(tensor.dtype.rawValue)\n".utf8))
      tensor.storage.withUnsafeBytes { data.append(contentsOf: $0) }
    }
    graph = SHA256.hex(data)
  }

  /// The input hash of `item`: of its file's bytes, or of its row as loaded;
  /// with the file's bytes when it had to read them (to decode them once).
  /// A file in the state `cache` recorded is not read at all.
  static func input(of item: Item, catalog: InputCatalog, cache: InputStatCache) throws(RunFailure) -> ItemInput {
    switch item.source {
    case nil:
      return ItemInput(hash: "", contents: nil)
    case .file(let path):
      let state = InputStatCache.FileState(path: path)
      if let state, let hash = cache.hash(of: path, state: state) { return ItemInput(hash: hash, contents: nil) }
      let contents: [UInt8]
      do { contents = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
        throw RunFailure("\(path): cannot read: \(JobDecoder.describe(error))")
      }
      let hash = SHA256.hex(contents)
      if let state { cache.remember(path, state: state, hash: hash) }
      return ItemInput(hash: hash, contents: contents)
    case .row:
      guard let input = catalog.job.perItemInput else { return ItemInput(hash: "", contents: nil) }
      let tensor: Tensor
      do { tensor = try catalog.load(input, source: item.source) } catch {
        throw RunFailure(error.line)
      }
      var data = Data("\(tensor.shape) \(tensor.dtype.rawValue)\n".utf8)
      tensor.storage.withUnsafeBytes { data.append(contentsOf: $0) }
      return ItemInput(hash: SHA256.hex(data), contents: nil, tensor: tensor)
    }
  }
}

/// An item's per-item input as hashed: its hash, and what was read to hash
/// it, so that it is not read again: its file's bytes, or the row it is.
struct ItemInput: Sendable {
  let hash: String
  let contents: [UInt8]?
  var tensor: Tensor? = nil
}
