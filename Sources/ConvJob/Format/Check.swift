import ConvChecks

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
