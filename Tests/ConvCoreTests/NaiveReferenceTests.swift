import ConvCore
import Testing

/// The fast kernel against a naive, independently written loop over every
/// output (conv) or input (conv_transpose) cell and kernel tap, on random small
/// cases across ranks, strides, dilations, groups, padding forms and modes.
@Suite("the kernel agrees with a naive loop")
struct NaiveReferenceTests {
  static let seeds = Array(UInt64(1)...40)

  @Test("random conv and conv_transpose against the naive loop", arguments: seeds, [false, true])
  func matchesNaiveLoop(seed: UInt64, transposed: Bool) throws {
    let case_ = RandomConvolution.make(seed: seed, transposed: transposed)
    var random = TestRandom(seed: seed + 3000)
    let geometry = case_.geometry
    let x = random.tensor(case_.input), w = random.tensor(case_.weight), b = random.tensor([geometry.outputChannels])
    let fast = try geometry.apply(input: x, weight: w, bias: b).doubles
    let naive = naiveConvolution(geometry, x: x.doubles, w: w.doubles, bias: b.doubles)
    #expect(fast.count == naive.count)
    let worst = zip(fast, naive).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 1e-12, "\(case_)")
  }
}

/// Every multi-index of `shape`, row-major.
func allIndices(_ shape: [Int]) -> [[Int]] {
  shape.reduce([[]]) { prefixes, size in prefixes.flatMap { prefix in (0..<size).map { prefix + [$0] } } }
}

/// Row-major flat offset of `index` in `shape`.
func flatOffset(_ index: [Int], _ shape: [Int]) -> Int {
  zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
}

/// Where a padded coordinate `i` of an axis of size `n` reads, per PyTorch's padding modes; nil for a zero.
func paddedSource(_ i: Int, _ n: Int, _ mode: PaddingMode) -> Int? {
  if i >= 0 && i < n { return i }
  switch mode {
  case .zeros: return nil
  case .reflect: return i < 0 ? -i : 2 * (n - 1) - i
  case .replicate: return i < 0 ? 0 : n - 1
  case .circular: return i < 0 ? i + n : i - n
  }
}

/// PyTorch's conv{1,2,3}d (gathering per output cell) or conv_transpose{1,2,3}d
/// (scattering per input cell, then cropping), written as plainly as possible.
func naiveConvolution(_ g: ConvGeometry, x: [Double], w: [Double], bias: [Double]) -> [Double] {
  let inSpatial = g.axes.map(\.input), outSpatial = g.axes.map(\.output), kernel = g.axes.map(\.kernel)
  let inPerGroup = g.inputChannels / g.groups, outPerGroup = g.outputChannels / g.groups
  var y = [Double](repeating: 0, count: g.outputShape.reduce(1, *))
  for n in 0..<g.batch {
    for oc in 0..<g.outputChannels {
      let group = oc / outPerGroup
      for c in 0..<inPerGroup {
        let ic = group * inPerGroup + c
        for k in allIndices(kernel) {
          let weight = g.direction == .forward
            ? w[flatOffset([oc, c] + k, g.weightShape)]
            : w[flatOffset([ic, oc - group * outPerGroup] + k, g.weightShape)]
          if g.direction == .forward {
            for o in allIndices(outSpatial) {
              var source: [Int] = []
              for (j, axis) in g.axes.enumerated() {
                guard let s = paddedSource(o[j] * axis.stride + k[j] * axis.dilation - axis.padBegin, axis.input, g.paddingMode)
                else { break }
                source.append(s)
              }
              guard source.count == g.axes.count else { continue }
              y[flatOffset([n, oc] + o, g.outputShape)] += weight * x[flatOffset([n, ic] + source, g.inputShape)]
            }
          } else {
            for i in allIndices(inSpatial) {
              let target = g.axes.indices.map { j in i[j] * g.axes[j].stride + k[j] * g.axes[j].dilation - g.axes[j].padBegin }
              guard zip(target, outSpatial).allSatisfy({ $0 >= 0 && $0 < $1 }) else { continue }
              y[flatOffset([n, oc] + target, g.outputShape)] += weight * x[flatOffset([n, ic] + i, g.inputShape)]
            }
          }
        }
      }
      let volume = outSpatial.reduce(1, *), base = (n * g.outputChannels + oc) * volume
      for cell in base..<(base + volume) { y[cell] += bias[oc] }
    }
  }
  return y
}
