import ConvCore
import ConvJob

/// The tensors of one item read from the output file and the golden file, so
/// that the page reads each once: what the golden comparison read is passed on
/// to the item's pictures, and a difference's operands to its tensor figures.
struct ItemTensors {
  let item: String
  /// By name; a nil value is a tensor looked for and not there.
  private var output: [String: Tensor?] = [:]
  private var golden: [String: Tensor?] = [:]

  init(item: String) { self.item = item }

  /// Keeps the output's and the golden file's tensor `name`, read by the caller.
  mutating func keep(_ name: String, output tensor: Tensor?, golden goldenTensor: Tensor?) {
    output[name] = .some(tensor)
    golden[name] = .some(goldenTensor)
  }

  /// Keeps only the output's tensors named in `names`, and no golden tensor.
  mutating func keepOnly(_ names: [String]) {
    output = output.filter { names.contains($0.key) }
    golden = [:]
  }

  /// The tensor `name` kept for the item, read from `source` on first use.
  mutating func tensor(_ name: String, in source: ReportSource) throws(RunFailure) -> Tensor? {
    try Self.cached(name, in: &output) { () throws(RunFailure) in try source.tensor(item: item, name: name) }
  }

  /// The golden file's tensor at the same path, read from `source` on first use.
  mutating func goldenTensor(_ name: String, in source: ReportSource) throws(RunFailure) -> Tensor? {
    try Self.cached(name, in: &golden) { () throws(RunFailure) in try source.goldenTensor(item: item, name: name) }
  }

  private static func cached(
    _ name: String, in tensors: inout [String: Tensor?], read: () throws(RunFailure) -> Tensor?
  ) throws(RunFailure) -> Tensor? {
    if let known = tensors[name] { return known }
    let tensor = try read()
    tensors[name] = .some(tensor)
    return tensor
  }
}
