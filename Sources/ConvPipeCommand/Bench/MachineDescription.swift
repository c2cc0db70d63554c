import ConvKernels

/// What a timing depends on besides the code: the processor, the vector level
/// the loops run and OpenBLAS's kernel, printed with every benchmark.
struct MachineDescription: Encodable, Sendable {
  let processor: Processor
  /// The level of convpipe's own vector loops (`CONVPIPE_VECTOR_LEVEL` may hold it below the processor's).
  let vectorLevel: String
  let blas: BLASDescription
  /// `oneDNN 2.6.3`, the instruction set of its kernels, and which layers it computes
  /// (`automatic`: where it is faster; `own`: none; `onednn`: every one it implements).
  let onednn: OneDNNDescription
  /// Said when the user's `OPENBLAS_CORETYPE` holds OpenBLAS at another level than the one in use.
  let note: String?

  struct OneDNNDescription: Encodable, Sendable {
    let library: String
    let instructionSet: String
    let engine: String
  }

  struct BLASDescription: Encodable, Sendable {
    /// `OpenBLAS 0.3.21`.
    let library: String
    /// The kernel in use (`openblas_get_corename()`) and its vector level.
    let core: String
    let coreVectorLevel: String
    /// `OpenBLAS`, `OPENBLAS_CORETYPE` or `convpipe (OpenBLAS chose Haswell)`.
    let coreChosenBy: String
  }

  static var current: MachineDescription {
    let core = OpenBLASKernel.core, level = OpenBLASKernel.level(ofCore: core)
    let coreLevel = level == .baseline ? "pre-AVX2" : level.name, origin = OpenBLASCoreChoice.origin
    let vectorLevel = VectorInstructions.available.name
    let heldElsewhere = origin == OpenBLASKernel.environmentVariable && level != VectorInstructions.available
    return MachineDescription(
      processor: .current, vectorLevel: vectorLevel,
      blas: BLASDescription(
        library: OpenBLASKernel.version, core: core, coreVectorLevel: coreLevel, coreChosenBy: origin),
      onednn: OneDNNDescription(
        library: OneDNNConvolution.version, instructionSet: OneDNNConvolution.instructionSet,
        engine: ConvolutionEngine.requested.rawValue),
      note: heldElsewhere
        ? "\(OpenBLASKernel.environmentVariable)=\(core) in the environment gives OpenBLAS its \(core) kernel"
          + " (\(coreLevel)) where the rest runs \(vectorLevel); unset it to let convpipe choose" : nil)
  }

  /// `processor: AMD EPYC 9R45 (family 26, model 2, AVX-512); vector loops: AVX-512;
  /// BLAS: OpenBLAS 0.3.21, SkylakeX kernel (AVX-512, chosen by convpipe (OpenBLAS chose Haswell));
  /// oneDNN 2.6.3 (avx512_core_bf16, engine automatic)`.
  var summary: String {
    "processor: \(processor.name) (family \(processor.family), model \(processor.model), \(processor.vectorLevel));"
      + " vector loops: \(vectorLevel); BLAS: \(blas.library), \(blas.core) kernel"
      + " (\(blas.coreVectorLevel), chosen by \(blas.coreChosenBy))"
      + "; \(onednn.library) (\(onednn.instructionSet), engine \(onednn.engine))"
      + (note.map { "; note: \($0)" } ?? "")
  }
}
