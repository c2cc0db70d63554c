extension MatrixLowering {
  /// Fewest result channels per group for which the phases run as `im2col` and a
  /// matrix product: with fewer, copying `cols` costs about as much as the
  /// product saves, and they run tap by tap in registers instead.
  static let minimumProductRows = 8

  /// Phase `phase`'s cells of `columns` without `cols`: for each result channel `o`
  /// and cell `m` of a row, `result = sum_{c, t} A[o, c*T + t] * source[c, row + shift_t + m*a]`
  /// over the taps inside at `m`, read from `rowTaps` (the phase's table). Where
  /// every tap reaching the row is inside and `a = 1` (the row's interior), 16
  /// neighbouring cells (4 in an interior narrower than 16) accumulate at once in SIMD registers.
  func directChunk<T: BLASElement>(
    _ phase: LoweredPhase, _ rowTaps: RowTaps, _ columns: Range<Int>, group: Int, _ operands: Operands<T>
  ) {
    let taps = phase.tapCount, depth = depth(phase), step = phase.resultStep, sourceStep = phase.sourceStep
    rowTaps.entries.withUnsafeBufferPointer { entries in
      forEachRowRun(phase, columns) { _, n, row, first, count in
        let planes = UnsafePointer(operands.source) + (n * groups + group) * sourcePerGroup * sourceVolume
        let results = operands.result + (n * groups + group) * resultPerGroup * resultVolume + phase.rowResults[row]
        let table = UnsafeBufferPointer(rebasing: entries[(4 * rowTaps.starts[row])..<(4 * rowTaps.starts[row + 1])])
        let active = table.count / 4, interior = rowTaps.interior(row, within: first..<(first + count))
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

  /// `sum_{c, a} A[c*T + t_a] * source[c, offset_a + m ..< + V.scalarCount]` for cells
  /// where every listed tap is inside and the source step is 1.
  @inline(__always)
  private func blockSum<T: BLASElement, V: SIMD>(
    _ type: V.Type, at m: Int, planes: UnsafePointer<T>, weights: UnsafePointer<T>,
    table: UnsafeBufferPointer<Int>, active: Int, taps: Int
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

/// The taps reaching each row of a phase that runs without a product. A row's
/// taps depend on the row alone, never on the image, group or result channel, so
/// one table per phase and application serves every work item.
struct RowTaps {
  /// Row `r`'s taps are entries `starts[r] ..< starts[r + 1]`.
  let starts: [Int]
  /// Per entry, 4 numbers: first and end cell of the row the tap reaches, source
  /// offset of the row's cell 0 through the tap, tap index. A tap is listed when
  /// the row lies inside its box in every other dimension and it reaches a cell.
  let entries: [Int]
  /// Row `r`'s interior, `interiors[2r] ..< interiors[2r + 1]`: the cells every
  /// listed tap reaches, empty unless the source step is 1.
  let interiors: [Int]

  init(_ phase: LoweredPhase) {
    let inner = phase.rank - 1, rank = phase.rank, rows = phase.volume / phase.rowLength
    var starts = [0], entries: [Int] = [], interiors: [Int] = []
    starts.reserveCapacity(rows + 1)
    entries.reserveCapacity(4 * rows * phase.tapCount)
    interiors.reserveCapacity(2 * rows)
    for row in 0..<rows {
      var low = 0, high = phase.rowLength
      for t in 0..<phase.tapCount {
        var inside = true
        for j in 0..<inner where phase.rowIndices[row * inner + j] < phase.lower[t * rank + j]
          || phase.rowIndices[row * inner + j] >= phase.upper[t * rank + j] {
          inside = false
        }
        let from = phase.lower[t * rank + inner], to = phase.upper[t * rank + inner]
        guard inside, from < to else { continue }
        entries.append(from)
        entries.append(to)
        entries.append(phase.rowSources[row] + phase.shiftOffsets[t])
        entries.append(t)
        low = max(low, from)
        high = min(high, to)
      }
      starts.append(entries.count / 4)
      let hasInterior = phase.sourceStep == 1 && low < high
      interiors.append(hasInterior ? low : 0)
      interiors.append(hasInterior ? high : 0)
    }
    self.starts = starts
    self.entries = entries
    self.interiors = interiors
  }

  /// Row `row`'s interior within `cells`; empty at `cells.lowerBound` when they share none.
  func interior(_ row: Int, within cells: Range<Int>) -> Range<Int> {
    let low = max(interiors[2 * row], cells.lowerBound), high = min(interiors[2 * row + 1], cells.upperBound)
    return low < high ? low..<high : cells.lowerBound..<cells.lowerBound
  }
}
