import ConvChecks
import ConvCore
import Testing

@Suite("The checks' seeded generator")
struct CheckRandomTests {
  @Test("is SplitMix64")
  func splitMix() {
    var random = CheckRandom(seed: 1234567)
    // Reference values of SplitMix64 for seed 1234567 (as in Vigna's splitmix64.c).
    #expect(
      [random.next(), random.next(), random.next()] == [
        6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
      ])
  }

  @Test(
    "draws the same tensor for the same seed, in [-1, 1) and exactly in float32", arguments: [DType.float64, .float32])
  func tensors(dtype: DType) {
    var first = CheckRandom(seed: 9), second = CheckRandom(seed: 9)
    let a = first.tensor(shape: [2, 3, 50], dtype: dtype), b = second.tensor(shape: [2, 3, 50], dtype: dtype)
    #expect(a == b && a.dtype == dtype)
    #expect(a.doubles.allSatisfy { (-1.0..<1.0).contains($0) })
    #expect(Set(a.doubles).count > 290)
  }

  @Test(
    "picks distinct positions, all of them when asked for more", arguments: [(5, 100), (100, 100), (40, 7), (0, 3)])
  func distinct(count: Int, bound: Int) {
    var random = CheckRandom(seed: 5)
    let picks = random.distinctIndices(count, below: bound)
    #expect(picks.count == min(count, bound) && Set(picks).count == picks.count)
    #expect(picks.allSatisfy { (0..<bound).contains($0) })
  }
}
