/// A batch of `[C, S]` items (channels, then `S = prod(spatial)` cells, as
/// convpipe stores tensors) moved to or from channels last, `[S, C]` per item
/// (oneDNN's `nwc`, `nhwc`, `ndhwc`): `last[n][s][c] = first[n][c][s]`.
///
/// oneDNN 2.6 computes many float32 layers channels last (`brgconv`, `brdgmm_dw`
/// on AVX-512) and its own reorder between the layouts (`jit:uni`) was slower
/// than this: img-3x3-s2 6.4 ms against 6.7, depthwise-3x3 through oneDNN 1.65
/// against 1.85 (`convpipe bench`, Zen 5, 2 threads, alternating).
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

  /// Block edge: 16 rows of one column fill one 64-byte vector store.
  static let block = 16

  /// `to[c][r] = from[r][c]` for a `rows x columns` matrix, in 16 x 16 blocks
  /// that stay in the first-level cache: each result line of a block is read
  /// down a column of 16 source rows and stored as one vector.
  static func transpose(_ from: UnsafePointer<Float>, into to: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    var row = 0
    while row < rows {
      let rowEnd = min(row + block, rows)
      var column = 0
      while column < columns {
        let columnEnd = min(column + block, columns)
        if rowEnd - row == block {
          for c in column..<columnEnd {
            var line = SIMD16<Float>()
            for r in 0..<block { line[r] = from[(row + r) * columns + c] }
            UnsafeMutableRawPointer(to + c * rows + row).storeBytes(of: line, as: SIMD16<Float>.self)
          }
        } else {
          for c in column..<columnEnd { for r in row..<rowEnd { to[c * rows + r] = from[r * columns + c] } }
        }
        column = columnEnd
      }
      row = rowEnd
    }
  }
}
