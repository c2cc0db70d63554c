import ConvChecks
import Testing

@Suite("allclose: the worst element it names")
struct AllcloseTests {
  @Test("within the tolerance everywhere: the element of the largest difference, not the smallest expected value")
  func heldNamesTheLargestDifference() {
    let outcome = Allclose(rtol: 1e-5, atol: 1e-8).compare(
      [0.5, 0, 2.0 + 4e-15, 3.0], [0.5, 0, 2.0, 3.0], shape: [2, 2])
    #expect(outcome.held)
    #expect(outcome.message.hasSuffix("worst at [1, 0]: actual \(2.0 + 4e-15), expected 2.0"), "\(outcome.message)")
  }

  @Test("every element equal: the first")
  func equalNamesTheFirst() {
    let outcome = Allclose().compare([1, 2, 3], [1, 2, 3], shape: [3])
    #expect(outcome.held && outcome.maxAbsError == 0)
    #expect(outcome.message.hasSuffix("worst at [0]: actual 1.0, expected 1.0"), "\(outcome.message)")
  }

  @Test("outside the tolerance: the element furthest outside it, even after larger differences within it")
  func failedNamesTheFurthestOutside() {
    // 0.5 off at 1000 is within rtol 1e-3 (tolerance 1.0); 0.01 off at 0 is outside atol 1e-3.
    let outcome = Allclose(rtol: 1e-3, atol: 1e-3).compare([1000.5, 0.01, 0.002], [1000, 0, 0], shape: [3])
    #expect(!outcome.held && outcome.mismatched == 2)
    #expect(outcome.message.hasSuffix("worst at [1]: actual 0.01, expected 0.0"), "\(outcome.message)")
  }

  @Test("NaN: an infinite error, the first NaN the worst, and the message counts them")
  func notANumber() {
    let outcome = Allclose().compare([1, .nan, 3, .nan], [1, 2, .infinity, .nan], shape: [4])
    #expect(!outcome.held && outcome.mismatched == 3 && outcome.maxAbsError == .infinity)
    #expect(outcome.message.contains("3 of 4 elements outside"))
    #expect(
      outcome.message.contains(
        ", 2 of them NaN (an error counted as infinite); worst at [1]: actual nan, expected 2.0"), "\(outcome.message)")
    #expect(Allclose(equalNaN: true).compare([Double.nan], [.nan], shape: [1]).held)
  }
}
