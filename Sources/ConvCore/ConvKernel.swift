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

extension ConvGeometry {
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

  /// The zero-padded direct kernel: `y = A x` (forward) or `y = A^T x` (transposed),
  /// without bias, for inputs already padded when `paddingMode` is not `zeros`.
  func directKernel<T: TensorElement>(input: [T], weight: [T]) -> [T] {
    let inSpatial = axes.map(\.input), outSpatial = axes.map(\.output)
    let forward = direction == .forward
    let driverSizes = forward ? outSpatial : inSpatial
    let otherSizes = forward ? inSpatial : outSpatial
    let taps = taps(driver: driverSizes, other: otherSizes)
    let driverStrides = rowMajorStrides(driverSizes), otherStrides = rowMajorStrides(otherSizes)
    let strides = axes.map(\.stride)
    let inVolume = inSpatial.reduce(1, *), outVolume = outSpatial.reduce(1, *)
    let kernelVolume = axes.map(\.kernel).reduce(1, *)
    let inPerGroup = inputChannels / groups, outPerGroup = outputChannels / groups
    var output = [T](repeating: 0, count: batch * outputChannels * outVolume)
    input.withUnsafeBufferPointer { x in
      weight.withUnsafeBufferPointer { w in
        output.withUnsafeMutableBufferPointer { y in
          for n in 0..<batch {
            for outChannel in 0..<outputChannels {
              let group = outChannel / outPerGroup
              for c in 0..<inPerGroup {
                let inChannel = group * inPerGroup + c
                let weightBase = forward
                  ? (outChannel * inPerGroup + c) * kernelVolume
                  : (inChannel * outPerGroup + outChannel - group * outPerGroup) * kernelVolume
                let xPlane = (n * inputChannels + inChannel) * inVolume
                let yPlane = (n * outputChannels + outChannel) * outVolume
                for tap in taps {
                  let value = w[weightBase + tap.kernelOffset]
                  forEachRun(tap, driverStrides: driverStrides, otherStrides: otherStrides, strides: strides) {
                    driverStart, otherStart, length, step in
                    if forward {
                      for t in 0..<length { y[yPlane + driverStart + t] += value * x[xPlane + otherStart + t * step] }
                    } else {
                      for t in 0..<length { y[yPlane + otherStart + t * step] += value * x[xPlane + driverStart + t] }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return output
  }

  /// Calls `body(driverOffset, otherOffset, length, otherStep)` for each run of the
  /// tap's box along the last spatial dimension.
  @inline(__always)
  func forEachRun(
    _ tap: KernelTap, driverStrides: [Int], otherStrides: [Int], strides: [Int],
    _ body: (Int, Int, Int, Int) -> Void
  ) {
    let last = axes.count - 1
    let length = tap.upper[last] - tap.lower[last]
    let step = strides[last]
    var index = tap.lower
    while true {
      var driverOffset = 0, otherOffset = 0
      for j in 0...last {
        driverOffset += index[j] * driverStrides[j]
        otherOffset += (index[j] * strides[j] + tap.shift[j]) * otherStrides[j]
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
