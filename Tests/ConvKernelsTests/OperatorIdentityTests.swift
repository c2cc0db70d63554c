import ConvCore
import ConvKernels
import Testing
import TestSupport

@Suite("The operator, its transpose and its unrolled matrix agree")
struct OperatorIdentityTests {
  static let seeds = Array(UInt64(1)...60)

  @Test("<A x, y> = <x, A^T y>", arguments: seeds, [false, true])
  func adjointIdentity(seed: UInt64, transposed: Bool) throws {
    let case_ = RandomConvolution.make(seed: seed, transposed: transposed)
    var random = TestRandom(seed: seed + 1000)
    let x = random.tensor(case_.input), y = random.tensor(case_.geometry.outputShape), w = random.tensor(case_.weight)
    let left = dot(try case_.geometry.apply(input: x, weight: w), y)
    let right = dot(x, try case_.geometry.applyTransposed(y, weight: w))
    #expect(abs(left - right) <= 1e-10 * max(abs(left), 1), "\(case_)")
  }

  @Test("C x equals A x and C^T y equals A^T y", arguments: seeds, [false, true])
  func matrixIdentity(seed: UInt64, transposed: Bool) throws {
    let case_ = RandomConvolution.make(seed: seed, transposed: transposed)
    var random = TestRandom(seed: seed + 2000)
    let x = random.tensor(case_.input), y = random.tensor(case_.geometry.outputShape), w = random.tensor(case_.weight)
    let matrix = try case_.geometry.unrolledMatrix(weight: w).doubles
    let rows = y.count, columns = x.count
    let ax = try case_.geometry.apply(input: x, weight: w).doubles,
      aty = try case_.geometry.applyTransposed(y, weight: w).doubles
    let xs = x.doubles, ys = y.doubles
    for row in 0..<rows {
      let value = (0..<columns).reduce(0) { $0 + matrix[row * columns + $1] * xs[$1] }
      #expect(abs(value - ax[row]) <= 1e-12, "row \(row) of \(case_)")
    }
    for column in 0..<columns {
      let value = (0..<rows).reduce(0) { $0 + matrix[$1 * columns + column] * ys[$1] }
      #expect(abs(value - aty[column]) <= 1e-12, "column \(column) of \(case_)")
    }
  }
}
