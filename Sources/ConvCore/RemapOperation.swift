/// How `pad` fills the cells it adds: `zeros`, a `constant` value, or copies of
/// the input (`reflect` without repeating the edge, `replicate` the edge,
/// `circular` wrapping around), as PyTorch's `F.pad`.
public enum PadMode: String, Sendable, CaseIterable {
  case zeros, constant, reflect, replicate, circular
}

/// An operation whose every output cell copies one input cell or is filled:
/// the building blocks of the guide's "un-stride, pad, crop" recipe.
///
/// Per spatial dimension of size `in`:
/// - `pad`: `in + pb + pe`; `reflect` needs each of pb, pe below `in`, `circular` at most `in`.
/// - `crop`: `in - pb - pe`, which must be at least 1.
/// - `stride`: keeps every s-th element from the first: `ceil(in / s)`.
/// - `unstride`: inserts s-1 zeros between neighbours: `(in-1)s + 1`.
/// - `outputPadding`: appends `amount` zeros at the end: `in + amount`.
/// - `flip`: reverses the axis (the kernel flip W').
public enum RemapOperation: Sendable, Equatable {
  case pad(pads: PaddingParameter, mode: PadMode, value: Double)
  case crop(PaddingParameter)
  case stride(SpatialParameter)
  case unstride(SpatialParameter)
  case outputPadding(SpatialParameter)
  case flip

  /// Resolves the output shape for an input shape `[N, C, spatial...]`, or throws
  /// every rule broken.
  public func geometry(input: [Int]) throws(ShapeError) -> RemapGeometry {
    guard input.count >= 3 else {
      throw ShapeError(["input must be [N, C, spatial...] with at least one spatial dimension, got \(input.count) axes"]
      )
    }
    try requireBounded(input, "size")
    let names = spatialAxisNames(count: input.count - 2)
    let spatial = Array(input.dropFirst(2))
    var rules = RuleCollector()
    let axes: [AxisRemap]
    var fill = 0.0
    switch self {
    case .pad(let pads, let mode, let value):
      fill = mode == .constant ? value : 0
      axes = try pads.resolvePairs("pads", count: names.count).map { .pad($0, mode) }
    case .crop(let crops):
      axes = try crops.resolvePairs("crops", count: names.count).map { .crop($0) }
    case .stride(let stride):
      axes = try stride.resolve("stride", count: names.count).map { .stride($0) }
    case .unstride(let stride):
      axes = try stride.resolve("stride", count: names.count).map { .unstride($0) }
    case .outputPadding(let amount):
      axes = try amount.resolve("amount", count: names.count).map { .append($0) }
    case .flip:
      axes = Array(repeating: .flip, count: names.count)
    }
    for j in axes.indices {
      if spatial[j] < 1 {
        rules.fail("input size \(spatial[j]) must be at least 1 (\(names[j]))")
      } else if let problem = axes[j].problem(input: spatial[j]) {
        rules.fail("\(problem) (\(names[j]))")
      }
    }
    try rules.check()
    return RemapGeometry(inputShape: input, axes: axes, axisNames: names, fill: fill)
  }
}

/// What one remapping op does to one spatial dimension.
public enum AxisRemap: Sendable, Equatable {
  case pad(PadPair, PadMode)
  case crop(PadPair)
  case stride(Int)
  case unstride(Int)
  case append(Int)
  case flip

  /// The output size for an input size `n`.
  public func outputSize(input n: Int) -> Int {
    switch self {
    case .pad(let pair, _): n + pair.total
    case .crop(let pair): n - pair.total
    case .stride(let s): ceilDivide(n, s)
    case .unstride(let s): (n - 1) * s + 1
    case .append(let amount): n + amount
    case .flip: n
    }
  }

  /// The input index that output index `o` copies, or nil when the cell is filled.
  public func source(of o: Int, input n: Int) -> Int? {
    switch self {
    case .pad(let pair, let mode):
      let i = o - pair.begin
      if (0..<n).contains(i) { return i }
      switch mode {
      case .zeros, .constant: return nil
      case .reflect: return i < 0 ? -i : 2 * (n - 1) - i
      case .replicate: return min(max(i, 0), n - 1)
      case .circular: return ((i % n) + n) % n
      }
    case .crop(let pair): return o + pair.begin
    case .stride(let s): return o * s
    case .unstride(let s): return o % s == 0 ? o / s : nil
    case .append: return o < n ? o : nil
    case .flip: return n - 1 - o
    }
  }

  /// The rule this remap breaks for an input size `n`, if any.
  func problem(input n: Int) -> String? {
    switch self {
    case .pad(let pair, let mode):
      if pair.begin < 0 || pair.end < 0 { return "pads \(pair) must not be negative (use crop to remove cells)" }
      if mode == .reflect && (pair.begin >= n || pair.end >= n) {
        return "pads \(pair) with mode reflect must be smaller than the input size \(n)"
      }
      if mode == .circular && (pair.begin > n || pair.end > n) {
        return "pads \(pair) with mode circular must be at most the input size \(n)"
      }
    case .crop(let pair):
      if pair.begin < 0 || pair.end < 0 { return "crops \(pair) must not be negative (use pad to add cells)" }
      if n - pair.total < 1 {
        return
          "crops \(pair) leave \(n) - \(pair.begin) - \(pair.end) = \(n - pair.total) cells; at least 1 must remain"
      }
    case .stride(let s), .unstride(let s):
      if s < 1 { return "stride \(s) must be at least 1" }
    case .append(let amount):
      if amount < 0 { return "amount \(amount) must not be negative" }
    case .flip: break
    }
    return nil
  }

  /// The size rule with the numbers filled in, e.g. `ceil(8 / 2) = 4`.
  public func arithmetic(input n: Int) -> String {
    let out = outputSize(input: n)
    switch self {
    case .pad(let pair, _): return "\(n) + \(pair.begin) + \(pair.end) = \(out)"
    case .crop(let pair): return "\(n) - \(pair.begin) - \(pair.end) = \(out)"
    case .stride(let s): return "ceil(\(n) / \(s)) = \(out)"
    case .unstride(let s): return "(\(n)-1)*\(s) + 1 = \(out)"
    case .append(let amount): return "\(n) + \(amount) = \(out)"
    case .flip: return "\(n) (reversed)"
    }
  }
}

/// A remapping op with every size resolved.
public struct RemapGeometry: Sendable, Equatable {
  public let inputShape: [Int]
  public let axes: [AxisRemap]
  public let axisNames: [String]
  /// The value of filled cells: `value` for constant padding, else 0.
  public let fill: Double

  public var outputShape: [Int] {
    Array(inputShape.prefix(2)) + zip(axes, inputShape.dropFirst(2)).map { $0.outputSize(input: $1) }
  }

  /// One line per spatial dimension, e.g. `H: ceil(8 / 2) = 4`.
  public var arithmetic: [String] {
    zip(axisNames, zip(axes, inputShape.dropFirst(2))).map { "\($0): \($1.0.arithmetic(input: $1.1))" }
  }

  /// For each axis (N and C included), the input offset each output index reads, -1 for a fill.
  package func offsetTables() -> [[Int]] {
    let strides = rowMajorStrides(inputShape)
    let output = outputShape
    var tables = (0..<2).map { axis in (0..<output[axis]).map { $0 * strides[axis] } }
    for (j, axis) in axes.enumerated() {
      let n = inputShape[j + 2], stride = strides[j + 2]
      tables.append((0..<output[j + 2]).map { o in axis.source(of: o, input: n).map { $0 * stride } ?? -1 })
    }
    return tables
  }
}

/// Row-major strides of a shape: the last axis has stride 1.
package func rowMajorStrides(_ shape: [Int]) -> [Int] {
  var strides = Array(repeating: 1, count: shape.count)
  for axis in shape.indices.dropLast().reversed() { strides[axis] = strides[axis + 1] * shape[axis + 1] }
  return strides
}
