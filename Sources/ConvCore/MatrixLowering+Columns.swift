extension MatrixLowering {
  /// Calls `body(column, n, row, first, count)` for each run of `count` columns
  /// of `columns` along one phase row: `column` counts from `columns.lowerBound`,
  /// the run is batch item `n`, phase row `row`, last-dimension cells `first...`.
  @inline(__always)
  func forEachRowRun(_ phase: LoweredPhase, _ columns: Range<Int>, _ body: (Int, Int, Int, Int, Int) -> Void) {
    var column = columns.lowerBound
    while column < columns.upperBound {
      let n = column / phase.volume, cell = column - n * phase.volume
      let row = cell / phase.rowLength, first = cell - row * phase.rowLength
      let count = min(phase.rowLength - first, columns.upperBound - column)
      body(column - columns.lowerBound, n, row, first, count)
      column += count
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
          forEachRowRun(phase, columns) { column, n, row, first, count in
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
    forEachRowRun(phase, columns) { column, n, row, first, count in
      let base = planes + n * groups * resultPerGroup * resultVolume + phase.rowResults[row] + first * step
      for o in 0..<resultPerGroup {
        let from = product + o * width + column, to = base + o * resultVolume
        for m in 0..<count { to[m * step] = from[m] }
      }
    }
  }
}
