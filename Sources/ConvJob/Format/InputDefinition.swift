import ConvCore
import PNGIO
import PositionedJSON

/// The kinds of input source, by the key that names each in a job.
package enum InputSourceKind: String, Sendable, CaseIterable {
  case hdf5, png, values, random
}

/// Where an input's tensor comes from.
package enum InputSource: Sendable, Equatable {
  /// A dataset of an HDF5 file (or of each file a glob matches); with `split`,
  /// axis 0 is cut into items.
  case hdf5(path: String, dataset: String, split: Bool)
  /// A PNG image (or each image a glob matches) as `[1, C, H, W]` float32.
  case png(path: String, channels: PNGChannels, scale: PNGScale)
  /// Literal nested arrays, flattened row-major.
  case values(shape: [Int], values: [Double])
  /// A deterministic pseudo-random tensor (see ``SeededRandom``).
  case random(shape: [Int], distribution: RandomDistribution, seed: UInt64)

  package var kind: InputSourceKind {
    switch self {
    case .hdf5: .hdf5
    case .png: .png
    case .values: .values
    case .random: .random
    }
  }
}

/// One named input of the job.
package struct InputDefinition: Sendable, Equatable {
  package let name: String
  package let source: InputSource
  /// The stored axes' letters (`"HW"`, `"NHWC"`, ...), or nil for `[N, C, spatial...]` already.
  package let layout: Layout?
  /// The element type of literal and random inputs (float64 by default); nil for files.
  package let dtype: DType?
  /// The input object as written, stored as the `params` attribute of a kept input.
  package let json: JSONValue

  /// `inputs.x`: how messages name this input.
  package var location: String { "inputs.\(name)" }

  /// Whether the path is a glob, making the input per-item.
  package var isGlob: Bool {
    switch source {
    case .hdf5(let path, _, _), .png(let path, _, _): FileGlob.isPattern(path)
    case .values, .random: false
    }
  }

  /// Whether the input is cut into items (a glob, or `split`).
  package var isPerItem: Bool {
    if case .hdf5(_, _, true) = source { return true }
    return isGlob
  }
}
