/// The frameworks whose convolution calls a stage may be written as.
public enum Framework: String, Sendable, CaseIterable {
  case torch, tensorflow, keras, jax, onnx

  /// How messages and `explain` name the framework.
  public var displayName: String {
    switch self {
    case .torch: "PyTorch"
    case .tensorflow: "TensorFlow"
    case .keras: "Keras 3"
    case .jax: "JAX"
    case .onnx: "ONNX"
    }
  }

  /// The runtime whose behaviour convpipe follows, with the version the fixtures were recorded from.
  public var runtime: String {
    switch self {
    case .torch: "PyTorch 2.15"
    case .tensorflow: "TensorFlow 2.21 (tensorflow-cpu)"
    case .keras: "Keras 3.15"
    case .jax: "JAX 0.10"
    case .onnx: "onnxruntime 1.32 (CPU, opset 22)"
    }
  }
}

/// Every framework API a stage's `op` may name, by its dotted name.
public enum FrameworkAPI: String, Sendable, CaseIterable {
  case torchConv1d = "torch.nn.functional.conv1d"
  case torchConv2d = "torch.nn.functional.conv2d"
  case torchConv3d = "torch.nn.functional.conv3d"
  case torchConvTranspose1d = "torch.nn.functional.conv_transpose1d"
  case torchConvTranspose2d = "torch.nn.functional.conv_transpose2d"
  case torchConvTranspose3d = "torch.nn.functional.conv_transpose3d"
  case tfConv1d = "tf.nn.conv1d"
  case tfConv2d = "tf.nn.conv2d"
  case tfConv3d = "tf.nn.conv3d"
  case tfConv1dTranspose = "tf.nn.conv1d_transpose"
  case tfConv2dTranspose = "tf.nn.conv2d_transpose"
  case tfConv3dTranspose = "tf.nn.conv3d_transpose"
  case tfConvolution = "tf.nn.convolution"
  case kerasConv1D = "keras.layers.Conv1D"
  case kerasConv2D = "keras.layers.Conv2D"
  case kerasConv3D = "keras.layers.Conv3D"
  case kerasConv1DTranspose = "keras.layers.Conv1DTranspose"
  case kerasConv2DTranspose = "keras.layers.Conv2DTranspose"
  case kerasConv3DTranspose = "keras.layers.Conv3DTranspose"
  case jaxConvGeneralDilated = "jax.lax.conv_general_dilated"
  case jaxConvTranspose = "jax.lax.conv_transpose"
  case onnxConv = "onnx.Conv"
  case onnxConvTranspose = "onnx.ConvTranspose"

  public var framework: Framework {
    switch self {
    case .torchConv1d, .torchConv2d, .torchConv3d, .torchConvTranspose1d, .torchConvTranspose2d, .torchConvTranspose3d:
      .torch
    case .tfConv1d, .tfConv2d, .tfConv3d, .tfConv1dTranspose, .tfConv2dTranspose, .tfConv3dTranspose, .tfConvolution:
      .tensorflow
    case .kerasConv1D, .kerasConv2D, .kerasConv3D, .kerasConv1DTranspose, .kerasConv2DTranspose,
      .kerasConv3DTranspose:
      .keras
    case .jaxConvGeneralDilated, .jaxConvTranspose: .jax
    case .onnxConv, .onnxConvTranspose: .onnx
    }
  }

  /// Whether the API computes a transposed convolution.
  public var isTransposed: Bool {
    switch self {
    case .torchConvTranspose1d, .torchConvTranspose2d, .torchConvTranspose3d, .tfConv1dTranspose,
      .tfConv2dTranspose, .tfConv3dTranspose, .kerasConv1DTranspose, .kerasConv2DTranspose, .kerasConv3DTranspose,
      .jaxConvTranspose, .onnxConvTranspose:
      true
    case .torchConv1d, .torchConv2d, .torchConv3d, .tfConv1d, .tfConv2d, .tfConv3d, .tfConvolution, .kerasConv1D,
      .kerasConv2D, .kerasConv3D, .jaxConvGeneralDilated, .onnxConv:
      false
    }
  }

  /// The number of spatial dimensions the API is for, or nil when the input's rank decides.
  public var spatialRank: Int? {
    switch self {
    case .torchConv1d, .torchConvTranspose1d, .tfConv1d, .tfConv1dTranspose, .kerasConv1D, .kerasConv1DTranspose: 1
    case .torchConv2d, .torchConvTranspose2d, .tfConv2d, .tfConv2dTranspose, .kerasConv2D, .kerasConv2DTranspose: 2
    case .torchConv3d, .torchConvTranspose3d, .tfConv3d, .tfConv3dTranspose, .kerasConv3D, .kerasConv3DTranspose: 3
    case .tfConvolution, .jaxConvGeneralDilated, .jaxConvTranspose, .onnxConv, .onnxConvTranspose: nil
    }
  }

  /// Whether the call takes a bias: tf.nn and jax.lax have none.
  public var takesBias: Bool {
    switch framework {
    case .torch, .keras, .onnx: true
    case .tensorflow, .jax: false
    }
  }

  /// The last component of the dotted name: `conv2d_transpose`, `Conv2DTranspose`, `ConvTranspose`.
  public var shortName: String { String(rawValue.split(separator: ".").last ?? "") }
}
