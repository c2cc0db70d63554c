import ConvCore
/// One dimension's share of a phase: result cells `m*e + offset` for `m` in
/// `0..<count`, and its taps, each reading source cell `m*a + shift` (`e`, `a`:
/// the lowering's result and source steps along the dimension).
struct AxisPhase {
  let offset: Int
  let count: Int
  let taps: [(kernel: Int, shift: Int)]
}

extension ConvAxis {
  /// Result step `e` and source step `a`: `(1, s)` in the gather form, `(s, 1)` in the phase form.
  func loweredSteps(gathers: Bool) -> (result: Int, source: Int) { gathers ? (1, stride) : (stride, 1) }

  /// The axis's phases. Gather form: one phase of all `result` cells, tap `k` at
  /// `shift = k*d - pb`. Phase form: for each `ρ` in `0..<s`, the cells
  /// `q = m*s + ρ < result` and the taps with `ρ + pb - k*d ≡ 0 (mod s)` at
  /// `shift = (ρ + pb - k*d) / s`, since `q = i*s + k*d - pb` gives `i = m + shift`.
  func loweredPhases(result: Int, gathers: Bool) -> [AxisPhase] {
    guard !gathers else {
      return [AxisPhase(offset: 0, count: result, taps: (0..<kernel).map { ($0, $0 * dilation - padBegin) })]
    }
    return (0..<min(stride, result)).map { rho in
      let taps = (0..<kernel).compactMap { k -> (kernel: Int, shift: Int)? in
        let lag = rho + padBegin - k * dilation
        return floorDivide(lag, stride) * stride == lag ? (k, lag / stride) : nil
      }
      return AxisPhase(offset: rho, count: ceilDivide(result - rho, stride), taps: taps)
    }
  }
}

/// One sub-pixel phase of a ``MatrixLowering``: a box of result cells
/// `m_j*e_j + ρ_j` (`m_j` in `0..<sizes_j`) and its taps, each tap reading source
/// cell `m_j*a_j + shift_j`, which lies inside for `m_j` in `lower_j..<upper_j`.
/// Tables are flat, indexed `[tap * rank + j]` and `[row * (rank - 1) + j]`, rows
/// being the phase's lines along the last dimension.
struct LoweredPhase {
  /// `sizes_j`: the box's cells along each dimension.
  let sizes: [Int]
  let volume: Int
  /// `sizes` of the last dimension: cells per row.
  let rowLength: Int
  let rank: Int
  let tapCount: Int
  /// Each tap's offset within one `prod(k)` kernel plane.
  let kernelOffsets: [Int]
  let lower: [Int]
  let upper: [Int]
  /// Each tap's `shift_j`.
  let shifts: [Int]
  /// Each tap's source offset of its shift: `sum_j shift_j * sourceStride_j`.
  let shiftOffsets: [Int]
  let rowIndices: [Int]
  /// Each row's source offset: `sum_j m_j * a_j * sourceStride_j`.
  let rowSources: [Int]
  /// Each row's result offset: `sum_j (m_j * e_j + ρ_j) * resultStride_j` (last `m` zero).
  let rowResults: [Int]
  /// Rows per line of the second-last dimension (`sizes_{last-1}`; 1 for rank 1),
  /// and the result offset from one row to the next within a line (`e_{last-1} * resultStride_{last-1}`).
  let rowsPerLine: Int
  let rowResultStep: Int
  /// `a_j` of every dimension.
  let sourceSteps: [Int]
  /// `a` and `e` of the last dimension.
  let sourceStep: Int
  let resultStep: Int
  /// The result cells are the phase cells in order (`e = 1`): the product writes them in place.
  let writesInPlace: Bool
  /// One tap whose box is every cell, step 1 and equal sizes (so shift 0): `cols` is the source itself.
  let identity: Bool

  /// Every phase with cells, in row-major order of the axes' phases. The gather
  /// form keeps taps that reach no cell (their `cols` rows are zero, so `A = W_g`);
  /// the phase form leaves them out of the packed matrix.
  static func phases(_ axes: [ConvAxis], resultSizes: [Int], sourceSizes: [Int], gathers: Bool) -> [LoweredPhase] {
    let perAxis = zip(axes, resultSizes).map { $0.loweredPhases(result: $1, gathers: gathers) }
    return allChoices(perAxis.map(\.count)).compactMap { choice in
      let parts = choice.enumerated().map { perAxis[$0][$1] }
      guard parts.allSatisfy({ $0.count > 0 }) else { return nil }
      return LoweredPhase(axes, parts: parts, resultSizes: resultSizes, sourceSizes: sourceSizes, gathers: gathers)
    }
  }

  init(_ axes: [ConvAxis], parts: [AxisPhase], resultSizes: [Int], sourceSizes: [Int], gathers: Bool) {
    let steps = axes.map { $0.loweredSteps(gathers: gathers) }
    let sizes = parts.map(\.count)
    self.sizes = sizes
    let sourceStrides = rowMajorStrides(sourceSizes), resultStrides = rowMajorStrides(resultSizes)
    let kernelStrides = rowMajorStrides(axes.map(\.kernel))
    rank = axes.count
    volume = sizes.reduce(1, *)
    rowLength = sizes[rank - 1]
    sourceSteps = steps.map(\.source)
    sourceStep = steps[rank - 1].source
    resultStep = steps[rank - 1].result
    var offsets: [Int] = [], lower: [Int] = [], upper: [Int] = [], shifts: [Int] = [], shiftOffsets: [Int] = []
    for choice in allChoices(parts.map(\.taps.count)) {
      let taps = choice.enumerated().map { parts[$0].taps[$1] }
      let boxes = taps.indices.map { j in
        (
          max(0, ceilDivide(-taps[j].shift, steps[j].source)),
          min(sizes[j], floorDivide(sourceSizes[j] - 1 - taps[j].shift, steps[j].source) + 1)
        )
      }
      guard gathers || boxes.allSatisfy({ $0.0 < $0.1 }) else { continue }
      offsets.append(zip(taps, kernelStrides).map { $0.kernel * $1 }.reduce(0, +))
      lower += boxes.map(\.0)
      upper += boxes.map(\.1)
      shifts += taps.map(\.shift)
      shiftOffsets.append(zip(taps, sourceStrides).map { $0.shift * $1 }.reduce(0, +))
    }
    kernelOffsets = offsets
    tapCount = offsets.count
    self.lower = lower
    self.upper = upper
    self.shifts = shifts
    self.shiftOffsets = shiftOffsets
    var indices: [Int] = [], sources: [Int] = [], results: [Int] = []
    for row in allChoices(Array(sizes.dropLast())) {
      indices += row
      sources.append(row.indices.map { row[$0] * steps[$0].source * sourceStrides[$0] }.reduce(0, +))
      results.append(
        row.indices.map { (row[$0] * steps[$0].result + parts[$0].offset) * resultStrides[$0] }.reduce(0, +)
          + parts[rank - 1].offset)
    }
    rowIndices = indices
    rowSources = sources
    rowResults = results
    rowsPerLine = rank > 1 ? sizes[rank - 2] : 1
    rowResultStep = rank > 1 ? steps[rank - 2].result * resultStrides[rank - 2] : 0
    writesInPlace = steps.allSatisfy { $0.result == 1 }
    identity =
      tapCount == 1 && steps.allSatisfy { $0.source == 1 } && sizes == sourceSizes
      && lower.allSatisfy { $0 == 0 } && upper == sizes
  }
}

/// Every multi-index below `counts`, row-major; one empty index for no counts.
func allChoices(_ counts: [Int]) -> [[Int]] {
  counts.reduce([[]]) { prefixes, count in prefixes.flatMap { prefix in (0..<count).map { prefix + [$0] } } }
}
