import ConvCore
import ConvLoops

extension MatrixLowering {
  /// Whether a layer runs faster as OpenBLAS products than tap by tap, as
  /// measured per vector level and element size with bench/crossover.py (conv
  /// 3x3 stride 1 and 2, conv_transpose 4x4 stride 2 and 3x3 stride 1, 64
  /// source channels, 8 to 256 result channels, best of alternating runs;
  /// README "Speed"): at AVX-512, where OpenBLAS runs its SkylakeX kernels,
  /// from 64 result channels per group in float32 (conv3x3-o64 0.96 ms against
  /// 1.48) and 32 in float64; at AVX2 and below the loops up to 128 channels in
  /// both (conv3x3-o128 2.62 ms against 2.65, up4x4s2-o128 1.25 against 1.65)
  /// and products for one-phase layers from 256 (conv3x3-o256 4.95 against 5.08).
  static func prefersProducts(
    resultPerGroup: Int, phases: [LoweredPhase], elementBytes: Int, level: VectorInstructions
  ) -> Bool {
    switch (level, elementBytes) {
    case (.avx512, 8): resultPerGroup >= 32
    case (.avx512, _): resultPerGroup >= 64
    default: resultPerGroup >= 256 && phases.count == 1
    }
  }

  /// Applies the lowering tap by tap, without `cols`: over the source channels
  /// of each batch item and group, zero-padded so every tap is inside at every
  /// cell (``TapPadding``), each work item computes its part of every phase's
  /// cells row by row (``TapRun``). With at least as many (batch item, group)
  /// pairs as the workers need, an item is one pair and pads it into its own
  /// scratch, where it stays in cache; otherwise the pairs split into parts that
  /// share one padded copy of the source. Every result cell lies in exactly one
  /// phase and part, so the result needs no zeroing.
  func runTapByTap<T: BLASElement>(source: [T], weight: [T]) -> [T] {
    let count = batch * groups * resultPerGroup * resultVolume
    let lanes = tapLanes
    let padding = TapPadding(
      self, interleaved: lanes == .channels, slack: TapRun<T>.maximumLanes * (phases.map(\.sourceStep).max() ?? 1))
    let matrices = lanes == .channels ? transposed(weight) : phaseForm ? packed(weight) : weight
    let rowLength = lanes == .channels ? TapRun<T>.channelLanes(resultPerGroup) : resultPerGroup
    let compute = T.tapRunKernel
    let images = batch * groups, wanted = 4 * ComputeThreads.perOperation
    // Parts of at least 512 cells of the largest phase.
    let parts = images >= wanted ? 1 : max(1, min(ceilDivide(wanted, images), (phases.map(\.volume).max() ?? 0) / 512))
    let shared = parts > 1 ? padding.padded(source, images: images) : []
    return [T](unsafeUninitializedCapacity: count) { result, initialized in
      source.withUnsafeBufferPointer { src in
        matrices.withUnsafeBufferPointer { w in
          shared.withUnsafeBufferPointer { shared in
            padding.tapOffsets.withUnsafeBufferPointer { offsets in
              guard let src = src.baseAddress, let w = w.baseAddress, let dst = result.baseAddress,
                let offsets = offsets.baseAddress
              else { return }
              ComputeThreads.forEach(images * parts, scratch: parts > 1 ? 0 : padding.elements, of: T.self) {
                item, scratch in
                let image = item / parts, part = item % parts
                let n = image / groups, group = image % groups
                let padded: UnsafePointer<T>
                if parts > 1, let shared = shared.baseAddress {
                  padded = shared + image * padding.elements
                } else {
                  padding.copy(src + image * sourcePerGroup * sourceVolume, into: scratch)
                  padded = UnsafePointer(scratch)
                }
                for (p, phase) in phases.enumerated() {
                  let weights = w + matrixOffset(group: group, phase: p) / resultPerGroup * rowLength,
                    rowStarts = padding.rowStarts[p]
                  let cells =
                    n * phase.volume + part * phase.volume / parts..<n * phase.volume + (part + 1) * phase.volume
                    / parts
                  forEachRowRun(phase, cells, mergingRows: true) { run in
                    compute(
                      TapRun(
                        source: padded + padding.rowOffsets[rowStarts + run.row], channelStride: padding.channelStride,
                        sourceStep: phase.sourceStep * padding.cellStride, tapOffsets: offsets + padding.tapStarts[p],
                        taps: phase.tapCount,
                        channels: sourcePerGroup, weights: weights, outputs: resultPerGroup,
                        result: dst + image * resultPerGroup * resultVolume + phase.rowResults[run.row],
                        resultStride: resultVolume, resultStep: phase.resultStep,
                        cells: run.first..<(run.first + run.count),
                        rows: run.rows, sourceRowStep: padding.rowSteps[p], resultRowStep: phase.rowResultStep,
                        lanes: lanes))
                  }
                }
              }
            }
          }
        }
      }
      initialized = count
    }
  }

  /// What the loops' vector lanes hold: output channels when there are at least
  /// 8 per group and each output sums at least 64 products per phase (the
  /// source values' broadcasts are then shared by a vector of channels), else cells.
  var tapLanes: TapLanes {
    resultPerGroup >= 8 && sourcePerGroup * tapTotal >= 64 * phases.count ? .channels : .cells
  }

  /// The matrices `A_{g,p}` transposed, taps outer, each row padded with zeros
  /// to ``TapRun/channelLanes(_:)`` lanes, at `L/R` times `A`'s offset:
  /// `[t*C + c][r] = A_{g,p}[r, c*T + t]`, read straight from the weight,
  /// `W_g[r][c][k_t]` in the gather form and `W_g[c][r][k_t]` in the phase form.
  private func transposed<T: BLASElement>(_ weight: [T]) -> [T] {
    let lanes = TapRun<T>.channelLanes(resultPerGroup), count = groups * sourcePerGroup * tapTotal * lanes
    var result = [T](repeating: 0, count: count)
    weight.withUnsafeBufferPointer { weight in
      result.withUnsafeMutableBufferPointer { result in
        guard let w = weight.baseAddress, let dst = result.baseAddress else { return }
        ComputeThreads.forEach(groups * phases.count, of: T.self) { item, _ in
          let group = item / phases.count, p = item % phases.count
          let planes = w + group * resultPerGroup * sourcePerGroup * kernelVolume
          let into = dst + matrixOffset(group: group, phase: p) / resultPerGroup * lanes
          let (rowStride, channelStride) =
            phaseForm ? (kernelVolume, resultPerGroup * kernelVolume) : (sourcePerGroup * kernelVolume, kernelVolume)
          phases[p].kernelOffsets.withUnsafeBufferPointer { taps in
            for t in taps.indices {
              for c in 0..<sourcePerGroup {
                let line = into + (t * sourcePerGroup + c) * lanes, from = planes + c * channelStride + taps[t]
                for r in 0..<resultPerGroup { line[r] = from[r * rowStride] }
              }
            }
          }
        }
      }
    }
    return result
  }
}

/// The zero padding around a lowering's source channels that puts every tap of
/// every phase inside at every cell: per dimension `j`, over all phases and taps,
/// `low_j = max(0, max_t -shift_tj)` cells before and
/// `high_j = max(0, max_t ((sizes_j - 1) * a_j + shift_tj) - (S_j - 1))` after
/// the source's `S_j`, with offsets into the padded copy: channel planes one
/// after the other, or (`interleaved`) each cell's channels side by side.
struct TapPadding {
  /// Cells of one padded channel plane: `prod_j (low_j + S_j + high_j)`.
  let volume: Int
  let interleaved: Bool
  /// Elements from one cell to the next along the last dimension (`channels` when
  /// interleaved, else 1), and from one channel to the next (1 when interleaved, else `volume`).
  let cellStride: Int
  let channelStride: Int
  /// Elements of one padded (batch item, group): its channels' planes and the slack after them.
  let elements: Int
  let channels: Int
  let sourceSizes: [Int]
  let sourceVolume: Int
  let low: [Int]
  let paddedSizes: [Int]
  let strides: [Int]
  /// Every phase's taps' offsets, `sum_j (shift_tj + low_j) * stride_j`, one phase
  /// after the other from `tapStarts[p]`, plus one unused entry so the array is never empty.
  let tapOffsets: [Int]
  let tapStarts: [Int]
  /// Each phase's rows' offsets `sum_{j < last} m_j * a_j * stride_j`, one phase
  /// after the other from `rowStarts[p]`.
  let rowOffsets: [Int]
  let rowStarts: [Int]
  /// Per phase, the source offset from one row to the next within a line: `a_{last-1} * stride_{last-1}`.
  let rowSteps: [Int]

  /// The padding of `lowering`'s source, with `slack` zero cells after each
  /// (batch item, group)'s copy for the lanes a run reads past its last cell.
  init(_ lowering: MatrixLowering, interleaved: Bool, slack: Int) {
    let sizes = lowering.sourceSizes, rank = sizes.count, phases = lowering.phases
    let (low, high) = Self.margins(phases, sourceSizes: sizes)
    let padded = (0..<rank).map { low[$0] + sizes[$0] + high[$0] }
    channels = lowering.sourcePerGroup
    self.interleaved = interleaved
    let cellStride = interleaved ? channels : 1
    self.cellStride = cellStride
    let strides = rowMajorStrides(padded).map { $0 * cellStride }
    volume = padded.reduce(1, *)
    channelStride = interleaved ? 1 : volume
    elements = channels * (volume + slack)
    sourceSizes = sizes
    sourceVolume = lowering.sourceVolume
    self.low = low
    paddedSizes = padded
    self.strides = strides
    var offsets: [Int] = [], starts: [Int] = [], rowOffsets: [Int] = [], rowStarts: [Int] = []
    for phase in phases {
      starts.append(offsets.count)
      for t in 0..<phase.tapCount {
        offsets.append((0..<rank).map { (phase.shifts[t * rank + $0] + low[$0]) * strides[$0] }.reduce(0, +))
      }
      rowStarts.append(rowOffsets.count)
      let inner = rank - 1
      for row in 0..<(phase.volume / phase.rowLength) {
        rowOffsets.append(
          (0..<inner).map { phase.rowIndices[row * inner + $0] * phase.sourceSteps[$0] * strides[$0] }.reduce(0, +))
      }
    }
    tapOffsets = offsets + [0]
    tapStarts = starts
    self.rowOffsets = rowOffsets
    self.rowStarts = rowStarts
    rowSteps = phases.map { rank > 1 ? $0.sourceSteps[rank - 2] * strides[rank - 2] : 0 }
  }

  /// `low_j` and `high_j` of every dimension for `phases` over a source of `sourceSizes`.
  static func margins(_ phases: [LoweredPhase], sourceSizes sizes: [Int]) -> (low: [Int], high: [Int]) {
    let rank = sizes.count
    var low = [Int](repeating: 0, count: rank), high = low
    for phase in phases {
      for t in 0..<phase.tapCount {
        for j in 0..<rank {
          let shift = phase.shifts[t * rank + j]
          low[j] = max(low[j], -shift)
          high[j] = max(high[j], (phase.sizes[j] - 1) * phase.sourceSteps[j] + shift - (sizes[j] - 1))
        }
      }
    }
    return (low, high)
  }

  /// ``volume`` for `phases` over a source of `sourceSizes`, `Int.max` where it overflows.
  static func paddedVolume(_ phases: [LoweredPhase], sourceSizes: [Int]) -> Int {
    let (low, high) = margins(phases, sourceSizes: sourceSizes)
    return sourceSizes.indices.reduce(1) { volume, j in
      let (size, overflow) = low[j].addingReportingOverflow(sourceSizes[j] + high[j])
      let (product, overflows) = volume.multipliedReportingOverflow(by: size)
      return overflow || overflows ? Int.max : product
    }
  }

  /// The padded copies of `images` (batch item, group) blocks of `channels` source planes, one after the other.
  func padded<T: BLASElement>(_ source: [T], images: Int) -> [T] {
    [T](unsafeUninitializedCapacity: images * elements) { buffer, initialized in
      source.withUnsafeBufferPointer { src in
        guard let src = src.baseAddress, let dst = buffer.baseAddress else { return }
        ComputeThreads.forEach(images, of: T.self) { image, _ in
          copy(src + image * channels * sourceVolume, into: dst + image * elements)
        }
      }
      initialized = images * elements
    }
  }

  /// Writes the padded copy of the `channels` source planes at `planes` and
  /// the zero slack after it: ``elements`` elements.
  func copy<T: BLASElement>(_ planes: UnsafePointer<T>, into buffer: UnsafeMutablePointer<T>) {
    let rank = sourceSizes.count, last = rank - 1
    /// Fills the padded block of dimensions `j...` at `to` from the source block at
    /// `from` (nil: all padding).
    func fill(_ j: Int, _ from: UnsafePointer<T>?, _ to: UnsafeMutablePointer<T>) {
      guard j < last else {
        if interleaved {
          // Zero the padded line, then write each channel's row into it at stride `channels`.
          to.update(repeating: 0, count: paddedSizes[last] * channels)
          guard let from else { return }
          for c in 0..<channels {
            let row = from + c * sourceVolume, line = to + low[last] * channels + c
            for i in 0..<sourceSizes[last] { line[i * channels] = row[i] }
          }
          return
        }
        guard let from else { return to.update(repeating: 0, count: paddedSizes[last]) }
        to.update(repeating: 0, count: low[last])
        (to + low[last]).update(from: from, count: sourceSizes[last])
        (to + low[last] + sourceSizes[last]).update(
          repeating: 0, count: paddedSizes[last] - low[last] - sourceSizes[last])
        return
      }
      let sourceStride = sourceSizes[(j + 1)...].reduce(1, *)
      for i in 0..<paddedSizes[j] {
        let inside = i >= low[j] && i < low[j] + sourceSizes[j]
        fill(j + 1, inside ? from.map { $0 + (i - low[j]) * sourceStride } : nil, to + i * strides[j])
      }
    }
    if interleaved {
      fill(0, planes, buffer)
    } else {
      for c in 0..<channels { fill(0, planes + c * sourceVolume, buffer + c * volume) }
    }
    (buffer + channels * volume).update(repeating: 0, count: elements - channels * volume)
  }
}
