import ConvCore
@testable import ConvKernels
import ConvLoops
import Testing
import TestSupport

/// The fast-path cases exercise the lowering their names claim when that way
/// (products or taps) is asked for, as ``FastPathReferenceTests`` asks for
/// both, so a change to ``MatrixLowering/tapLanes`` or
/// ``MatrixLowering/scatters`` cannot silently leave a path untested, whatever
/// ``MatrixLowering/prefersProducts(resultPerGroup:phases:elementBytes:level:)`` picks.
@Suite("fast-path cases take the paths they are named for")
struct LoweringPathTests {
  enum Path: Equatable { case products, scatter, cells, channels }

  static let claims: [String: Path] = [
    "conv 1x1 as one product": .products,
    "conv_transpose 1x1 as one product": .products,
    "rank-1 conv in several column chunks": .products,
    "conv_transpose 4x4 stride 2 as one product and a scatter-add": .scatter,
    "rank-1 conv_transpose scatter-add with crops, batch 3": .scatter,
    "conv_transpose dilation 2 stride 2 scatter-add, output padding no tap reaches": .scatter,
    "conv_transpose 2x3 stride 2, identity and two-tap phases in chunks across batch items": .products,
    "conv_transpose 2x1 stride 2, identity phases and phases without taps": .products,
    "conv_transpose 2x2 stride 2 identity phases": .products,
    "grouped conv 3x3 stride 2 as products, 32 channels per group": .products,
    "conv_transpose scatter-add over batch items a few at a time": .scatter,
    "grouped conv_transpose as one product and a scatter-add, 128 channels per group": .scatter,
    "tap by tap, channel lanes, groups 2, 20 result channels per group": .channels,
    "conv 3x3 stride 2 as products": .products,
    "direct depthwise conv, rows in SIMD blocks": .cells,
    "direct depthwise conv, a chunk ends mid-row": .cells,
    "direct conv_transpose stride 2, phase rows in SIMD blocks": .cells,
    "direct conv_transpose dilation 2 stride 2, phases without taps": .cells,
    "tap by tap, 64 result channels in blocks of 4": .cells,
    "tap by tap, 12 result channels in blocks of 4, stride 2 (strided loads)": .cells,
    "tap by tap, 5 result channels, rank-3 lines of whole rows, one shared padded copy": .cells,
    "tap by tap, channel lanes, rank 1, 16 result channels": .channels,
    "tap by tap, channel lanes, 20 result channels (a partial vector), whole rows six cells at a time": .channels,
    "tap by tap, channel lanes, stride 2": .channels,
    "tap by tap, channel lanes, conv_transpose stride 2, 16 result channels": .channels,
    "tap by tap, channel lanes, 64 result channels, stride 1": .channels,
  ]

  @Test("a lowering asked for is the one taken")
  func forcedLowering() throws {
    for case_ in FastPathReferenceTests.cases {
      guard case .convolution(let geometry) = try case_.operation.plan(input: case_.input, weight: case_.weight) else {
        continue
      }
      LoweringChoice.$requested.withValue(.products) { #expect(MatrixLowering(geometry, adjoint: false).usesProducts) }
      LoweringChoice.$requested.withValue(.taps) { #expect(!MatrixLowering(geometry, adjoint: false).usesProducts) }
    }
  }

  @Test("each named path is the one taken")
  func pathsMatchNames() throws {
    let named = FastPathReferenceTests.cases.filter { Self.claims[$0.name] != nil }
    #expect(named.count == Self.claims.count, "every claim names a case")
    for case_ in named {
      let geometry = try case_.geometry
      let claim = Self.claims[case_.name]
      let way: LoweringChoice = claim == .products || claim == .scatter ? .products : .taps
      let lowering = LoweringChoice.$requested.withValue(way) { MatrixLowering(geometry, adjoint: false) }
      let path: Path =
        lowering.usesProducts
        ? (lowering.scatters ? .scatter : .products) : lowering.tapLanes == .channels ? .channels : .cells
      #expect(path == Self.claims[case_.name], "\(case_.name)")
    }
  }
}
