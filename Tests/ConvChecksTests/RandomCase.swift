import ConvChecks
import ConvCore

/// A random convolution or transposed convolution with operands drawn in one
/// element type. The seed picks the rank (`1 + seed % 3`), the padding form
/// (`seed % forms`) and the padding mode (`seed % 4`; for a transposed
/// convolution, the mode of the convolution it is the adjoint of), so a run of consecutive
/// seeds covers their combinations; the rest is random. Sizes stay small enough
/// that the unrolled matrix has at most `maxMatrixElements` entries.
struct RandomCase: CustomStringConvertible {
  let geometry: ConvGeometry
  let input: Tensor
  let weight: Tensor
  let bias: Tensor?
  let description: String

  static let seeds = Array(UInt64(0)..<40)
  static let maxMatrixElements = 150_000

  /// The true output `A x + b`.
  func output() throws -> Tensor { try geometry.apply(input: input, weight: weight, bias: bias) }

  static func make(seed: UInt64, transposed: Bool, dtype: DType) throws -> RandomCase {
    var random = CheckRandom(seed: seed &+ (transposed ? 1 << 32 : 0))
    let rank = 1 + Int(seed % 3)
    while true {
      let depthwise = seed % 7 == 0
      let groups = depthwise ? 2 + random.index(below: 2) : 1 + random.index(below: 3)
      let inPerGroup = depthwise ? 1 : 1 + random.index(below: 2), outPerGroup = 1 + random.index(below: 2)
      let kernel = (0..<rank).map { _ in 1 + random.index(below: 3) }
      let stride = (0..<rank).map { _ in 1 + random.index(below: 3) }
      let dilation = (0..<rank).map { _ in 1 + random.index(below: 2) }
      let spatial = (0..<rank).map { _ in 2 + random.index(below: rank == 3 ? 3 : 5) }
      let pairs = (0..<rank).map { _ in PadPair(random.index(below: 3), random.index(below: 3)) }
      let forms: [PaddingParameter] =
        [.uniform(random.index(below: 3)), .perDimension(pairs.map(\.begin)), .pairs(pairs), .same]
        + (transposed ? [] : [.valid])
      let padding = forms[Int(seed % UInt64(forms.count))]
      let inputShape = [1 + random.index(below: 2), groups * inPerGroup] + spatial
      let operation: Operation, weightShape: [Int]
      if transposed {
        weightShape = [groups * inPerGroup, outPerGroup] + kernel
        let extra = zip(stride, dilation).map { random.index(below: max($0, $1)) }
        operation = .convTranspose(
          ConvTransposeParameters(
            stride: .perDimension(stride), padding: padding,
            outputPadding: padding == .same ? .uniform(0) : .perDimension(extra),
            dilation: .perDimension(dilation), groups: groups, paddingMode: PaddingMode.allCases[Int(seed % 4)]))
      } else {
        weightShape = [groups * outPerGroup, inPerGroup] + kernel
        operation = .conv(
          ConvParameters(
            stride: .perDimension(stride), padding: padding, dilation: .perDimension(dilation),
            groups: groups, paddingMode: PaddingMode.allCases[Int(seed % 4)]))
      }
      let withBias = random.index(below: 2) == 0
      let biasShape = withBias ? [groups * outPerGroup] : nil
      guard
        case .convolution(let geometry)? = try? operation.plan(input: inputShape, weight: weightShape, bias: biasShape),
        geometry.inputShape.reduce(1, *) * geometry.outputShape.reduce(1, *) <= maxMatrixElements
      else { continue }
      return RandomCase(
        geometry: geometry, input: random.tensor(shape: inputShape, dtype: dtype),
        weight: random.tensor(shape: weightShape, dtype: dtype),
        bias: biasShape.map { random.tensor(shape: $0, dtype: dtype) },
        description:
          "seed \(seed) \(dtype): \(operation) input \(inputShape.shapeDescription) weight \(weightShape.shapeDescription) bias \(withBias)"
      )
    }
  }
}
