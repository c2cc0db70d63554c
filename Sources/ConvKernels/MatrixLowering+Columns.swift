import ConvCore
extension MatrixLowering {
  /// Calls `body(column, n, row, rows, first, count)` for each run of `columns`
  /// (`n * volume + cell`) along phase rows: `column` counts from
  /// `columns.lowerBound`, the run is batch item `n`, `rows` consecutive rows of
  /// one line from phase row `row` (more than 1 only when `mergingRows` and the
  /// rows are whole), cells `first ..< first + count` of each.
  @inline(__always)
  func forEachRowRun(
    _ phase: LoweredPhase, _ columns: Range<Int>, mergingRows: Bool = false,
    _ body: (Int, Int, Int, Int, Int, Int) -> Void
  ) {
    var column = columns.lowerBound
    while column < columns.upperBound {
      let n = column / phase.volume, cell = column - n * phase.volume, remaining = columns.upperBound - column
      let row = cell / phase.rowLength, first = cell - row * phase.rowLength
      let lineEnd = (row / phase.rowsPerLine + 1) * phase.rowsPerLine
      let rows = mergingRows && first == 0 ? max(1, min(lineEnd - row, remaining / phase.rowLength)) : 1
      let count = min(phase.rowLength - first, remaining)
      body(column - columns.lowerBound, n, row, rows, first, count)
      column += rows * count
    }
  }

  /// Writes `cols` for `columns` into `cols`, `[sourcePerGroup * T, columns.count]`:
  /// row `c*T + t` holds source cell `m*a + shift_t` of channel `c` (of the
  /// group whose channel planes start at `planes`) where inside, zero elsewhere.
  func gatherColumns<T: BLASElement>(
    _ phase: LoweredPhase, _ columns: Range<Int>, planes: UnsafePointer<T>, into cols: UnsafeMutablePointer<T>
  ) {
    let width = columns.count, taps = phase.tapCount, inner = phase.rank - 1, step = phase.sourceStep
    phase.lower.withUnsafeBufferPointer { lower in
      phase.upper.withUnsafeBufferPointer { upper in
        phase.rowIndices.withUnsafeBufferPointer { indices in
          forEachRowRun(phase, columns) { column, n, row, _, first, count in
            let batchPlanes = planes + n * groups * sourcePerGroup * sourceVolume
            for t in 0..<taps {
              var inside = true
              for j in 0..<inner where indices[row * inner + j] < lower[t * phase.rank + j]
                || indices[row * inner + j] >= upper[t * phase.rank + j] {
                inside = false
              }
              let from = inside ? min(max(lower[t * phase.rank + inner], first), first + count) : first
              let to = inside ? max(min(upper[t * phase.rank + inner], first + count), from) : first
              let base = phase.rowSources[row] + phase.shiftOffsets[t]
              for c in 0..<sourcePerGroup {
                let line = cols + (c * taps + t) * width + column - first
                let plane = batchPlanes + c * sourceVolume + base
                (line + first).update(repeating: 0, count: from - first)
                if step == 1 {
                  (line + from).update(from: plane + from, count: to - from)
                } else {
                  for m in from..<to { line[m] = plane[m * step] }
                }
                (line + to).update(repeating: 0, count: first + count - to)
              }
            }
          }
        }
      }
    }
  }

  /// Copies a non-direct phase's product `[resultPerGroup, columns.count]` to its
  /// result cells `rowResult + m*e` of the group whose channel planes start at `planes`.
  func scatterProduct<T: BLASElement>(
    _ phase: LoweredPhase, _ columns: Range<Int>, product: UnsafeMutablePointer<T>, into planes: UnsafeMutablePointer<T>
  ) {
    let width = columns.count, step = phase.resultStep
    forEachRowRun(phase, columns) { column, n, row, _, first, count in
      let base = planes + n * groups * resultPerGroup * resultVolume + phase.rowResults[row] + first * step
      for o in 0..<resultPerGroup {
        let from = product + o * width + column, to = base + o * resultVolume
        for m in 0..<count { to[m * step] = from[m] }
      }
    }
  }
}
