import ConvChecks
import ConvCore
import PositionedJSON

/// The `op` of a stage.
package enum StageOp: String, Sendable, CaseIterable {
  case conv, conv_transpose, pad, crop, stride, unstride, output_padding, flip, permute, verify
}

/// The names of the checks a `verify` stage can make.
package enum CheckKind: String, Sendable, CaseIterable {
  case allclose, shape, adjoint, matrix, direct, gradient

  /// The ops of the stage a check of an operator (`of`) may name; nil for the
  /// checks that compare two tensors (`actual`, `expected`).
  package var operatorOps: [StageOp]? {
    switch self {
    case .allclose, .shape: nil
    case .adjoint, .matrix, .gradient: [.conv, .conv_transpose]
    case .direct: [.conv_transpose]
    }
  }
}

/// Whether a check's condition is expected to hold (`pass`) or documents a known
/// difference (`fail`).
package enum Expectation: String, Sendable, CaseIterable {
  case pass, fail
}

/// Which sizes a `shape` check compares.
package enum ShapeAxes: String, Sendable, CaseIterable {
  case spatial, all
}

/// A `verify` stage's check with that check's own settings (the ConvChecks
/// types), defaults applied where they do not depend on the element type.
package enum Check: Sendable, Equatable {
  case allclose(Allclose)
  case shape(ShapeComparison)
  case adjoint(AdjointCheck)
  /// With `save_matrix`, the unrolled matrix is kept in the output.
  case matrix(MatrixCheck, saveMatrix: Bool)
  case direct
  case gradient(GradientCheck)

  package var kind: CheckKind {
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
package struct Verification: Sendable, Equatable {
  package var check: Check
  package var expect: Expectation

  package init(_ check: Check, expect: Expectation = .pass) {
    self.check = check
    self.expect = expect
  }
}

/// What a stage does.
package enum StageKind: Sendable, Equatable {
  case operation(Operation)
  case verify(Verification)
}

/// The role in which a stage reads a named tensor: the stage object's key.
package enum Role: String, Sendable, CaseIterable {
  case input, weight, bias, actual, expected, of
  /// `conv_transpose`'s `output_size` when it names a tensor.
  case outputSize = "output_size"
}

/// A named tensor a stage reads, in the role it reads it in.
package struct StageReference: Sendable, Equatable {
  package let role: Role
  package let name: String
}

/// One stage of the job as written.
package struct StageDefinition: Sendable {
  package let id: String
  /// Position in the job's `stages` list.
  package let index: Int
  package let op: StageOp
  package let kind: StageKind
  /// The names read, in the order `input`, `weight`, `bias` or `actual`, `expected`, or `of`.
  package let references: [StageReference]
  /// The element type to cast the result to, if given.
  package let dtype: DType?
  /// The stage object as written, stored as the `params` attribute.
  package let json: JSONValue

  /// `stages[2] (id "up")`: how messages name this stage.
  package var location: String { Self.location(index: index, id: id) }

  static func location(index: Int, id: String?) -> String {
    "stages[\(index)]" + (id.map { " (id \"\($0)\")" } ?? "")
  }

  /// The name read in `role`, if any.
  package func reference(_ role: Role) -> String? { references.first { $0.role == role }?.name }
}
