import ConvCore
import PNGIO

/// What the run keeps in its output file.
package enum KeptTensors: Sendable, Equatable {
  /// Every stage's result (the default).
  case all
  /// The named inputs and stage results.
  case named([String])
}

/// The job's `outputs` object.
package struct OutputDefinition: Sendable, Equatable {
  /// The output file, resolved against the job's directory; nil when the command gives `--output`.
  package let path: String?
  package let tensors: KeptTensors
  /// gzip level (1-9) for tensors above 64Ki elements, with the shuffle filter;
  /// 0 (the default) stores them uncompressed, as h5py does: float results
  /// rarely shrink much, and compressing them can cost more than computing them.
  package let compression: Int
  /// Tensors also written as PNG files (`outputs.png`); nil when none are.
  package var png: PNGOutputDefinition? = nil
}

/// The job's `outputs.png`: kept tensors written as PNG files beside the HDF5
/// file, the inverse of the PNG input. A tensor `[N, C, H, W]` gives, per batch
/// index, one image of its C channels when C is 1 to 4 (gray, gray+alpha, RGB,
/// RGBA), else one gray image per channel; samples are
/// `round(clamp((value - lower) / (upper - lower), 0, 1) * (2^bits - 1))`.
package struct PNGOutputDefinition: Sendable, Equatable {
  /// The tensors, each kept in the output file.
  package let tensors: [String]
  /// The directory as written, relative to the output file's directory (the
  /// pictures go beside the HDF5 file, wherever `--output` or a merge puts it);
  /// nil for the output file's path without its extension, plus `-png`
  /// (`out/nightly.h5` gives `out/nightly-png`).
  package let directory: String?
  /// 8 or 16.
  package let bits: Int
  package let range: PNGOutputRange
}

/// The values a PNG output's samples span.
package enum PNGOutputRange: Sendable, Equatable {
  /// The same range for every tensor (`"unit"` is `[0, 1]`, the PNG input's default scale).
  case fixed(PNGValueRange)
  /// Each tensor's own smallest and largest finite value.
  case minmax
}

/// A parsed job file (format version 1), every name checked and every
/// relative path resolved against the job file's directory.
package struct Job: Sendable {
  /// The job file as the user named it.
  package let file: String
  package let name: String
  package let description: String?
  package let inputs: [InputDefinition]
  package let stages: [StageDefinition]
  package let outputs: OutputDefinition
  /// SHA-256 of the job file's bytes, hex.
  package let sha256: String
  /// The job file's text as read, recorded in the output as `job_json`.
  package let text: String

  /// The per-item input, if there is one.
  package var perItemInput: InputDefinition? { inputs.first(where: \.isPerItem) }

  package func input(named name: String) -> InputDefinition? { inputs.first { $0.name == name } }
  package func stage(id: String) -> StageDefinition? { stages.first { $0.id == id } }

  /// Whether the tensor named `name` is kept in the output file.
  package func keeps(_ name: String) -> Bool {
    switch outputs.tensors {
    case .all: stage(id: name).map { $0.op != .verify } ?? false
    case .named(let names): names.contains(name)
    }
  }
}
