import ConvCore
import ConvKernels
import Testing
import TestSupport

@Suite("element counts that overflow Int")
struct CountOverflowTests {
  @Test("applying a plan whose output cannot be counted throws instead of trapping")
  func hugeTransposedOutput() throws {
    let stride = largestAcceptedValue / 2
    let geometry = try ConvTransposeParameters(stride: .uniform(stride))
      .geometry(input: [1, 1, 2, 2, 2], weight: [1, 1, 1, 1, 1])
    #expect(geometry.outputShape == [1, 1, stride + 1, stride + 1, stride + 1])
    let input = Tensor.zeros(shape: [1, 1, 2, 2, 2], dtype: .float32),
      weight = Tensor.zeros(shape: [1, 1, 1, 1, 1], dtype: .float32)
    let error = #expect(throws: ShapeError.self) { try geometry.apply(input: input, weight: weight) }
    #expect(error?.description.contains("have more elements than can be counted") == true)
    #expect(throws: ShapeError.self) { try geometry.unrolledMatrix(weight: weight) }
  }
}
