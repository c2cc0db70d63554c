import ConvChecks
import ConvCore
import FrameworkCalls
import PositionedJSON

/// The `op` of a stage: one of convpipe's own ops, or a framework's API by its
/// dotted name (`tf.nn.conv2d_transpose`), written as the framework's call.
package enum StageOp: Sendable, Hashable, CaseIterable, RawRepresentable {
  case conv, conv_transpose, pad, crop, stride, unstride, output_padding, flip, permute, verify
  case framework(FrameworkAPI)

  /// convpipe's own ops, in the order messages list them.
  package static let core: [StageOp] = [
    .conv, .conv_transpose, .pad, .crop, .stride, .unstride, .output_padding, .flip, .permute, .verify,
  ]

  package static var allCases: [StageOp] { core + FrameworkAPI.allCases.map { .framework($0) } }

  package init?(rawValue: String) {
    if let op = Self.core.first(where: { $0.rawValue == rawValue }) {
      self = op
    } else if let api = FrameworkAPI(rawValue: rawValue) {
      self = .framework(api)
    } else {
      return nil
    }
  }

  package var rawValue: String {
    switch self {
    case .conv: "conv"
    case .conv_transpose: "conv_transpose"
    case .pad: "pad"
    case .crop: "crop"
    case .stride: "stride"
    case .unstride: "unstride"
    case .output_padding: "output_padding"
    case .flip: "flip"
    case .permute: "permute"
    case .verify: "verify"
    case .framework(let api): api.rawValue
    }
  }
}

/// What a stage does.
package enum StageKind: Sendable, Equatable {
  case operation(Operation)
  case verify(Verification)
  /// A framework's call, lowered onto the core operations when planned.
  case framework(FrameworkCall)
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
