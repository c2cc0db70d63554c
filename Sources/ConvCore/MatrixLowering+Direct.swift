extension MatrixLowering {
  /// Fewest result channels per group for which a phase runs as `im2col` and a
  /// matrix product: with fewer, copying `cols` costs about as much as the
  /// product saves, and the phase runs tap by tap in registers instead.
  static let minimumProductRows = 8

  /// Whether phase `phase` runs as a matrix product (else ``directChunk``).
  func usesProduct(_ phase: LoweredPhase) -> Bool {
    resultPerGroup >= Self.minimumProductRows && withinBLASLimits
  }

  /// Phase `phase`'s cells of `columns` without `cols`: for each result channel `o`
  /// and cell `m` of a row, `result = sum_{c, t} A[o, c*T + t] * source[c, row + shift_t + m*a]`
  /// over the taps inside at `m`. Where every tap reaching the row is inside and
  /// `a = 1` (the row's interior), 16 neighbouring cells (4 in an interior
  /// narrower than 16) accumulate at once in SIMD registers.
  func directChunk<T: BLASElement>(_ phase: LoweredPhase, _ columns: Range<Int>, group: Int, _ operands: Operands<T>) {
    let taps = phase.tapCount, depth = depth(phase), step = phase.resultStep, sourceStep = phase.sourceStep
    // Per tap reaching the row: first and end cell, source offset, tap index.
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 * max(taps, 1)) { table in
      forEachRowRun(phase, columns) { _, n, row, first, count in
        let planes = UnsafePointer(operands.source) + (n * groups + group) * sourcePerGroup * sourceVolume
        let results = operands.result + (n * groups + group) * resultPerGroup * resultVolume + phase.rowResults[row]
        let (active, interior) = rowTaps(phase, row: row, cells: first..<(first + count), into: table)
        for o in 0..<resultPerGroup {
          let weights = operands.weight + o * depth, out = results + o * resultVolume
          // Interior blocks: the last one moves back to end with the interior (cells are
          // written, not added, so the overlap is harmless).
          func blocks<V: SIMD>(_ type: V.Type) where V.Scalar == T {
            var m = interior.lowerBound
            while m < interior.upperBound {
              let at = min(m, interior.upperBound - V.scalarCount)
              let sum = blockSum(V.self, at: at, planes: planes, weights: weights, table: table, active: active, taps: taps)
              for lane in 0..<V.scalarCount { out[(at &+ lane) &* step] = sum[lane] }
              m = at + V.scalarCount
            }
          }
          func single(_ m: Int) {
            var sum: T = 0
            for c in 0..<sourcePerGroup {
              let plane = planes + (c &* sourceVolume &+ m &* sourceStep), row = weights + c &* taps
              for a in 0..<active where table[4 &* a] <= m && m < table[4 &* a &+ 1] {
                sum += row[table[4 &* a &+ 3]] * plane[table[4 &* a &+ 2]]
              }
            }
            out[m &* step] = sum
          }
          for m in first..<interior.lowerBound { single(m) }
          if interior.count >= 16 {
            blocks(SIMD16<T>.self)
          } else if interior.count >= 4 {
            blocks(SIMD4<T>.self)
          } else {
            for m in interior { single(m) }
          }
          for m in interior.upperBound..<(first + count) { single(m) }
        }
      }
    }
  }

  /// Lists in `table` the taps that reach row `row` within `cells` (first cell,
  /// end cell, source offset of cell 0, tap index) and returns their count and
  /// the cells every one of them reaches with source step 1 (empty otherwise).
  private func rowTaps(
    _ phase: LoweredPhase, row: Int, cells: Range<Int>, into table: UnsafeMutableBufferPointer<Int>
  ) -> (Int, Range<Int>) {
    let inner = phase.rank - 1
    var active = 0, low = cells.lowerBound, high = cells.upperBound
    for t in 0..<phase.tapCount {
      var inside = true
      for j in 0..<inner where phase.rowIndices[row * inner + j] < phase.lower[t * phase.rank + j]
        || phase.rowIndices[row * inner + j] >= phase.upper[t * phase.rank + j] {
        inside = false
      }
      let from = max(phase.lower[t * phase.rank + inner], cells.lowerBound)
      let to = min(phase.upper[t * phase.rank + inner], cells.upperBound)
      guard inside, from < to else { continue }
      table[4 * active] = from
      table[4 * active + 1] = to
      table[4 * active + 2] = phase.rowSources[row] + phase.shiftOffsets[t]
      table[4 * active + 3] = t
      active += 1
      low = max(low, from)
      high = min(high, to)
    }
    return (active, phase.sourceStep == 1 && low < high ? low..<high : cells.lowerBound..<cells.lowerBound)
  }

  /// `sum_{c, a} A[c*T + t_a] * source[c, offset_a + m ..< + V.scalarCount]` for cells
  /// where every listed tap is inside and the source step is 1.
  @inline(__always)
  private func blockSum<T: BLASElement, V: SIMD>(
    _ type: V.Type, at m: Int, planes: UnsafePointer<T>, weights: UnsafePointer<T>,
    table: UnsafeMutableBufferPointer<Int>, active: Int, taps: Int
  ) -> V where V.Scalar == T {
    var sum = V()
    for c in 0..<sourcePerGroup {
      let plane = planes + c * sourceVolume + m, row = weights + c * taps
      for a in 0..<active {
        sum += V(repeating: row[table[4 * a + 3]]) * UnsafeRawPointer(plane + table[4 * a + 2]).loadUnaligned(as: V.self)
      }
    }
    return sum
  }
}
