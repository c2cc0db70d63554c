import ConvCore

/// A run of a phase's cells along its rows, as ``MatrixLowering/forEachRowRun(_:_:mergingRows:_:)`` visits them.
struct RowRun {
  /// Where the run starts, counted from the start of the visited columns.
  let column: Int
  /// The batch item.
  let batch: Int
  /// The first phase row, and how many consecutive rows of one line the run covers.
  let row: Int
  let rows: Int
  /// The run covers cells `first ..< first + count` of each of its rows.
  let first: Int
  let count: Int
}

extension MatrixLowering {
  /// Calls `body` for each run of `columns` (`n * volume + cell`) along phase
  /// rows: one row at a time, or, with `mergingRows`, whole rows of one line
  /// together (``RowRun``).
  @inline(__always)
  func forEachRowRun(
    _ phase: LoweredPhase, _ columns: Range<Int>, mergingRows: Bool = false, _ body: (RowRun) -> Void
  ) {
    var column = columns.lowerBound
    while column < columns.upperBound {
      let n = column / phase.volume, cell = column - n * phase.volume, remaining = columns.upperBound - column
      let row = cell / phase.rowLength, first = cell - row * phase.rowLength
      let lineEnd = (row / phase.rowsPerLine + 1) * phase.rowsPerLine
      let rows = mergingRows && first == 0 ? max(1, min(lineEnd - row, remaining / phase.rowLength)) : 1
      let count = min(phase.rowLength - first, remaining)
      body(RowRun(column: column - columns.lowerBound, batch: n, row: row, rows: rows, first: first, count: count))
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
          forEachRowRun(phase, columns) { run in
            let (column, row, first, count) = (run.column, run.row, run.first, run.count)
            let batchPlanes = planes + run.batch * groups * sourcePerGroup * sourceVolume
            for t in 0..<taps {
              var inside = true
              for j in 0..<inner
              where indices[row * inner + j] < lower[t * phase.rank + j]
                || indices[row * inner + j] >= upper[t * phase.rank + j]
              {
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

  /// Copies a phase not written in place's product `[resultPerGroup, columns.count]` to its
  /// result cells `rowResult + m*e` of the group whose channel planes start at `planes`.
  func scatterProduct<T: BLASElement>(
    _ phase: LoweredPhase, _ columns: Range<Int>, product: UnsafeMutablePointer<T>, into planes: UnsafeMutablePointer<T>
  ) {
    let width = columns.count, step = phase.resultStep
    forEachRowRun(phase, columns) { run in
      let (column, count) = (run.column, run.count)
      let base =
        planes + run.batch * groups * resultPerGroup * resultVolume + phase.rowResults[run.row] + run.first * step
      for o in 0..<resultPerGroup {
        let from = product + o * width + column, to = base + o * resultVolume
        for m in 0..<count { to[m * step] = from[m] }
      }
    }
  }
}
