import ConvChecks
import ConvCore
import PositionedJSON

/// The `op` of a stage.
public enum StageOp: String, Sendable, CaseIterable {
  case conv, conv_transpose, pad, crop, stride, unstride, output_padding, flip, permute, verify
}

/// The names of the checks a `verify` stage can make.
public enum CheckKind: String, Sendable, CaseIterable {
  case allclose, shape, adjoint, matrix, direct, gradient

  /// The ops of the stage a check of an operator (`of`) may name; nil for the
  /// checks that compare two tensors (`actual`, `expected`).
  public var operatorOps: [StageOp]? {
    switch self {
    case .allclose, .shape: nil
    case .adjoint, .matrix, .gradient: [.conv, .conv_transpose]
    case .direct: [.conv_transpose]
    }
  }
}

/// Whether a check's condition is expected to hold (`pass`) or documents a known
/// difference (`fail`).
public enum Expectation: String, Sendable, CaseIterable {
  case pass, fail
}

/// Which sizes a `shape` check compares.
public enum ShapeAxes: String, Sendable, CaseIterable {
  case spatial, all
}

/// A `verify` stage's check with that check's own settings (the ConvChecks
/// types), defaults applied where they do not depend on the element type.
public enum Check: Sendable, Equatable {
  case allclose(Allclose)
  case shape(ShapeComparison)
  case adjoint(AdjointCheck)
  /// With `save_matrix`, the unrolled matrix is kept in the output.
  case matrix(MatrixCheck, saveMatrix: Bool)
  case direct
  case gradient(GradientCheck)

  public var kind: CheckKind {
    switch self {
    case .allclose: .allclose
    case .shape: .shape
    case .adjoint: .adjoint
    case .matrix: .matrix
    case .direct: .direct
    case .gradient: .gradient
    }
  }
}

/// A `verify` stage: its check, and whether the check is expected to hold.
public struct Verification: Sendable, Equatable {
  public var check: Check
  public var expect: Expectation

  public init(_ check: Check, expect: Expectation = .pass) {
    self.check = check
    self.expect = expect
  }
}

/// What a stage does.
public enum StageKind: Sendable, Equatable {
  case operation(Operation)
  case verify(Verification)
}

/// The role in which a stage reads a named tensor: the stage object's key.
public enum Role: String, Sendable, CaseIterable {
  case input, weight, bias, actual, expected, of
  /// `conv_transpose`'s `output_size` when it names a tensor.
  case outputSize = "output_size"
}

/// A named tensor a stage reads, in the role it reads it in.
public struct StageReference: Sendable, Equatable {
  public let role: Role
  public let name: String
}

/// One stage of the job as written.
public struct StageDefinition: Sendable {
  public let id: String
  /// Position in the job's `stages` list.
  public let index: Int
  public let op: StageOp
  public let kind: StageKind
  /// The names read, in the order `input`, `weight`, `bias` or `actual`, `expected`, or `of`.
  public let references: [StageReference]
  /// The element type to cast the result to, if given.
  public let dtype: DType?
  /// The stage object as written, stored as the `params` attribute.
  public let json: JSONValue

  /// `stages[2] (id "up")`: how messages name this stage.
  public var location: String { Self.location(index: index, id: id) }

  static func location(index: Int, id: String?) -> String {
    "stages[\(index)]" + (id.map { " (id \"\($0)\")" } ?? "")
  }

  /// The name read in `role`, if any.
  public func reference(_ role: Role) -> String? { references.first { $0.role == role }?.name }
}
