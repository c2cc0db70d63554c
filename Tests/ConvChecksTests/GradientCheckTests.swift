import ConvChecks
import ConvCore
import Testing

@Suite("Gradient check: central differences of <op(x), g> against A^T g")
struct GradientCheckTests {
  @Test("holds for random convolutions", arguments: RandomCase.seeds, [DType.float64, .float32])
  func holdsForConv(seed: UInt64, dtype: DType) throws { try holds(seed: seed, dtype: dtype, transposed: false) }

  @Test("holds for random transposed convolutions", arguments: RandomCase.seeds, [DType.float64, .float32])
  func holdsForTransposed(seed: UInt64, dtype: DType) throws { try holds(seed: seed, dtype: dtype, transposed: true) }

  private func holds(seed: UInt64, dtype: DType, transposed: Bool) throws {
    let random = try RandomCase.make(seed: seed, transposed: transposed, dtype: dtype)
    let outcome = try GradientCheck(seed: seed).check(
      geometry: random.geometry, weight: random.weight, bias: random.bias, dtype: dtype)
    #expect(outcome.held, "\(random): \(outcome.message)")
    #expect(outcome.count == min(16, random.input.count))
  }

  @Test("samples every position, each once, when there are fewer than samples")
  func fewPositions() throws {
    let geometry = try ConvParameters().geometry(input: [1, 1, 5], weight: [1, 1, 2])
    let weight = try Tensor(shape: [1, 1, 2], values: [0.5, -2.0])
    let outcome = try GradientCheck(samples: 16).check(geometry: geometry, weight: weight, dtype: .float64)
    #expect(outcome.held && outcome.count == 5, "\(outcome.message)")
  }

  @Test("a step lost in the compute type fails, saying so", arguments: [(DType.float64, 1e-30), (.float32, 1e-12)])
  func lostStep(dtype: DType, eps: Double) throws {
    let geometry = try ConvParameters().geometry(input: [1, 1, 5], weight: [1, 1, 2])
    let weight = try Tensor(shape: [1, 1, 2], values: [0.5, -2.0])
    let outcome = try GradientCheck(eps: eps).check(geometry: geometry, weight: weight, dtype: dtype)
    #expect(!outcome.held)
    #expect(outcome.message.hasPrefix("eps \(eps) is lost in \(dtype) at 5 of 5 sampled inputs"), "\(outcome.message)")
  }

  @Test("refuses no samples and a step that is not positive")
  func invalidSettings() throws {
    let geometry = try ConvParameters().geometry(input: [1, 1, 5], weight: [1, 1, 2])
    let weight = try Tensor(shape: [1, 1, 2], values: [0.5, -2.0])
    #expect(throws: CheckError.invalidSetting("samples 0 must be at least 1")) {
      try GradientCheck(samples: 0).check(geometry: geometry, weight: weight, dtype: .float64)
    }
    #expect(throws: CheckError.invalidSetting("eps 0.0 must be positive and finite")) {
      try GradientCheck(eps: 0).check(geometry: geometry, weight: weight, dtype: .float64)
    }
  }

}
