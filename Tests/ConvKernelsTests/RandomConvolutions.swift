import ConvCore
import ConvKernels

/// A small deterministic generator for test data (xorshift64*).
struct TestRandom {
  var state: UInt64

  init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

  mutating func next() -> UInt64 {
    state ^= state >> 12
    state ^= state << 25
    state ^= state >> 27
    return state &* 0x2545_F491_4F6C_DD1D
  }

  mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(next() % UInt64(range.count))
  }

  mutating func double() -> Double { Double(next() >> 11) * 0x1.0p-53 * 2 - 1 }

  mutating func tensor(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, of: Double.self) { values in
      for i in values.indices { values[i] = double() }
    }
  }
}

/// A random convolution or transposed convolution with valid shapes, across
/// ranks 1 to 3, strides, dilations, groups, padding forms and modes.
struct RandomConvolution: CustomStringConvertible {
  let operation: Operation
  let input: [Int]
  let weight: [Int]
  let geometry: ConvGeometry

  var description: String { "\(operation) input \(input) weight \(weight)" }

  static func make(seed: UInt64, transposed: Bool) -> RandomConvolution {
    var random = TestRandom(seed: seed)
    while true {
      let rank = random.int(1...3)
      let groups = random.int(1...3)
      let inPerGroup = random.int(1...2), outPerGroup = random.int(1...2)
      let kernel = (0..<rank).map { _ in random.int(1...3) }
      let stride = (0..<rank).map { _ in random.int(1...3) }
      let dilation = (0..<rank).map { _ in random.int(1...2) }
      let spatial = (0..<rank).map { _ in random.int(2...6) }
      let batch = random.int(1...2)
      let pairs = (0..<rank).map { _ in PadPair(random.int(0...2), random.int(0...2)) }
      let padding: PaddingParameter =
        switch random.int(0...3) {
        case 0: .uniform(random.int(0...1))
        case 1: .pairs(pairs)
        case 2: transposed ? .perDimension(pairs.map(\.begin)) : .valid
        default: .same
        }
      let operation: Operation
      let input = [batch, groups * inPerGroup] + spatial
      let weight: [Int]
      if transposed {
        weight = [groups * inPerGroup, outPerGroup] + kernel
        let extra = zip(stride, dilation).map { random.int(0...(max($0, $1) - 1)) }
        let mode = PaddingMode.allCases[random.int(0...3)]
        operation = .convTranspose(
          ConvTransposeParameters(
            stride: .perDimension(stride), padding: padding,
            outputPadding: padding == .same ? .uniform(0) : .perDimension(extra),
            dilation: .perDimension(dilation), groups: groups, paddingMode: mode))
      } else {
        weight = [groups * outPerGroup, inPerGroup] + kernel
        let mode = PaddingMode.allCases[random.int(0...3)]
        operation = .conv(
          ConvParameters(
            stride: .perDimension(stride), padding: padding, dilation: .perDimension(dilation),
            groups: groups, paddingMode: mode))
      }
      if case .convolution(let geometry)? = try? operation.plan(input: input, weight: weight) {
        return RandomConvolution(operation: operation, input: input, weight: weight, geometry: geometry)
      }
    }
  }
}

/// `<a, b>` over the flattened tensors.
func dot(_ a: Tensor, _ b: Tensor) -> Double {
  zip(a.doubles, b.doubles).reduce(0) { $0 + $1.0 * $1.1 }
}
