import ConvCore
import ConvKernels
import Testing
import TestSupport

/// `multiplyAdds` as bench/torch_reference.py counts them:
/// conv: out.numel * (w.shape[1] * prod(k)); conv_transpose: in.numel * (w.shape[1] * prod(k)).
@Suite("multiply-adds")
struct MultiplyAddTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let operation: Operation
    let input: [Int]
    let weight: [Int]
    let expected: Int
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    // out [2, 6, 8, 8] = 768 elements, w.shape[1] * 3*3 = 18.
    .init(
      name: "conv 2-d groups 2, padding 1", operation: .conv(ConvParameters(padding: .uniform(1), groups: 2)),
      input: [2, 4, 8, 8], weight: [6, 2, 3, 3], expected: 768 * 18),
    // out [1, 8, 5] = 40 elements, w.shape[1] * 3 = 12.
    .init(
      name: "conv 1-d stride 2", operation: .conv(ConvParameters(stride: .uniform(2))),
      input: [1, 4, 11], weight: [8, 4, 3], expected: 40 * 12),
    // out [1, 2, 2, 3, 4] = 48 elements, w.shape[1] * 2*2*2 = 24.
    .init(
      name: "conv 3-d", operation: .conv(ConvParameters()),
      input: [1, 3, 3, 4, 5], weight: [2, 3, 2, 2, 2], expected: 48 * 24),
    // in [2, 4, 5, 5] = 200 elements, w.shape[1] * 3*3 = 27.
    .init(
      name: "conv_transpose 2-d groups 2, stride 2",
      operation: .convTranspose(ConvTransposeParameters(stride: .uniform(2), groups: 2)),
      input: [2, 4, 5, 5], weight: [4, 3, 3, 3], expected: 200 * 27),
    // in [1, 3, 6] = 18 elements, w.shape[1] * 4 = 8; padding and output_padding do not change it.
    .init(
      name: "conv_transpose 1-d with padding and output_padding",
      operation: .convTranspose(
        ConvTransposeParameters(stride: .uniform(2), padding: .uniform(1), outputPadding: .uniform(1))),
      input: [1, 3, 6], weight: [3, 2, 4], expected: 18 * 8),
  ]

  @Test("multiplyAdds follows the benchmark's formula", arguments: cases)
  func multiplyAdds(_ row: Case) throws {
    guard case .convolution(let geometry) = try row.operation.plan(input: row.input, weight: row.weight) else {
      Issue.record("not a convolution plan")
      return
    }
    #expect(geometry.multiplyAdds == row.expected)
    let elements = geometry.direction == .forward ? geometry.outputShape.reduce(1, *) : geometry.inputShape.reduce(1, *)
    #expect(geometry.multiplyAdds == elements * row.weight.dropFirst().reduce(1, *))
  }
}
