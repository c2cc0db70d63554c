import ConvKernels
import Foundation

/// Makes OpenBLAS run the kernel of the process's vector level before any work
/// (``OpenBLASKernel``): OpenBLAS reads `OPENBLAS_CORETYPE` only when it loads, so
/// convpipe sets it and executes itself again, once. The restarted process puts
/// the environment back as the user had it, so the commands it starts (Slurm
/// tasks on other machines, for one) choose for their own processors.
enum OpenBLASCoreChoice {
  /// Set for the restarted process: the kernel OpenBLAS had chosen itself.
  private static let restartVariable = "CONVPIPE_OPENBLAS_DETECTED"

  /// Who chose the kernel in use: `OpenBLAS`, `OPENBLAS_CORETYPE` (the user),
  /// `convpipe (OpenBLAS chose Haswell)`, or `OpenBLAS (OPENBLAS_CORETYPE=x is
  /// not one of its kernels)` when OpenBLAS ignored the user's value, `OpenBLAS
  /// (it ignored convpipe's OPENBLAS_CORETYPE=x)` when it ignored convpipe's.
  static let origin: String = {
    if let detected = environment(restartVariable) {
      let asked = environment(OpenBLASKernel.environmentVariable) ?? ""
      guard asked.lowercased() == OpenBLASKernel.core.lowercased() else {
        return "OpenBLAS (it ignored convpipe's \(OpenBLASKernel.environmentVariable)=\(asked))"
      }
      return "convpipe (OpenBLAS chose \(detected))"
    }
    guard let asked = environment(OpenBLASKernel.environmentVariable) else { return "OpenBLAS" }
    guard asked.lowercased() == OpenBLASKernel.core.lowercased() else {
      return "OpenBLAS (\(OpenBLASKernel.environmentVariable)=\(asked) is not one of its kernels)"
    }
    return OpenBLASKernel.environmentVariable
  }()

  /// Restarts the process with the kernel of ``VectorInstructions/available`` where
  /// OpenBLAS chose another one; in the restarted process, records and removes the variables.
  static func apply() {
    _ = origin
    if environment(restartVariable) != nil {
      unsetenv(restartVariable)
      unsetenv(OpenBLASKernel.environmentVariable)
      return
    }
    let current = OpenBLASKernel.core
    guard
      let wanted = OpenBLASKernel.replacement(
        forCore: current, level: VectorInstructions.available,
        userSetting: environment(OpenBLASKernel.environmentVariable))
    else { return }
    setenv(OpenBLASKernel.environmentVariable, wanted, 1)
    setenv(restartVariable, current, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    // Only reached when the restart failed: carry on with OpenBLAS's own choice.
    let reason = String(cString: strerror(errno))
    unsetenv(OpenBLASKernel.environmentVariable)
    unsetenv(restartVariable)
    printError(
      "convpipe: note: OpenBLAS runs its \(current) kernel; restarting with \(OpenBLASKernel.environmentVariable)="
        + "\(wanted) failed (\(reason)), so matrix products run below this processor's \(VectorInstructions.available.name)"
    )
  }

  private static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}
