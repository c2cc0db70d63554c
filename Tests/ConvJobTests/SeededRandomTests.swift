import ConvCore
import ConvJob
import Testing

/// Expected numbers come from `seeded_random_reference.py`, an independent
/// implementation of the algorithm documented in `SeededRandom.swift`.
@Suite("SeededRandom: SplitMix64 and Box-Muller, reproducible")
struct SeededRandomTests {
  struct Reference: Sendable {
    let seed: UInt64
    let bits: [UInt64]
    let uniforms: [Double]
    let normals: [Double]
    let normalsAsFloat: [Float]
  }

  static let references: [Reference] = [
    Reference(
      seed: 0,
      bits: [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC],
      uniforms: [0.8833108082136426, 0.43152799704850997, 0.026433771592597743, 0.9708819781538285],
      normals: [-1.8839083333524405, 0.22760793546360525, -0.22143788059715477, 0.08341854419566393],
      normalsAsFloat: [-1.8839083909988403, 0.22760793566703796, -0.22143788635730743, 0.08341854065656662]),
    Reference(
      seed: 42,
      bits: [0xBDD7_3226_2FEB_6E95, 0x28EF_E333_B266_F103, 0x4752_6757_130F_9F52, 0x581C_E1FF_0E4A_E394],
      uniforms: [0.7415648787718233, 0.1599103928769201, 0.27860113025513866, 0.34419071652363753],
      normals: [0.8822489062222688, -0.4508498757188601, 0.1883526341159315, 0.219586379190761],
      normalsAsFloat: [0.8822488784790039, -0.45084986090660095, 0.18835262954235077, 0.21958637237548828]),
  ]

  @Test("first 64-bit outputs", arguments: references)
  func bits(_ reference: Reference) {
    var random = SeededRandom(seed: reference.seed)
    #expect((0..<4).map { _ in random.next() } == reference.bits)
  }

  @Test("first uniforms are exact", arguments: references)
  func uniforms(_ reference: Reference) {
    var random = SeededRandom(seed: reference.seed)
    #expect((0..<4).map { _ in random.uniform() } == reference.uniforms)
    var again = SeededRandom(seed: reference.seed)
    #expect(again.values(4, distribution: .uniform) == reference.uniforms)
  }

  @Test("first normals (one per pair of uniforms)", arguments: references)
  func normals(_ reference: Reference) {
    var random = SeededRandom(seed: reference.seed)
    let normals = random.values(4, distribution: .normal)
    // libm's log and cos are correctly rounded in practice; allow a few ulps for other libms.
    for (actual, expected) in zip(normals, reference.normals) {
      #expect(abs(actual - expected) <= 4 * expected.ulp, "\(actual) vs \(expected)")
    }
    // A normal consumes exactly two uniforms: the fifth uniform follows the fourth normal.
    var uniforms = SeededRandom(seed: reference.seed)
    _ = (0..<8).map { _ in uniforms.uniform() }
    #expect(random.uniform() == uniforms.uniform())
  }

  @Test("a random input gives the same tensor twice, and float32 rounds the same doubles", arguments: references)
  func tensors(_ reference: Reference) throws {
    let text = jobText(
      inputs: """
        "d": {"random": {"shape": [1, 1, 2, 2], "seed": \(reference.seed)}},
        "f": {"random": {"shape": [1, 1, 2, 2], "seed": \(reference.seed)}, "dtype": "float32"},
        "u": {"random": {"shape": [1, 1, 4], "distribution": "uniform", "seed": \(reference.seed)}}
        """,
      stages: [])
    let job = try decodeJob(text)
    let catalog = InputCatalog(job: job)
    let d = try #require(job.input(named: "d")), f = try #require(job.input(named: "f")),
      u = try #require(job.input(named: "u"))
    let first = try catalog.load(d, source: nil)
    let second = try catalog.load(d, source: nil)
    #expect(first == second)
    #expect(first.dtype == .float64)
    #expect(first.shape == [1, 1, 2, 2])
    for (actual, expected) in zip(first.doubles, reference.normals) {
      #expect(abs(actual - expected) <= 4 * expected.ulp)
    }
    let single = try catalog.load(f, source: nil)
    #expect(single.dtype == .float32)
    #expect(single.values(as: Float.self) == first.doubles.map { Float($0) })
    #expect(single.values(as: Float.self) == reference.normalsAsFloat)
    #expect(try catalog.load(u, source: nil).doubles == reference.uniforms)
  }

  @Test("different seeds give different streams")
  func seedsDiffer() {
    var a = SeededRandom(seed: 1), b = SeededRandom(seed: 2)
    #expect(a.values(8, distribution: .uniform) != b.values(8, distribution: .uniform))
  }

  @Test("uniforms stay in [0, 1)")
  func uniformRange() {
    var random = SeededRandom(seed: 123)
    #expect(random.values(10_000, distribution: .uniform).allSatisfy { $0 >= 0 && $0 < 1 })
  }
}
