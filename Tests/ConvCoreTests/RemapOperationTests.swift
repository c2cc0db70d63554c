import ConvCore
import ConvKernels
import Testing
import TestSupport

/// Remap ops on small tensors against values written out by hand, as
/// torch.nn.functional.pad (and slicing, zero insertion, torch.flip) gives them.
@Suite("remap op values")
struct RemapOperationTests {
  struct ValueCase: Sendable, CustomTestStringConvertible {
    let name: String
    let operation: RemapOperation
    let shape: [Int]
    let input: [Double]
    let expectedShape: [Int]
    let expected: [Double]
    var testDescription: String { name }
  }

  static func pad(_ pairs: [PadPair], _ mode: PadMode, value: Double = 0) -> RemapOperation {
    .pad(pads: .pairs(pairs), mode: mode, value: value)
  }

  /// x = [1, 2, 3, 4] as [1, 1, 4].
  static let signal: [Double] = [1, 2, 3, 4]
  /// x = [[1, 2, 3], [4, 5, 6]] as [1, 1, 2, 3].
  static let image: [Double] = [1, 2, 3, 4, 5, 6]

  static let padCases: [ValueCase] = [
    // F.pad(x, (2, 1))
    .init(
      name: "1-d zeros [2, 1]", operation: pad([PadPair(2, 1)], .zeros), shape: [1, 1, 4], input: signal,
      expectedShape: [1, 1, 7], expected: [0, 0, 1, 2, 3, 4, 0]),
    // zeros ignores value
    .init(
      name: "1-d zeros ignores value", operation: pad([PadPair(1, 1)], .zeros, value: 5), shape: [1, 1, 4],
      input: signal,
      expectedShape: [1, 1, 6], expected: [0, 1, 2, 3, 4, 0]),
    // F.pad(x, (1, 2), value=9.5)
    .init(
      name: "1-d constant 9.5 [1, 2]", operation: pad([PadPair(1, 2)], .constant, value: 9.5), shape: [1, 1, 4],
      input: signal,
      expectedShape: [1, 1, 7], expected: [9.5, 1, 2, 3, 4, 9.5, 9.5]),
    // F.pad(x, (2, 3), mode="reflect")
    .init(
      name: "1-d reflect [2, 3]", operation: pad([PadPair(2, 3)], .reflect), shape: [1, 1, 4], input: signal,
      expectedShape: [1, 1, 9], expected: [3, 2, 1, 2, 3, 4, 3, 2, 1]),
    // F.pad(x, (2, 1), mode="replicate")
    .init(
      name: "1-d replicate [2, 1]", operation: pad([PadPair(2, 1)], .replicate), shape: [1, 1, 4], input: signal,
      expectedShape: [1, 1, 7], expected: [1, 1, 1, 2, 3, 4, 4]),
    // F.pad(x, (2, 3), mode="circular")
    .init(
      name: "1-d circular [2, 3]", operation: pad([PadPair(2, 3)], .circular), shape: [1, 1, 4], input: signal,
      expectedShape: [1, 1, 9], expected: [3, 4, 1, 2, 3, 4, 1, 2, 3]),
    // F.pad(x, (4, 4), mode="circular"): a whole period on each side
    .init(
      name: "1-d circular [4, 4] wraps a whole period", operation: pad([PadPair(4, 4)], .circular), shape: [1, 1, 4],
      input: signal,
      expectedShape: [1, 1, 12], expected: [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]),
    // F.pad(x, (0, 1, 1, 0)): W [0, 1], H [1, 0]
    .init(
      name: "2-d zeros H [1, 0] W [0, 1]", operation: pad([PadPair(1, 0), PadPair(0, 1)], .zeros), shape: [1, 1, 2, 3],
      input: image,
      expectedShape: [1, 1, 3, 4],
      expected: [
        0, 0, 0, 0,
        1, 2, 3, 0,
        4, 5, 6, 0,
      ]),
    // F.pad(x, (1, 0, 0, 1), value=-1)
    .init(
      name: "2-d constant -1 H [0, 1] W [1, 0]", operation: pad([PadPair(0, 1), PadPair(1, 0)], .constant, value: -1),
      shape: [1, 1, 2, 3], input: image,
      expectedShape: [1, 1, 3, 4],
      expected: [
        -1, 1, 2, 3,
        -1, 4, 5, 6,
        -1, -1, -1, -1,
      ]),
    // F.pad(x, (2, 1, 1, 1), mode="reflect")
    .init(
      name: "2-d reflect H [1, 1] W [2, 1]", operation: pad([PadPair(1, 1), PadPair(2, 1)], .reflect),
      shape: [1, 1, 2, 3], input: image,
      expectedShape: [1, 1, 4, 6],
      expected: [
        6, 5, 4, 5, 6, 5,
        3, 2, 1, 2, 3, 2,
        6, 5, 4, 5, 6, 5,
        3, 2, 1, 2, 3, 2,
      ]),
    // F.pad(x, (1, 2, 1, 1), mode="replicate")
    .init(
      name: "2-d replicate H [1, 1] W [1, 2]", operation: pad([PadPair(1, 1), PadPair(1, 2)], .replicate),
      shape: [1, 1, 2, 3],
      input: image,
      expectedShape: [1, 1, 4, 6],
      expected: [
        1, 1, 2, 3, 3, 3,
        1, 1, 2, 3, 3, 3,
        4, 4, 5, 6, 6, 6,
        4, 4, 5, 6, 6, 6,
      ]),
    // F.pad(x, (1, 1, 1, 0), mode="circular")
    .init(
      name: "2-d circular H [1, 0] W [1, 1]", operation: pad([PadPair(1, 0), PadPair(1, 1)], .circular),
      shape: [1, 1, 2, 3],
      input: image,
      expectedShape: [1, 1, 3, 5],
      expected: [
        6, 4, 5, 6, 4,
        3, 1, 2, 3, 1,
        6, 4, 5, 6, 4,
      ]),
    // Two channels, each padded on its own.
    .init(
      name: "replicate keeps channels apart", operation: pad([PadPair(1, 1)], .replicate), shape: [1, 2, 3],
      input: [1, 2, 3, 10, 20, 30],
      expectedShape: [1, 2, 5], expected: [1, 1, 2, 3, 3, 10, 10, 20, 30, 30]),
    .init(
      name: "reflect keeps batch items apart", operation: pad([PadPair(1, 1)], .reflect), shape: [2, 1, 3],
      input: [1, 2, 3, 10, 20, 30],
      expectedShape: [2, 1, 5], expected: [2, 1, 2, 3, 2, 20, 10, 20, 30, 20]),
  ]

  /// 1...16 as [1, 1, 4, 4].
  static let square = countingValues(16)

  static let otherCases: [ValueCase] = [
    // x[..., 1:4, 1:2]
    .init(
      name: "crop H [1, 0] W [1, 2]", operation: .crop(.pairs([PadPair(1, 0), PadPair(1, 2)])), shape: [1, 1, 4, 4],
      input: square,
      expectedShape: [1, 1, 3, 1], expected: [6, 10, 14]),
    .init(
      name: "crop 1 on every side", operation: .crop(.uniform(1)), shape: [1, 1, 4, 4], input: square,
      expectedShape: [1, 1, 2, 2], expected: [6, 7, 10, 11]),
    // x[..., ::3]
    .init(
      name: "stride 3 on 1-d", operation: .stride(.uniform(3)), shape: [1, 1, 7], input: countingValues(7),
      expectedShape: [1, 1, 3], expected: [1, 4, 7]),
    // x[..., ::2, ::3]
    .init(
      name: "stride [2, 3] on 2-d", operation: .stride(.perDimension([2, 3])), shape: [1, 1, 4, 4], input: square,
      expectedShape: [1, 1, 2, 2], expected: [1, 4, 9, 12]),
    .init(
      name: "unstride 3 inserts two zeros", operation: .unstride(.uniform(3)), shape: [1, 1, 3], input: [1, 2, 3],
      expectedShape: [1, 1, 7], expected: [1, 0, 0, 2, 0, 0, 3]),
    .init(
      name: "unstride [2, 1] inserts a zero row", operation: .unstride(.perDimension([2, 1])), shape: [1, 1, 2, 2],
      input: [1, 2, 3, 4],
      expectedShape: [1, 1, 3, 2],
      expected: [
        1, 2,
        0, 0,
        3, 4,
      ]),
    .init(
      name: "unstride 2 on 2-d", operation: .unstride(.uniform(2)), shape: [1, 1, 2, 2], input: [1, 2, 3, 4],
      expectedShape: [1, 1, 3, 3],
      expected: [
        1, 0, 2,
        0, 0, 0,
        3, 0, 4,
      ]),
    .init(
      name: "output_padding 2 appends zeros", operation: .outputPadding(.uniform(2)), shape: [1, 1, 3],
      input: [1, 2, 3],
      expectedShape: [1, 1, 5], expected: [1, 2, 3, 0, 0]),
    .init(
      name: "output_padding [1, 0] appends a zero row", operation: .outputPadding(.perDimension([1, 0])),
      shape: [1, 1, 2, 2],
      input: [1, 2, 3, 4],
      expectedShape: [1, 1, 3, 2],
      expected: [
        1, 2,
        3, 4,
        0, 0,
      ]),
    .init(
      name: "flip 1-d", operation: .flip, shape: [1, 1, 3], input: [1, 2, 3], expectedShape: [1, 1, 3],
      expected: [3, 2, 1]),
    // torch.flip(x, [2, 3]) on N = 2: each 2x2 plane reversed, planes in place
    .init(
      name: "flip 2-d leaves N in place", operation: .flip, shape: [2, 1, 2, 2], input: countingValues(8),
      expectedShape: [2, 1, 2, 2], expected: [4, 3, 2, 1, 8, 7, 6, 5]),
    .init(
      name: "flip 2-d leaves C in place", operation: .flip, shape: [1, 2, 2, 3], input: countingValues(12),
      expectedShape: [1, 2, 2, 3], expected: [6, 5, 4, 3, 2, 1, 12, 11, 10, 9, 8, 7]),
    .init(
      name: "flip 3-d reverses the whole volume", operation: .flip, shape: [1, 1, 2, 2, 2], input: countingValues(8),
      expectedShape: [1, 1, 2, 2, 2], expected: [8, 7, 6, 5, 4, 3, 2, 1]),
  ]

  @Test("pad fills as torch.nn.functional.pad", arguments: padCases, DType.allCases)
  func padValues(_ row: ValueCase, dtype: DType) throws { try check(row, dtype) }

  @Test("crop, stride, unstride, output_padding and flip move the values", arguments: otherCases, DType.allCases)
  func remapValues(_ row: ValueCase, dtype: DType) throws { try check(row, dtype) }

  private func check(_ row: ValueCase, _ dtype: DType) throws {
    let plan = try Operation.remap(row.operation).plan(input: row.shape)
    #expect(plan.outputShape == row.expectedShape)
    let output = try plan.apply(input: tensor(row.shape, row.input, as: dtype))
    #expect(output.shape == row.expectedShape)
    #expect(output.dtype == dtype)
    #expect(output.doubles == row.expected)
  }

  @Test("unstride then stride, and pad then crop, give the input back", arguments: DType.allCases)
  func inverses(dtype: DType) throws {
    let input = tensor([1, 2, 3, 4], countingValues(24), as: dtype)
    let unstrided = try RemapOperation.unstride(.perDimension([2, 3])).geometry(input: input.shape).apply(input)
    #expect(
      try RemapOperation.stride(.perDimension([2, 3])).geometry(input: unstrided.shape).apply(unstrided) == input)
    let padded = try RemapOperation.pad(pads: .pairs([PadPair(1, 2), PadPair(3, 0)]), mode: .reflect, value: 0)
      .geometry(input: input.shape).apply(input)
    #expect(
      try RemapOperation.crop(.pairs([PadPair(1, 2), PadPair(3, 0)])).geometry(input: padded.shape).apply(padded)
        == input)
  }
}
