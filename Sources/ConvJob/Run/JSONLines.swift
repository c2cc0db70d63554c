import Foundation

/// The JSON encoder of convpipe's machine-readable output (logs, reports):
/// one line per value, keys sorted (so the same value always gives the same
/// text); numbers that are not finite are written as `null` by the types that
/// can hold them (``JSONNumber``).
package enum JSONLines {
  package static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }()
}

/// A measured error for JSON: the number when it is finite, `null` otherwise
/// (an infinite relative error, or NaN for something on one side only).
package struct JSONNumber: Encodable, Sendable {
  package let value: Double

  package init(_ value: Double) { self.value = value }

  package func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
  }
}

extension JSONLines {
  /// `value` as one line of JSON text, with a newline.
  package static func line(_ value: some Encodable) throws -> String {
    String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
  }
}
