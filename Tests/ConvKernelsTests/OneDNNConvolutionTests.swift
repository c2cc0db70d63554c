import ConvCore
@testable import ConvKernels
import Dispatch
import Synchronization
import TestSupport
import Testing

/// oneDNN's primitives are made once per geometry and keep their reordered
/// weights while the weights stay the same: results must follow the weights.
@Suite("oneDNN primitives and their packed weights", .enabled(if: VectorInstructions.available > .baseline))
struct OneDNNConvolutionTests {
  /// A conv_transpose 4x4 stride 2 from 16 to 8 channels.
  let geometry: ConvGeometry

  init() throws {
    let plan = try Operation.convTranspose(ConvTransposeParameters(stride: .uniform(2), padding: .uniform(1)))
      .plan(input: [2, 16, 6, 6], weight: [16, 8, 4, 4])
    guard case .convolution(let geometry) = plan else { throw ShapeError(["not a convolution"]) }
    self.geometry = geometry
  }

  func apply(_ input: Tensor, _ weight: Tensor, engine: ConvolutionEngine) throws -> [Double] {
    try ConvolutionEngine.$requested.withValue(engine) { try geometry.apply(input: input, weight: weight).doubles }
  }

  func close(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * (1 + abs($1)) }
  }

  @Test("new weights of the same shape give new results; the same bytes in a new array give the same")
  func weightsFollow() throws {
    var random = TestRandom(seed: 5)
    let input = random.tensor(geometry.inputShape).converted(to: .float32)
    let first = random.tensor(geometry.weightShape).converted(to: .float32)
    let second = random.tensor(geometry.weightShape).converted(to: .float32)
    for weight in [first, second, first, try Tensor(shape: first.shape, values: first.values(as: Float.self))] {
      #expect(close(try apply(input, weight, engine: .onednn), try apply(input, weight, engine: .own)))
    }
    #expect(OneDNNConvolution.forGeometry(geometry) != nil)
  }

  @Test("many threads on one primitive at once give each its own result")
  func concurrentCalls() throws {
    var random = TestRandom(seed: 6)
    let weight = random.tensor(geometry.weightShape).converted(to: .float32)
    let inputs = (0..<8).map { _ in random.tensor(geometry.inputShape).converted(to: .float32) }
    let expected = try inputs.map { try apply($0, weight, engine: .own) }
    let results = Mutex<[Int: [Double]]>([:])
    DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
      let result = try? ComputeThreads.$requested.withValue(1) { try apply(inputs[index], weight, engine: .onednn) }
      results.withLock { $0[index] = result }
    }
    for index in inputs.indices {
      #expect(close(results.withLock { $0[index] } ?? [], expected[index]), "input \(index)")
    }
  }

  @Test(
    "automatic uses oneDNN for wide layers and depthwise ones; levels below the process's keep convpipe's own loops"
  )
  func choice() throws {
    guard
      case .convolution(let wide) = try Operation.conv(ConvParameters(padding: .uniform(1))).plan(
        input: [4, 64, 32, 32], weight: [64, 64, 3, 3])
    else { return }
    guard
      case .convolution(let depthwise) = try Operation.conv(ConvParameters(padding: .uniform(1), groups: 64)).plan(
        input: [4, 64, 32, 32], weight: [64, 1, 3, 3])
    else { return }
    #expect(ConvolutionEngine.usesOneDNN(wide))
    #expect(ConvolutionEngine.usesOneDNN(depthwise))
    #expect(OneDNNConvolution.prefers(depthwise, level: .avx2) && OneDNNConvolution.prefers(depthwise, level: .avx512))
    guard
      case .convolution(let small) = try Operation.convTranspose(ConvTransposeParameters()).plan(
        input: [1, 4, 17, 17], weight: [4, 1, 9, 9])
    else { return }
    #expect(OneDNNConvolution.prefers(small, level: .avx2) && !OneDNNConvolution.prefers(small, level: .avx512))
    ConvolutionEngine.$requested.withValue(.own) { #expect(!ConvolutionEngine.usesOneDNN(wide)) }
    VectorInstructions.$requested.withValue(.baseline) { #expect(!ConvolutionEngine.usesOneDNN(wide)) }
  }
}

@Suite("edge cases on every path")
struct EmptyAndConcurrentTests {
  @Test("an empty batch gives an empty result on every engine and lowering", arguments: [false, true])
  func emptyBatch(transposed: Bool) throws {
    let operation: Operation =
      transposed
      ? .convTranspose(ConvTransposeParameters(stride: .uniform(2), padding: .uniform(1)))
      : .conv(ConvParameters(padding: .uniform(1)))
    let weight = Tensor.zeros(shape: transposed ? [16, 8, 4, 4] : [8, 16, 3, 3], dtype: .float32)
    let geometry = try OperationCase(name: "empty", operation: operation, input: [0, 16, 6, 6], weight: weight.shape)
      .geometry
    let input = Tensor.zeros(shape: [0, 16, 6, 6], dtype: .float32)
    for engine in ConvolutionEngine.allCases {
      for lowering in LoweringChoice.allCases {
        let result = try ConvolutionEngine.$requested.withValue(engine) {
          try LoweringChoice.$requested.withValue(lowering) { try geometry.apply(input: input, weight: weight) }
        }
        #expect(result.shape == geometry.outputShape && result.count == 0, "\(engine) \(lowering)")
      }
    }
  }

  @Test(
    "threads alternating two weights on one primitive each get their own weights' result",
    .enabled(if: VectorInstructions.available > .baseline))
  func alternatingWeights() throws {
    let suite = try OneDNNConvolutionTests()
    var random = TestRandom(seed: 7)
    let weights = (0..<2).map { _ in random.tensor(suite.geometry.weightShape).converted(to: .float32) }
    let input = random.tensor(suite.geometry.inputShape).converted(to: .float32)
    let expected = try weights.map { try suite.apply(input, $0, engine: .own) }
    let wrong = Mutex(0)
    DispatchQueue.concurrentPerform(iterations: 64) { index in
      let result = try? ComputeThreads.$requested.withValue(1) {
        try suite.apply(input, weights[index % 2], engine: .onednn)
      }
      if !suite.close(result ?? [], expected[index % 2]) { wrong.withLock { $0 += 1 } }
    }
    #expect(wrong.withLock { $0 } == 0)
  }

  @Test("taps that reach no cell (dilation far beyond the source) cost no padded copy of their reach")
  func unreachableTaps() throws {
    let operation = Operation.conv(ConvParameters(padding: .uniform(500_000), dilation: .uniform(1_000_000)))
    let input = try Tensor(shape: [1, 1, 3, 3], values: [Float](repeating: 1, count: 9))
    let weight = try Tensor(shape: [1, 1, 2, 2], values: [Float](repeating: 1, count: 4))
    let geometry = try OperationCase(
      name: "unreachable", operation: operation, input: input.shape, weight: weight.shape
    )
    .geometry
    for engine in ConvolutionEngine.allCases {
      for lowering in LoweringChoice.allCases {
        let result = try ConvolutionEngine.$requested.withValue(engine) {
          try LoweringChoice.$requested.withValue(lowering) { try geometry.apply(input: input, weight: weight) }
        }
        #expect(result.shape == [1, 1, 3, 3] && result.doubles.allSatisfy { $0 == 0 }, "\(engine) \(lowering)")
      }
    }
  }
}
