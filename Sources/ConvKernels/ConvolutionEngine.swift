import ConvCore

/// How convpipe's own lowering computes a layer: by the rule
/// (``MatrixLowering/prefersProducts(resultPerGroup:phases:)``), as `im2col` and
/// OpenBLAS products, or tap by tap in its vector loops. Asked for by a task or
/// thread (`convpipe bench --lowering`, the tests); layers too large for BLAS's
/// 32-bit sizes always run tap by tap.
public enum LoweringChoice: String, Sendable, CaseIterable {
  case automatic, products, taps

  @TaskLocal public static var requested: LoweringChoice = .automatic
}

/// Who computes a float32 convolution: convpipe's own lowering (``MatrixLowering``:
/// OpenBLAS products or its vector loops) or oneDNN (``OneDNNConvolution``),
/// which PyTorch also uses on CPUs and which generates its kernels for the
/// processor's instruction set when it starts. float64 is always convpipe's own.
public enum ConvolutionEngine: String, Sendable, CaseIterable {
  /// oneDNN where ``OneDNNConvolution/prefers(_:)`` says it is faster, else convpipe's own.
  case automatic
  /// convpipe's own lowering for every layer.
  case own
  /// oneDNN for every layer it implements (zero padding, any stride, dilation,
  /// groups, asymmetric padding), convpipe's own for the rest.
  case onednn

  /// The engine asked for by the current task or thread (`convpipe bench --engine`, the tests).
  @TaskLocal public static var requested: ConvolutionEngine = .automatic

  /// Whether oneDNN computes `geometry` (already zero-padded) in float32 here:
  /// never below the process's vector level (its instruction set is set once per
  /// process) nor at the baseline level, which stays convpipe's own code.
  static func usesOneDNN(_ geometry: ConvGeometry) -> Bool {
    guard VectorInstructions.active == VectorInstructions.available, VectorInstructions.active > .baseline else {
      return false
    }
    switch requested {
    case .own: return false
    case .onednn: return true
    case .automatic: return OneDNNConvolution.prefers(geometry, level: VectorInstructions.active)
    }
  }
}
