import ConvCore

/// Why a check could not be made at all (as opposed to a claim that did not hold,
/// which is a ``CheckOutcome`` with `held == false`).
public enum CheckError: Error, Equatable, CustomStringConvertible {
  /// The unrolled matrix would have more than `maxElements` entries (`elements` is
  /// nil when `rows * columns` overflows `Int`).
  case matrixTooLarge(rows: Int, columns: Int, elements: Int?, maxElements: Int)
  /// The check recomputes a transposed convolution and was given a forward one.
  case requiresTransposedGeometry
  /// An operand does not have the shape the geometry plans for it.
  case operandShape(name: String, actual: [Int], expected: [Int])
  /// A check's setting is out of range, e.g. `samples 0`.
  case invalidSetting(String)
  /// A matrix operand is not of rank 2.
  case notAMatrix(shape: [Int])
  /// A transposed convolution's weight cannot be split into `groups` groups.
  case kernelGroups(shape: [Int], groups: Int)
  /// The direct check covers zero padding only; this transposed convolution is
  /// the adjoint of a convolution with another padding mode.
  case paddingModeNotCovered(PaddingMode)

  public var description: String {
    switch self {
    case .matrixTooLarge(let rows, let columns, let elements, let maxElements):
      let size = elements.map(String.init) ?? "more than \(Int.max)"
      return "the unrolled matrix would be \(rows) x \(columns) = \(size) elements, above max_elements \(maxElements)"
    case .requiresTransposedGeometry:
      return "the direct check recomputes a conv_transpose; this geometry is a forward convolution"
    case .operandShape(let name, let actual, let expected):
      return "\(name) is \(actual.shapeDescription), the geometry expects \(expected.shapeDescription)"
    case .invalidSetting(let problem):
      return problem
    case .notAMatrix(let shape):
      return "a matrix [rows, columns] is needed, got \(shape.shapeDescription)"
    case .kernelGroups(let shape, let groups):
      return
        "a conv_transpose weight [C_in, C_out/groups, k...] with C_in divisible by groups \(groups) is needed, got \(shape.shapeDescription)"
    case .paddingModeNotCovered(let mode):
      return
        "the direct check covers conv_transpose with zero padding only: with padding_mode \(mode.rawValue) the operator is P^T C^T, whose P^T folds each padded cell back onto the cell it copied, and no direct convolution of a zero-inserted, zero-padded input computes that; check it with adjoint, gradient or matrix instead"
    }
  }

  /// Throws ``operandShape(name:actual:expected:)`` unless `tensor` has `shape`.
  static func requireOperand(_ name: String, _ tensor: Tensor?, _ shape: [Int]) throws(CheckError) {
    guard let tensor, tensor.shape != shape else { return }
    throw .operandShape(name: name, actual: tensor.shape, expected: shape)
  }
}
