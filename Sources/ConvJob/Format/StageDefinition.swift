import ConvChecks
import ConvCore
import PositionedJSON

/// The `op` of a stage.
package enum StageOp: String, Sendable, CaseIterable {
  case conv, conv_transpose, pad, crop, stride, unstride, output_padding, flip, permute, verify
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
