/// For one kernel position, the box of "driver" indices that touch a valid cell,
/// and how they map: `other = driver * stride + shift` in each spatial dimension.
///
/// Forward convolution drives over output cells and reads input cells
/// `o*s + k*d - pb`; the transpose drives over input cells and writes output
/// cells `i*s + k*d - pb`. Both are the same affine map, so one loop serves.
struct KernelTap {
  /// Offset of this kernel position within one `prod(k)` kernel plane.
  let kernelOffset: Int
  let lower: [Int]
  let upper: [Int]
  let shift: [Int]
}

/// The index arithmetic of a convolution's taps, for the walk that lists its
/// unrolled matrix.
struct TapLayout {
  let forward: Bool
  let taps: [KernelTap]
  let driverStrides: [Int]
  let otherStrides: [Int]
  let strides: [Int]
  let inVolume: Int
  let outVolume: Int
}

extension ConvGeometry {
  var tapLayout: TapLayout {
    let inSpatial = axes.map(\.input), outSpatial = axes.map(\.output)
    let forward = direction == .forward
    let driverSizes = forward ? outSpatial : inSpatial
    let otherSizes = forward ? inSpatial : outSpatial
    return TapLayout(
      forward: forward, taps: taps(driver: driverSizes, other: otherSizes),
      driverStrides: rowMajorStrides(driverSizes), otherStrides: rowMajorStrides(otherSizes),
      strides: axes.map(\.stride), inVolume: inSpatial.reduce(1, *), outVolume: outSpatial.reduce(1, *))
  }

  /// The non-empty taps of every kernel position, with driver sizes `driver`
  /// and the other side's sizes `other`.
  func taps(driver: [Int], other: [Int]) -> [KernelTap] {
    let kernel = axes.map(\.kernel)
    let kernelStrides = rowMajorStrides(kernel)
    var taps: [KernelTap] = []
    let volume = kernel.reduce(1, *)
    for flat in 0..<volume {
      var lower: [Int] = [], upper: [Int] = [], shift: [Int] = []
      for (j, axis) in axes.enumerated() {
        let k = (flat / kernelStrides[j]) % kernel[j]
        let offset = k * axis.dilation - axis.padBegin
        lower.append(max(0, ceilDivide(-offset, axis.stride)))
        upper.append(min(driver[j], floorDivide(other[j] - 1 - offset, axis.stride) + 1))
        shift.append(offset)
      }
      if zip(lower, upper).allSatisfy({ $0 < $1 }) {
        taps.append(KernelTap(kernelOffset: flat, lower: lower, upper: upper, shift: shift))
      }
    }
    return taps
  }

  /// Calls `body(driverPlane, otherPlane, weightBase)` for every connected pair of
  /// input and output channel planes of work item `item = n * groups + g`: batch
  /// `n`, output channel `o` of group `g` (`g = o / (C_out/groups)`), input channel
  /// `g * (C_in/groups) + c`.
  @inline(__always)
  func forEachChannelPair(_ layout: TapLayout, item: Int, _ body: (Int, Int, Int) -> Void) {
    let kernelVolume = axes.map(\.kernel).reduce(1, *)
    let inPerGroup = inputChannels / groups, outPerGroup = outputChannels / groups
    let n = item / groups, group = item % groups
    for outChannel in (group * outPerGroup)..<((group + 1) * outPerGroup) {
      for c in 0..<inPerGroup {
        let inChannel = group * inPerGroup + c
        let weightBase =
          layout.forward
          ? (outChannel * inPerGroup + c) * kernelVolume
          : (inChannel * outPerGroup + outChannel - group * outPerGroup) * kernelVolume
        let xPlane = (n * inputChannels + inChannel) * layout.inVolume
        let yPlane = (n * outputChannels + outChannel) * layout.outVolume
        layout.forward ? body(yPlane, xPlane, weightBase) : body(xPlane, yPlane, weightBase)
      }
    }
  }

  /// Calls `body(row, column, weight)` for every structural non-zero of the
  /// zero-padded operator's unrolled matrix: `row` indexes the flattened output,
  /// `column` the flattened (padded) input. Entries at the same place add up.
  func forEachMatrixEntry<T: TensorElement>(weight: [T], _ body: (Int, Int, T) -> Void) {
    let layout = tapLayout
    for item in 0..<(batch * groups) {
      forEachChannelPair(layout, item: item) { driverPlane, otherPlane, weightBase in
        for tap in layout.taps {
          let value = weight[weightBase + tap.kernelOffset]
          forEachRun(tap, layout) { driverStart, otherStart, length, step in
            for t in 0..<length {
              let driver = driverPlane + driverStart + t, other = otherPlane + otherStart + t * step
              layout.forward ? body(driver, other, value) : body(other, driver, value)
            }
          }
        }
      }
    }
  }

  /// Calls `body(driverOffset, otherOffset, length, otherStep)` for each run of the
  /// tap's box along the last spatial dimension.
  @inline(__always)
  func forEachRun(_ tap: KernelTap, _ layout: TapLayout, _ body: (Int, Int, Int, Int) -> Void) {
    let last = axes.count - 1
    let length = tap.upper[last] - tap.lower[last]
    let step = layout.strides[last]
    var index = tap.lower
    while true {
      var driverOffset = 0, otherOffset = 0
      for j in 0...last {
        driverOffset += index[j] * layout.driverStrides[j]
        otherOffset += (index[j] * layout.strides[j] + tap.shift[j]) * layout.otherStrides[j]
      }
      body(driverOffset, otherOffset, length, step)
      var j = last - 1
      while j >= 0 {
        index[j] += 1
        if index[j] < tap.upper[j] { break }
        index[j] = tap.lower[j]
        j -= 1
      }
      if j < 0 { return }
    }
  }
}
