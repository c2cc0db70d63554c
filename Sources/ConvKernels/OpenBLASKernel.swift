import COpenBLAS
import _SystemShims

/// OpenBLAS's kernel ("core"), which its DYNAMIC_ARCH builds choose at load from
/// a table of processor models. A processor newer than the table gets an old
/// kernel: Debian 12's OpenBLAS 0.3.21 runs `Prescott` (SSE3) on Sapphire Rapids
/// and `Haswell` (AVX2) on Zen 5, at a fifth and a half of their `sgemm` speed.
/// convpipe compares the kernel's vector level with the processor's features and,
/// where the kernel falls short (or goes beyond `CONVPIPE_VECTOR_LEVEL`), restarts
/// itself once with `OPENBLAS_CORETYPE` naming ``core(for:)``; a user's own
/// `OPENBLAS_CORETYPE` always wins.
public enum OpenBLASKernel {
  /// The environment variable OpenBLAS reads at load to force a kernel.
  public static let environmentVariable = "OPENBLAS_CORETYPE"

  /// Stops OpenBLAS's worker threads (`blas_thread_shutdown_`, where the build
  /// has it), which it starts when it loads and which then wait for work
  /// spinning in `sched_yield` for 2^28 cycles, about a tenth of a second,
  /// taking a processor from convpipe's own workers (a quarter of the samples of
  /// a one-thread run of 240 images of 96x96). OpenBLAS starts them again at
  /// the first product that asks for more than one thread.
  public static func stopIdleThreads() { _ = convpipe_call_if_present("blas_thread_shutdown_") }

  /// The kernel in use, as `openblas_get_corename()` names it: `Haswell`, `SkylakeX`, `Zen`, ...
  public static var core: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

  /// The library and version, from `openblas_get_config()`
  /// (`OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64`): `OpenBLAS 0.3.21`.
  public static var version: String {
    let words = (openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS").split(separator: " ")
    return words.prefix(2).joined(separator: " ")
  }

  /// The vector level a kernel's products use: the AVX-512 kernels `SkylakeX`,
  /// `Cooperlake` and `SapphireRapids`; the AVX2 kernels `Haswell`, `Zen` and
  /// `Excavator`; every other one (`Prescott`, `Nehalem`, `Sandybridge`, ...) below AVX2.
  public static func level(ofCore name: String) -> VectorInstructions {
    switch name.lowercased() {
    case "skylakex", "cooperlake", "sapphirerapids": .avx512
    case "haswell", "zen", "excavator": .avx2
    default: .baseline
    }
  }

  /// The kernel convpipe asks for at `level`: `SkylakeX`, `Haswell`, or `Prescott`
  /// (the kernels every x86-64 DYNAMIC_ARCH build has for that level).
  public static func core(for level: VectorInstructions) -> String {
    switch level {
    case .avx512: "SkylakeX"
    case .avx2: "Haswell"
    case .baseline: "Prescott"
    }
  }

  /// The kernel to restart with so that OpenBLAS runs at `level`, nil when
  /// `current` already does or the user set `OPENBLAS_CORETYPE` (`userSetting`).
  public static func replacement(forCore current: String, level: VectorInstructions, userSetting: String?) -> String? {
    guard userSetting == nil, self.level(ofCore: current) != level else { return nil }
    return core(for: level)
  }
}
