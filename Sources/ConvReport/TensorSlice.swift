/// One 2-d slice of a tensor, drawn as one tile of a mosaic: a row-major
/// plane of `height x width` elements whose last axis is the tensor's last.
package struct TensorSlice: Sendable, Equatable {
  /// The tile's caption: the channel (`c3`), with the depth for volumes (`c3 d7`); empty for a lone plane.
  package let label: String
  /// The batch item (axis N) it belongs to; tiles are grouped by it.
  package let batch: Int
  package let height: Int
  package let width: Int
  /// Flat row-major index of the element at row 0, column 0.
  package let start: Int

  /// Flat index of the element at `row`, `column`.
  package func flatIndex(row: Int, column: Int) -> Int { start + row * width + column }

  /// Row and column of the element at flat index `flat`, when it lies in this slice.
  package func position(of flat: Int) -> (row: Int, column: Int)? {
    let offset = flat - start
    guard offset >= 0, offset < height * width else { return nil }
    return (offset / width, offset % width)
  }

  /// The slices a tensor of `shape` is drawn as, batch item by batch item:
  ///
  /// | rank | layout | slices |
  /// | --- | --- | --- |
  /// | 1 | `[L]` | one strip `1 x L` |
  /// | 2 | `[R, C]` (a matrix) | one plane |
  /// | 3 | `[N, C, L]` | a strip per channel |
  /// | 4 | `[N, C, H, W]` | a plane per channel |
  /// | 5 | `[N, C, D, H, W]` | per channel, `depths` evenly spaced depth planes (first and last included), plus the depth of `keeping` |
  ///
  /// Empty for an empty tensor; nil for ranks 0 and 6 or more, which are not drawn.
  package static func slices(shape: [Int], depths: Int = 3, keeping flat: Int? = nil) -> [TensorSlice]? {
    guard (1...5).contains(shape.count) else { return nil }
    guard !shape.contains(0) else { return [] }
    switch shape.count {
    case 1: return [TensorSlice(label: "", batch: 0, height: 1, width: shape[0], start: 0)]
    case 2: return [TensorSlice(label: "", batch: 0, height: shape[0], width: shape[1], start: 0)]
    default: break
    }
    let (batches, channels) = (shape[0], shape[1])
    let spatial = Array(shape.dropFirst(2))
    let (height, width) =
      spatial.count == 1 ? (1, spatial[0]) : (spatial[spatial.count - 2], spatial[spatial.count - 1])
    let plane = height * width
    let depthCount = spatial.count == 3 ? spatial[0] : 1
    var depthsShown = evenlySpaced(depths, in: depthCount)
    if let flat, depthCount > 1 {
      let depth = (flat / plane) % depthCount
      if !depthsShown.contains(depth) { depthsShown = (depthsShown + [depth]).sorted() }
    }
    var slices: [TensorSlice] = []
    for batch in 0..<batches {
      for channel in 0..<channels {
        for depth in depthsShown {
          let start = ((batch * channels + channel) * depthCount + depth) * plane
          let label = depthCount > 1 ? "c\(channel) d\(depth)" : "c\(channel)"
          slices.append(TensorSlice(label: label, batch: batch, height: height, width: width, start: start))
        }
      }
    }
    return slices
  }

  /// `count` indices spread evenly over `0..<total`, the first and the last included.
  static func evenlySpaced(_ count: Int, in total: Int) -> [Int] {
    guard total > count, count > 1 else { return Array(0..<min(max(count, 1), total)) }
    return (0..<count).map { $0 * (total - 1) / (count - 1) }
  }

  /// The values of this slice read from the tensor's flat `values`, reduced
  /// `factor` x `factor` cells to one pixel by `reduction` (the last block of a
  /// row or column may be smaller): `ceil(height / factor) x ceil(width / factor)` values.
  package func reduced(_ values: [Double], factor: Int, reduction: Reduction) -> [Double] {
    let rows = (height + factor - 1) / factor, columns = (width + factor - 1) / factor
    var result = [Double](repeating: 0, count: rows * columns)
    for row in 0..<rows {
      for column in 0..<columns {
        var block = reduction.start
        for y in (row * factor)..<min((row + 1) * factor, height) {
          for x in (column * factor)..<min((column + 1) * factor, width) {
            block.add(values[flatIndex(row: y, column: x)])
          }
        }
        result[row * columns + column] = block.value
      }
    }
    return result
  }
}

/// How a block of cells becomes one pixel when a slice is shown smaller than it is.
package enum Reduction: Sendable {
  /// The mean of the block's finite values (its first value when none is finite): for tensors.
  case mean
  /// The value of largest magnitude, sign kept, NaN first: for differences, so the worst cell stays visible.
  case largestMagnitude

  var start: Accumulator { Accumulator(reduction: self) }

  struct Accumulator {
    let reduction: Reduction
    var sum = 0.0, count = 0
    var extreme = 0.0, seen = false

    mutating func add(_ value: Double) {
      switch reduction {
      case .mean:
        if value.isFinite { sum += value; count += 1 } else if !seen { extreme = value }
      case .largestMagnitude:
        if !seen || value.isNaN || (!extreme.isNaN && abs(value) > abs(extreme)) { extreme = value }
      }
      seen = true
    }

    var value: Double {
      switch reduction {
      case .mean: count > 0 ? sum / Double(count) : extreme
      case .largestMagnitude: extreme
      }
    }
  }
}
