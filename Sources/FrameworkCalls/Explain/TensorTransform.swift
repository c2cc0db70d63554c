import ConvCore

/// A rearrangement of a tensor's elements, as the binding of a tensor to another
/// framework's layout and back: numpy's `transpose`, `reshape` and `flip`.
public enum TensorTransform: Sendable, Equatable, CustomStringConvertible {
  /// Output axis i is input axis `axes[i]` (`numpy.transpose(t, axes)`).
  case permute([Int])
  /// The same elements in row-major order under `to`; `from` is the shape before.
  case reshape(from: [Int], to: [Int])
  /// Reverses each axis listed (`numpy.flip(t, axes)`).
  case flip([Int])

  public var description: String {
    switch self {
    case .permute(let axes): "permute \(axes)"
    case .reshape(_, let to): "reshape \(to)"
    case .flip(let axes): "flip axes \(axes)"
    }
  }

  /// The transform that undoes this one.
  var inverse: TensorTransform {
    switch self {
    case .permute(let axes):
      var inverse = Array(repeating: 0, count: axes.count)
      for (position, axis) in axes.enumerated() { inverse[axis] = position }
      return .permute(inverse)
    case .reshape(let from, let to): return .reshape(from: to, to: from)
    case .flip(let axes): return .flip(axes)
    }
  }

  /// The shape after the transform.
  func shape(after shape: [Int]) -> [Int] {
    switch self {
    case .permute(let axes): axes.map { shape[$0] }
    case .reshape(_, let to): to
    case .flip: shape
    }
  }
}

extension Array where Element == TensorTransform {
  /// The transforms that undo these, last first.
  var inverse: [TensorTransform] { reversed().map(\.inverse) }

  /// Adjacent permutations composed, identities dropped.
  var simplified: [TensorTransform] {
    var result: [TensorTransform] = []
    for transform in self {
      if case .permute(let axes) = transform, case .permute(let previous)? = result.last {
        result.removeLast()
        let composed = axes.map { previous[$0] }
        if composed != [Int](composed.indices) { result.append(.permute(composed)) }
      } else if case .permute(let axes) = transform, axes == [Int](axes.indices) {
        continue
      } else if case .reshape(let from, let to) = transform, from == to {
        continue
      } else {
        result.append(transform)
      }
    }
    return result
  }

  /// The shape after every transform.
  func shape(after shape: [Int]) -> [Int] { reduce(shape) { $1.shape(after: $0) } }
}
