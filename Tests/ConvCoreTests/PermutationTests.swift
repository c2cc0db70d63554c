import ConvCore
import ConvKernels
import Testing
import TestSupport

/// `permute`: output axis i is input axis axes[i], as torch.permute.
@Suite("permute")
struct PermutationTests {
  static let valid: [ValidShapeCase] = [
    .init(
      name: "[1, 0, 2, 3] swaps a kernel's in and out channels", operation: .permute(Permutation(axes: [1, 0, 2, 3])),
      input: [4, 3, 5, 5], expected: [3, 4, 5, 5]),
    .init(
      name: "[0, 2, 3, 1]: NCHW to NHWC", operation: .permute(Permutation(axes: [0, 2, 3, 1])),
      input: [1, 3, 4, 5], expected: [1, 4, 5, 3]),
    .init(
      name: "identity on 1-d", operation: .permute(Permutation(axes: [0, 1, 2])), input: [2, 3, 4], expected: [2, 3, 4]),
    .init(
      name: "reversal on 3-d", operation: .permute(Permutation(axes: [4, 3, 2, 1, 0])),
      input: [1, 2, 3, 4, 5], expected: [5, 4, 3, 2, 1]),
  ]

  static let invalid: [InvalidShapeCase] = [
    .init(
      name: "a repeated axis", operation: .permute(Permutation(axes: [0, 0, 2, 3])), input: [4, 3, 5, 5],
      fragments: ["axes [0, 0, 2, 3] must be a permutation of 0..<4 for an input with 4 axes"]),
    .init(
      name: "too few axes", operation: .permute(Permutation(axes: [1, 0, 2])), input: [4, 3, 5, 5],
      fragments: ["must be a permutation of 0..<4"]),
    .init(
      name: "an axis out of range", operation: .permute(Permutation(axes: [0, 1, 2, 4])), input: [4, 3, 5, 5],
      fragments: ["must be a permutation of 0..<4"]),
    .init(
      name: "a negative axis", operation: .permute(Permutation(axes: [-1, 0, 1])), input: [1, 2, 3],
      fragments: ["must be a permutation of 0..<3"]),
  ]

  @Test("valid axes give the permuted shape", arguments: valid)
  func validShape(_ row: ValidShapeCase) { checkValid(row) }

  @Test("axes that are not a permutation are refused", arguments: invalid)
  func invalidShape(_ row: InvalidShapeCase) { checkInvalid(row) }

  struct ValueCase: Sendable, CustomTestStringConvertible {
    let name: String
    let axes: [Int]
    let shape: [Int]
    let expectedShape: [Int]
    let expected: [Double]
    var testDescription: String { name }
  }

  static let values: [ValueCase] = [
    // in[o][c][0][k] = o*6 + c*2 + k + 1; out[c][o][0][k] = in[o][c][0][k].
    .init(
      name: "[1, 0, 2, 3] on a 2x3x1x2 kernel", axes: [1, 0, 2, 3], shape: [2, 3, 1, 2], expectedShape: [3, 2, 1, 2],
      expected: [1, 2, 7, 8, 3, 4, 9, 10, 5, 6, 11, 12]),
    // in[0][c][h][w] = c*4 + h*2 + w + 1; out[0][h][w][c].
    .init(
      name: "[0, 2, 3, 1] on a 1x2x2x2 image", axes: [0, 2, 3, 1], shape: [1, 2, 2, 2], expectedShape: [1, 2, 2, 2],
      expected: [1, 5, 2, 6, 3, 7, 4, 8]),
  ]

  @Test("permute moves the values as torch.permute", arguments: values, DType.allCases)
  func permutedValues(_ row: ValueCase, dtype: DType) throws {
    let input = tensor(row.shape, countingValues(row.shape.reduce(1, *)), as: dtype)
    let plan = try Operation.permute(Permutation(axes: row.axes)).plan(input: row.shape)
    let output = try plan.apply(input: input)
    #expect(output.shape == row.expectedShape)
    #expect(output.dtype == dtype)
    #expect(output.doubles == row.expected)
  }

  @Test("permuting twice with inverse axes gives the input back")
  func inverseRoundTrip() throws {
    let input = tensor([2, 3, 2, 2], countingValues(24))
    let forward = try Permutation(axes: [2, 0, 3, 1]).apply(input)
    #expect(forward.shape == [2, 2, 2, 3])
    // The inverse of [2, 0, 3, 1] is [1, 3, 0, 2].
    #expect(try Permutation(axes: [1, 3, 0, 2]).apply(forward) == input)
  }
}
