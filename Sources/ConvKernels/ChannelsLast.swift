import _KernelShims

/// A batch of `[C, S]` items (channels, then `S = prod(spatial)` cells, as
/// convpipe stores tensors) moved to or from channels last, `[S, C]` per item
/// (oneDNN's `nwc`, `nhwc`, `ndhwc`): `last[n][s][c] = first[n][c][s]`.
///
/// oneDNN 2.6 chooses channels last for many float32 forward layers on its
/// own (`brgconv` on AVX-512), and its reorder between the layouts (`jit:uni`)
/// was slower than this (`convpipe bench --engine onednn`, Zen 5, 2 threads,
/// alternating, when those layers still ran channels last): depthwise-3x3
/// 0.98-1.05 ms against 1.85, img-3x3-s2 6.4 against 6.7. Layers with 16 or
/// more channels on both sides now run in channel blocks
/// (``OneDNNLayout/channelBlocked(_:)``); these moves serve the others.
struct ChannelsLast {
  let items: Int
  let channels: Int
  let cells: Int

  /// `[C, S] -> [S, C]` for each item, from `planes` into `lines`.
  func move(planes: UnsafePointer<Float>, into lines: UnsafeMutablePointer<Float>) {
    for item in 0..<items {
      Self.transpose(
        planes + item * channels * cells, into: lines + item * channels * cells, rows: channels, columns: cells)
    }
  }

  /// `[S, C] -> [C, S]` for each item, from `lines` back into `planes`.
  func moveBack(lines: UnsafePointer<Float>, into planes: UnsafeMutablePointer<Float>) {
    for item in 0..<items {
      Self.transpose(
        lines + item * channels * cells, into: planes + item * channels * cells, rows: cells, columns: channels)
    }
  }

  /// `to[c][r] = from[r][c]` for a `rows x columns` matrix (`convpipe_transpose_f32`:
  /// 8 x 8 blocks transposed in AVX registers at the AVX2 level and above).
  static func transpose(_ from: UnsafePointer<Float>, into to: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    convpipe_transpose_f32(from, to, rows, columns, VectorInstructions.active >= .avx2 ? 1 : 0)
  }
}
