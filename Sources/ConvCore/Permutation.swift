/// A reordering of all axes: output axis `i` is input axis `axes[i]`, as
/// `torch.permute`. `[1, 0, 2, 3]` swaps a kernel's in and out channels.
public struct Permutation: Sendable, Equatable {
  public let axes: [Int]

  public init(axes: [Int]) { self.axes = axes }

  /// The permuted shape `[in[axes[0]], in[axes[1]], ...]`, or the rule broken.
  public func outputShape(input: [Int]) throws(ShapeError) -> [Int] {
    try requireBounded(input, "size")
    guard axes.sorted() == Array(input.indices) else {
      throw ShapeError([
        "axes \(axes) must be a permutation of 0..<\(input.count) for an input with \(input.count) axes"
      ])
    }
    return axes.map { input[$0] }
  }

  /// For each output axis, the input offset each of its indices reads.
  func offsetTables(input: [Int]) -> [[Int]] {
    let strides = rowMajorStrides(input)
    return axes.map { axis in (0..<input[axis]).map { $0 * strides[axis] } }
  }
}
