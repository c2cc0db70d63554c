import ConvKernels
import Testing

/// The rule that keeps OpenBLAS off kernels below the processor: a kernel's
/// vector level from its name, and the kernel to restart with.
@Suite("OpenBLAS's kernel is chosen by vector level")
struct OpenBLASKernelTests {
  @Test(
    "kernel names and their levels",
    arguments: [
      ("SkylakeX", VectorInstructions.avx512), ("Cooperlake", .avx512), ("SapphireRapids", .avx512),
      ("Haswell", .avx2), ("Zen", .avx2), ("Prescott", .baseline), ("Sandybridge", .baseline), ("ARMV8", .baseline),
    ])
  func levels(core: String, level: VectorInstructions) {
    #expect(OpenBLASKernel.level(ofCore: core) == level)
    #expect(OpenBLASKernel.level(ofCore: core.uppercased()) == level, "OpenBLAS's names are case-insensitive")
  }

  @Test("a kernel below the level in use is replaced by the level's own, a kernel above it too")
  func replacements() {
    // The reports that opened this work: Sapphire Rapids got Prescott, Zen 5 in an environment got Haswell.
    #expect(OpenBLASKernel.replacement(forCore: "Prescott", level: .avx512, userSetting: nil) == "SkylakeX")
    #expect(OpenBLASKernel.replacement(forCore: "Haswell", level: .avx512, userSetting: nil) == "SkylakeX")
    #expect(OpenBLASKernel.replacement(forCore: "Sandybridge", level: .avx2, userSetting: nil) == "Haswell")
    // Held to AVX2 by CONVPIPE_VECTOR_LEVEL on an AVX-512 processor.
    #expect(OpenBLASKernel.replacement(forCore: "Cooperlake", level: .avx2, userSetting: nil) == "Haswell")
    #expect(OpenBLASKernel.replacement(forCore: "SkylakeX", level: .baseline, userSetting: nil) == "Prescott")
  }

  @Test("a kernel of the right level stays, and a user's OPENBLAS_CORETYPE always wins")
  func noReplacement() {
    #expect(OpenBLASKernel.replacement(forCore: "Cooperlake", level: .avx512, userSetting: nil) == nil)
    #expect(OpenBLASKernel.replacement(forCore: "Zen", level: .avx2, userSetting: nil) == nil)
    #expect(OpenBLASKernel.replacement(forCore: "Prescott", level: .avx512, userSetting: "Prescott") == nil)
    #expect(OpenBLASKernel.replacement(forCore: "Haswell", level: .avx512, userSetting: "Haswell") == nil)
  }

  @Test("every level's own kernel has that level")
  func ownKernels() {
    for level in VectorInstructions.allCases {
      #expect(OpenBLASKernel.level(ofCore: OpenBLASKernel.core(for: level)) == level)
    }
  }
}
