import ConvCore

/// The `op` of a stage.
public enum StageOp: String, Sendable, CaseIterable {
  case conv, conv_transpose, pad, crop, stride, unstride, output_padding, flip, permute, verify
}

/// The checks a `verify` stage can make.
public enum CheckKind: String, Sendable, CaseIterable {
  case allclose, shape, adjoint, matrix, direct, gradient
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

/// A `verify` stage's check and its settings, defaults applied where the
/// default does not depend on the element type.
public struct CheckDefinition: Sendable, Equatable {
  public var kind: CheckKind
  public var expect: Expectation = .pass
  /// `allclose` default 1e-5; `adjoint` default 1e-10 in float64, 1e-4 in float32 (nil here).
  public var rtol: Double?
  public var atol: Double = 1e-8
  public var equalNaN = false
  public var axes: ShapeAxes = .spatial
  public var seed: UInt64 = 0
  public var maxElements = 10_000_000
  public var saveMatrix = false
  public var samples = 16
  /// Finite-difference step; default 1e-3 in float32, 1e-6 in float64 (nil here).
  public var eps: Double?

  public init(kind: CheckKind) { self.kind = kind }
}

/// What a stage does.
public enum StageKind: Sendable, Equatable {
  case operation(Operation)
  case verify(CheckDefinition)
}

/// A named tensor a stage reads, in the role it reads it in (`input`, `weight`, ...).
public struct StageReference: Sendable, Equatable {
  public let role: String
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
  public func reference(_ role: String) -> String? { references.first { $0.role == role }?.name }
}
