import ConvCore

/// How convpipe's own lowering computes a layer, asked for by a task or
/// thread (`convpipe bench --lowering`, the tests).
public enum LoweringChoice: String, Sendable, CaseIterable {
  /// By the rule, ``MatrixLowering/prefersProducts(resultPerGroup:phases:elementBytes:level:)``;
  /// products too where the loops' zero-padded copy would be over 16 times the source.
  case automatic
  /// As `im2col` and OpenBLAS products, but tap by tap where a size exceeds BLAS's 32-bit sizes.
  case products
  /// Tap by tap in the vector loops, but as products where the loops' padded
  /// copy would be over 16 times the source (taps that reach no cell).
  case taps

  @TaskLocal public static var requested: LoweringChoice = .automatic
}

/// Who computes a float32 convolution: convpipe's own lowering (``MatrixLowering``:
/// OpenBLAS products or its vector loops) or oneDNN (``OneDNNConvolution``),
/// which PyTorch also uses on CPUs and which generates its kernels for the
/// processor's instruction set when it starts. float64 is always convpipe's own.
public enum ConvolutionEngine: String, Sendable, CaseIterable {
  /// oneDNN where ``OneDNNConvolution/prefers(_:level:)`` says it is faster, else convpipe's own.
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
