import ConvCore
import ConvKernels
import Synchronization
import Testing
import TestSupport

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
/// A conv_transpose with a padding mode scatters each tap onto the cell the
/// forward convolution with that mode reads there: its exact adjoint.
func naiveConvolution(_ g: ConvGeometry, x: [Double], w: [Double], bias: [Double]) -> [Double] {
  let inSpatial = g.axes.map(\.input), outSpatial = g.axes.map(\.output), kernel = g.axes.map(\.kernel)
  let inPerGroup = g.inputChannels / g.groups, outPerGroup = g.outputChannels / g.groups
  let inVolume = inSpatial.reduce(1, *), outVolume = outSpatial.reduce(1, *)
  let kernelIndices = allIndices(kernel), outIndices = allIndices(outSpatial), inIndices = allIndices(inSpatial)
  var y = [Double](repeating: 0, count: g.outputShape.reduce(1, *))
  for n in 0..<g.batch {
    for oc in 0..<g.outputChannels {
      let group = oc / outPerGroup, outPlane = (n * g.outputChannels + oc) * outVolume
      for c in 0..<inPerGroup {
        let ic = group * inPerGroup + c, inPlane = (n * g.inputChannels + ic) * inVolume
        for k in kernelIndices {
          let weight =
            g.direction == .forward
            ? w[flatOffset([oc, c] + k, g.weightShape)]
            : w[flatOffset([ic, oc - group * outPerGroup] + k, g.weightShape)]
          if g.direction == .forward {
            for o in outIndices {
              var source: [Int] = []
              for (j, axis) in g.axes.enumerated() {
                guard
                  let s = paddedSource(
                    o[j] * axis.stride + k[j] * axis.dilation - axis.padBegin, axis.input, g.paddingMode)
                else { break }
                source.append(s)
              }
              guard source.count == g.axes.count else { continue }
              y[outPlane + flatOffset(o, outSpatial)] += weight * x[inPlane + flatOffset(source, inSpatial)]
            }
          } else {
            for i in inIndices {
              // The cell the forward convolution (padding mode included) reads at this tap
              // receives the transposed operator's contribution: padded cells fold back.
              let target = g.axes.indices.compactMap { j in
                paddedSource(
                  i[j] * g.axes[j].stride + k[j] * g.axes[j].dilation - g.axes[j].padBegin, outSpatial[j],
                  g.paddingMode)
              }
              guard target.count == g.axes.count else { continue }
              y[outPlane + flatOffset(target, outSpatial)] += weight * x[inPlane + flatOffset(i, inSpatial)]
            }
          }
        }
      }
      for cell in outPlane..<(outPlane + outVolume) { y[cell] += bias[oc] }
    }
  }
  return y
}

/// The lowering's paths, matrix products per phase, one product and a
/// scatter-add, and tap-by-tap vector loops (with cells or with output channels
/// in the lanes; ``LoweringPathTests`` checks
/// each case takes the path its name says), in float32 and float64, against the
/// naive loop on cases chosen to reach every branch: 1x1 products without
/// im2col (both directions), 1x1 with a stride, depthwise, groups, dilations,
/// strides, padding pairs and modes, output padding, ranks 1 to 3, batches,
/// several column chunks; conv_transpose's sub-pixel phases with products
/// across batch items, in several chunks, identity phases (`k = s`) and phases
/// no tap reaches (`d = s`); loops over blocks of four channels or four
/// vectors, partial vectors, strided loads and stores, whole rows, parts of an
/// image sharing one padded copy; and the adjoint `A^T` against
/// `<A x, y> = <x, A^T y>`.
@Suite("the fast paths agree with a naive loop")
struct FastPathReferenceTests {
  typealias Case = OperationCase

  static let cases: [Case] = [
    Case(
      name: "conv 1x1 as one product", operation: .conv(ConvParameters()), input: [2, 8, 5, 7], weight: [32, 8, 1, 1]),
    Case(
      name: "conv_transpose 1x1 as one product", operation: .convTranspose(ConvTransposeParameters()),
      input: [2, 6, 5, 7], weight: [6, 32, 1, 1]),
    Case(
      name: "conv 1x1 stride 2", operation: .conv(ConvParameters(stride: .uniform(2))), input: [1, 4, 7, 7],
      weight: [4, 4, 1, 1]),
    Case(
      name: "depthwise conv", operation: .conv(ConvParameters(padding: .uniform(1), groups: 6)), input: [2, 6, 9, 9],
      weight: [6, 1, 3, 3]),
    Case(
      name: "depthwise conv_transpose",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .uniform(2), padding: .uniform(1), outputPadding: .uniform(1), groups: 6)), input: [2, 6, 5, 5],
      weight: [6, 1, 3, 3]),
    Case(
      name: "grouped rank-3 conv, dilation, strides, pairs",
      operation: .conv(
        ConvParameters(
          stride: .perDimension([1, 2, 1]), padding: .pairs([PadPair(2, 0), PadPair(1, 1), PadPair(0, 2)]),
          dilation: .perDimension([2, 1, 1]), groups: 2)), input: [2, 6, 6, 7, 5], weight: [4, 3, 3, 2, 3]),
    Case(
      name: "rank-1 reflect conv, dilation 2, batch 3",
      operation: .conv(
        ConvParameters(
          padding: .uniform(2), dilation: .uniform(2), paddingMode: .reflect)), input: [3, 4, 40], weight: [5, 4, 5]),
    Case(
      name: "circular conv, stride 2",
      operation: .conv(
        ConvParameters(
          stride: .uniform(2), padding: .pairs([PadPair(1, 2), PadPair(2, 1)]), paddingMode: .circular)),
      input: [2, 3, 7, 6], weight: [4, 3, 3, 3]),
    Case(
      name: "replicate conv, same", operation: .conv(ConvParameters(padding: .same, paddingMode: .replicate)),
      input: [1, 3, 8, 5], weight: [3, 3, 4, 2]),
    Case(
      name: "rank-1 conv in several column chunks", operation: .conv(ConvParameters(padding: .uniform(4))),
      input: [1, 16, 1100], weight: [128, 16, 9]),
    Case(
      name: "grouped conv_transpose, output_padding, dilation",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .perDimension([2, 3]), padding: .perDimension([1, 0]), outputPadding: .perDimension([1, 2]),
          dilation: .perDimension([1, 2]), groups: 2)), input: [2, 4, 5, 6], weight: [4, 3, 3, 2]),
    Case(
      name: "tap by tap, 64 result channels in blocks of 4",
      operation: .convTranspose(
        ConvTransposeParameters(
          padding: .uniform(4))), input: [1, 2, 600], weight: [2, 64, 9]),
    Case(
      name: "conv_transpose 4x4 stride 2 as one product and a scatter-add",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .uniform(2), padding: .uniform(1))), input: [3, 4, 3, 3], weight: [4, 128, 4, 4]),
    Case(
      name: "rank-1 conv_transpose scatter-add with crops, batch 3",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .uniform(2), padding: .uniform(3))), input: [3, 64, 200], weight: [64, 128, 8]),
    Case(
      name: "conv_transpose 2x3 stride 2, identity and two-tap phases in chunks across batch items",
      operation: .convTranspose(ConvTransposeParameters(stride: .uniform(2))), input: [3, 64, 10, 40],
      weight: [64, 32, 2, 3]),
    Case(
      name: "conv_transpose 2x1 stride 2, identity phases and phases without taps",
      operation: .convTranspose(ConvTransposeParameters(stride: .uniform(2))), input: [2, 4, 5, 6],
      weight: [4, 32, 2, 1]),
    Case(
      name: "grouped conv_transpose as one product and a scatter-add, 128 channels per group",
      operation: .convTranspose(ConvTransposeParameters(stride: .uniform(2), padding: .uniform(1), groups: 2)),
      input: [2, 6, 3, 4], weight: [6, 128, 4, 4]),
    Case(
      name: "tap by tap, channel lanes, groups 2, 20 result channels per group",
      operation: .conv(ConvParameters(padding: .uniform(1), groups: 2)), input: [2, 16, 5, 13], weight: [40, 8, 3, 3]),
    Case(
      name: "grouped conv 3x3 stride 2 as products, 32 channels per group",
      operation: .conv(ConvParameters(stride: .uniform(2), padding: .uniform(1), groups: 2)), input: [2, 6, 9, 10],
      weight: [64, 3, 3, 3]),
    Case(
      name: "conv_transpose scatter-add over batch items a few at a time",
      operation: .convTranspose(ConvTransposeParameters(stride: .uniform(2), padding: .uniform(1))),
      input: [3, 1, 40, 70], weight: [1, 128, 8, 8]),
    Case(
      name: "conv_transpose 2x2 stride 2 identity phases",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .uniform(2))), input: [2, 4, 5, 6], weight: [4, 32, 2, 2]),
    Case(
      name: "conv_transpose dilation 2 stride 2 scatter-add, output padding no tap reaches",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .uniform(2), outputPadding: .uniform(1), dilation: .uniform(2))), input: [2, 3, 4, 4],
      weight: [3, 128, 3, 3]),
    Case(
      name: "direct conv_transpose dilation 2 stride 2, phases without taps",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .uniform(2), outputPadding: .uniform(1), dilation: .uniform(2))), input: [2, 3, 4, 4],
      weight: [3, 2, 3, 3]),
    Case(
      name: "conv 3x3 stride 2 as products",
      operation: .conv(ConvParameters(stride: .uniform(2), padding: .uniform(1))),
      input: [2, 3, 9, 10], weight: [32, 3, 3, 3]),
    Case(
      name: "direct depthwise conv, rows in SIMD blocks",
      operation: .conv(ConvParameters(padding: .uniform(1), groups: 3)),
      input: [2, 3, 5, 40], weight: [3, 1, 3, 3]),
    Case(
      name: "direct depthwise conv, a chunk ends mid-row",
      operation: .conv(ConvParameters(padding: .uniform(1), groups: 2)),
      input: [1, 2, 131, 131], weight: [2, 1, 3, 3]),
    Case(
      name: "direct conv_transpose stride 2, phase rows in SIMD blocks",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .uniform(2), padding: .uniform(1))), input: [1, 3, 4, 40], weight: [3, 2, 4, 4]),
    Case(
      name: "grouped conv_transpose stride 3 crops",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .perDimension([3, 2]), padding: .perDimension([4, 1]), groups: 2)), input: [2, 4, 4, 5],
      weight: [4, 3, 5, 3]),
    Case(
      name: "rank-3 conv_transpose",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .uniform(2), padding: .uniform(1))), input: [2, 2, 4, 4, 4], weight: [2, 3, 3, 3, 3]),
    Case(
      name: "rank-1 conv_transpose same, batch 3",
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .uniform(3), padding: .same)), input: [3, 4, 9], weight: [4, 2, 5]),
    Case(
      name: "conv_transpose pairs, stride 1",
      operation: .convTranspose(
        ConvTransposeParameters(
          padding: .pairs([PadPair(1, 2), PadPair(0, 1)]))), input: [2, 5, 6, 6], weight: [5, 3, 3, 4]),
    Case(
      name: "tap by tap, 12 result channels in blocks of 4, stride 2 (strided loads)",
      operation: .conv(
        ConvParameters(
          stride: .uniform(2), padding: .uniform(1))), input: [2, 3, 11, 37], weight: [12, 3, 3, 3]),
    Case(
      name: "tap by tap, 5 result channels, rank-3 lines of whole rows, one shared padded copy",
      operation: .conv(
        ConvParameters(
          padding: .perDimension([1, 0, 2]))), input: [1, 2, 6, 7, 70], weight: [5, 2, 3, 2, 3]),
    Case(
      name: "tap by tap conv_transpose, 10 result channels, dilation 2, output_padding",
      operation: .convTranspose(
        ConvTransposeParameters(stride: .uniform(2), outputPadding: .uniform(1), dilation: .uniform(2))),
      input: [2, 3, 5, 21], weight: [3, 10, 3, 3]),
    Case(
      name: "tap by tap, channel lanes, rank 1, 16 result channels",
      operation: .conv(ConvParameters(padding: .uniform(4))),
      input: [1, 16, 1100], weight: [16, 16, 9]),
    Case(
      name: "tap by tap, channel lanes, 20 result channels (a partial vector), whole rows six cells at a time",
      operation: .conv(ConvParameters(padding: .uniform(1))), input: [2, 8, 9, 30], weight: [20, 8, 3, 3]),
    Case(
      name: "tap by tap, channel lanes, stride 2",
      operation: .conv(ConvParameters(stride: .uniform(2), padding: .uniform(1))),
      input: [2, 8, 9, 30], weight: [24, 8, 3, 3]),
    Case(
      name: "tap by tap, channel lanes, conv_transpose stride 2, 16 result channels",
      operation: .convTranspose(ConvTransposeParameters(stride: .uniform(2), padding: .uniform(1))),
      input: [2, 32, 5, 6, 7], weight: [32, 16, 4, 4, 4]),
    Case(
      name: "tap by tap, channel lanes, 64 result channels, stride 1",
      operation: .convTranspose(
        ConvTransposeParameters(
          padding: .uniform(1))), input: [2, 16, 7, 9], weight: [16, 64, 3, 3]),
  ]

  @Test("apply against the naive loop, by products and tap by tap", arguments: cases, [DType.float32, .float64])
  func matchesNaiveLoop(case_: Case, dtype: DType) throws {
    try ConvolutionEngine.$requested.withValue(.own) {
      for way in [LoweringChoice.products, .taps] {
        try LoweringChoice.$requested.withValue(way) { try Self.checkAgainstNaiveLoop(case_, dtype) }
      }
    }
  }

  @Test(
    "apply through oneDNN against the naive loop", .enabled(if: VectorInstructions.available > .baseline),
    arguments: cases)
  func oneDNNMatchesNaiveLoop(case_: Case) throws {
    try ConvolutionEngine.$requested.withValue(.onednn) { try Self.checkAgainstNaiveLoop(case_, .float32) }
  }

  /// Applies `case_` in `dtype` and compares it with the naive loop, scaled by each cell's magnitude.
  static func checkAgainstNaiveLoop(_ case_: Case, _ dtype: DType) throws {
    let geometry = try case_.geometry
    var random = TestRandom(seed: 77)
    let x = random.tensor(case_.input), w = random.tensor(case_.weight), b = random.tensor([geometry.outputChannels])
    let fast = try geometry.apply(
      input: x.converted(to: dtype), weight: w.converted(to: dtype), bias: b.converted(to: dtype))
    #expect(fast.dtype == dtype)
    let (naive, magnitude) = reference(case_, dtype, geometry: geometry, x: x, w: w, b: b)
    let relative = dtype == .float32 ? 1e-5 : 1e-13
    let worst = zip(zip(fast.doubles, naive), magnitude).map { abs($0.0 - $0.1) / (1 + $1) }.max() ?? 0
    #expect(fast.doubles.count == naive.count)
    #expect(worst <= relative, "\(case_) \(dtype): worst scaled error \(worst)")
  }

  /// The naive loop's result and each cell's magnitude (`|x| * |w| + |b|`), once
  /// per case and element type: the tests compare every level and lowering with it.
  /// The reference rounds its operands as the fast path does; the magnitude bounds each cell's rounding.
  private static func reference(
    _ case_: Case, _ dtype: DType, geometry: ConvGeometry, x: Tensor, w: Tensor, b: Tensor
  ) -> (naive: [Double], magnitude: [Double]) {
    let key = "\(case_.name) \(dtype)"
    if let known = references.withLock({ $0[key] }) { return known }
    let (xs, ws, bs) = (x.converted(to: dtype).doubles, w.converted(to: dtype).doubles, b.converted(to: dtype).doubles)
    let made = (
      naiveConvolution(geometry, x: xs, w: ws, bias: bs),
      naiveConvolution(geometry, x: xs.map(abs), w: ws.map(abs), bias: bs.map(abs))
    )
    references.withLock { $0[key] = made }
    return made
  }

  private static let references = Mutex<[String: (naive: [Double], magnitude: [Double])]>([:])

  @Test("applyTransposed is the adjoint: <A x, y> = <x, A^T y>", arguments: cases)
  func adjointMatches(case_: Case) throws {
    let geometry = try case_.geometry
    var random = TestRandom(seed: 78)
    let x = random.tensor(case_.input), w = random.tensor(case_.weight), y = random.tensor(geometry.outputShape)
    let left = dot(try geometry.apply(input: x, weight: w), y),
      right = dot(x, try geometry.applyTransposed(y, weight: w))
    #expect(abs(left - right) <= 1e-11 * (1 + abs(left)), "\(case_): \(left) vs \(right)")
  }
}

/// The same cases with the tap-by-tap loops of every vector level the processor
/// has (AVX-512, AVX2 with fused multiply-add, the target's baseline), though it
/// would otherwise run only its best; asked for by each test's task only (a
/// task-local), so the other suites keep running the best level meanwhile.
@Suite("every vector level's loops agree with a naive loop")
struct VectorLevelTests {
  /// The levels this processor executes, from the best down.
  static let levels = VectorInstructions.allCases.filter { $0 <= VectorInstructions.processor }.reversed()

  @Test("the best level the processor has is in use unless lowered, and never more")
  func defaultIsAvailable() {
    #expect(VectorInstructions.active == VectorInstructions.available)
    for level in VectorInstructions.allCases {
      VectorInstructions.$requested.withValue(level) {
        #expect(VectorInstructions.active == min(level, VectorInstructions.available))
      }
    }
  }

  @Test("apply at each level", arguments: levels, FastPathReferenceTests.cases)
  func applyMatches(level: VectorInstructions, case_: FastPathReferenceTests.Case) throws {
    try VectorInstructions.$requested.withValue(level) {
      try ConvolutionEngine.$requested.withValue(.own) {
        for dtype in [DType.float32, .float64] {
          for way in [LoweringChoice.products, .taps] {
            try LoweringChoice.$requested.withValue(way) {
              try FastPathReferenceTests.checkAgainstNaiveLoop(case_, dtype)
            }
          }
        }
      }
    }
  }

  @Test(
    "AVX-512 loops are among those tested",
    .enabled(if: VectorInstructions.processor >= .avx512, "this processor has no AVX-512: its loops are not run"))
  func avx512IsTested() {
    #expect(Self.levels.first == .avx512)
  }
}
