import ConvCore
import ConvJob
import FrameworkCalls
import Testing

/// Framework rules the recorded cases do not reach: refusals with their reasons,
/// and the notes `validate` prints.
@Suite("Framework calls: refusals and notes beyond the fixture")
struct FrameworkRuleTests {
  struct Refusal: Sendable, CustomTestStringConvertible {
    let name: String
    let stage: String
    let input: [Int]
    let weight: [Int]
    var bias: [Int]? = nil
    var dtype = DType.float64
    let words: [String]
    var testDescription: String { name }
  }

  static let refusals: [Refusal] = [
    Refusal(
      name: "TensorFlow's transposed convolution with explicit padding and dilations, in float32 too",
      stage:
        #"{"op": "tf.nn.conv2d_transpose", "args": {"output_shape": [1, 10, 15, 4], "strides": [2, 3], "padding": [[0, 0], [1, 0], [2, 0], [0, 0]], "dilations": [1, 2]}}"#,
      input: [1, 5, 5, 2], weight: [3, 3, 4, 2], dtype: .float32,
      words: ["tf.nn.conv2d_transpose", "dilations [1, 2] with explicit padding", "Current CPU implementations"]),
    Refusal(
      name: "onnxruntime has no float64 convolution", stage: #"{"op": "onnx.Conv", "args": {"pads": [1, 1, 1, 1]}}"#,
      input: [1, 2, 5, 5], weight: [3, 2, 3, 3],
      words: ["onnx.Conv: float64", "no double kernel", "\"dtype\": \"float32\""]),
    Refusal(
      name: "a Keras initializer",
      stage:
        #"{"op": "keras.layers.Conv2D", "args": {"filters": 3, "kernel_size": 3, "kernel_initializer": "he_normal"}}"#,
      input: [1, 5, 5, 2], weight: [3, 3, 2, 3],
      words: ["kernel_initializer is not supported", "binds the kernel and bias"]),
    Refusal(
      name: "a Keras activation",
      stage: #"{"op": "keras.layers.Conv1D", "args": {"filters": 2, "kernel_size": 3, "activation": "relu"}}"#,
      input: [1, 7, 2], weight: [3, 2, 2], words: ["activation: \"relu\" is not supported"]),
    Refusal(
      name: "PyTorch's functional padding_mode",
      stage: #"{"op": "torch.nn.functional.conv2d", "args": {"padding": 1, "padding_mode": "reflect"}}"#,
      input: [1, 2, 5, 5], weight: [3, 2, 3, 3], words: ["padding_mode is not supported", "F.pad first"]),
    Refusal(
      name: "TensorFlow's empty VALID output",
      stage: #"{"op": "tf.nn.conv2d", "args": {"strides": 1, "padding": "VALID"}}"#,
      input: [1, 2, 6, 2], weight: [3, 3, 2, 3], words: ["returns an empty tensor when the size is 0"]),
    Refusal(
      name: "JAX's preferred_element_type",
      stage:
        #"{"op": "jax.lax.conv_general_dilated", "args": {"window_strides": [1, 1], "padding": "SAME", "preferred_element_type": "float32"}}"#,
      input: [1, 2, 5, 5], weight: [3, 2, 3, 3], words: ["preferred_element_type: \"float32\" is not supported"]),
    Refusal(
      name: "a float where an integer goes", stage: #"{"op": "torch.nn.functional.conv2d", "args": {"stride": 2.0}}"#,
      input: [1, 2, 5, 5], weight: [3, 2, 3, 3], words: ["stride: expected an integer or a list of integers, got 2.0"]),
    Refusal(
      name: "JAX dimension numbers without C",
      stage:
        #"{"op": "jax.lax.conv_general_dilated", "args": {"window_strides": [1, 1], "padding": "VALID", "dimension_numbers": ["NHWX", "HWIO", "NHWC"]}}"#,
      input: [1, 5, 5, 2], weight: [3, 3, 2, 3], words: ["dimension_numbers NHWX must hold N and C exactly once"]),
    Refusal(
      name: "a kernel that does not fit the Keras layer",
      stage: #"{"op": "keras.layers.Conv2DTranspose", "args": {"filters": 4, "kernel_size": 3}}"#,
      input: [1, 5, 5, 2], weight: [3, 3, 2, 4],
      words: ["the layer builds its kernel as (3, 3, 4, 2)", "but the weight is (3, 3, 2, 4)"]),
    Refusal(
      name: "conv_transpose's SAME_LOWER string in JAX",
      stage: #"{"op": "jax.lax.conv_transpose", "args": {"strides": [2, 2], "padding": "same"}}"#,
      input: [1, 5, 5, 2], weight: [3, 3, 2, 3], words: ["string padding other than \"SAME\" and \"VALID\""]),
    Refusal(
      name: "PyTorch's output_size with a batch axis for an unbatched input",
      stage:
        #"{"op": "torch.nn.functional.conv_transpose1d", "args": {"stride": 3, "padding": 1, "output_size": [1, 3, 21]}}"#,
      input: [2, 7], weight: [2, 3, 3], words: ["for 2-d input, output_size must have 1 or 2 elements (got 3)"]),
  ]

  @Test("refused, naming the API, the argument and why", arguments: refusals)
  func refused(_ refusal: Refusal) throws {
    do {
      let call = try StageParameters.frameworkCall(fromJSON: refusal.stage, file: "job.json")
      let lowering = try call.lower(
        input: refusal.input, weight: refusal.weight, bias: refusal.bias, dtype: refusal.dtype)
      Issue.record("computed \(lowering.outputShape)")
    } catch let error as FrameworkCallError {
      for word in refusal.words { #expect(error.description.contains(word), "\(error)") }
    } catch let problems as JobProblems {
      for word in refusal.words { #expect(problems.description.contains(word), "\(problems)") }
    }
  }

  @Test(
    "TensorFlow's dilated transposed convolution with explicit padding: one refusal, in float32 and float64",
    arguments: [DType.float32, .float64])
  func explicitPaddingWithDilation(_ dtype: DType) throws {
    let stage =
      #"{"op": "tf.nn.conv2d_transpose", "args": {"output_shape": [1, 10, 15, 4], "strides": [2, 3], "padding": [[0, 0], [1, 0], [2, 0], [0, 0]], "dilations": [1, 2]}}"#
    let call = try StageParameters.frameworkCall(fromJSON: stage, file: "job.json")
    let error = #expect(throws: FrameworkCallError.self) {
      try call.lower(input: [1, 5, 5, 2], weight: [3, 3, 4, 2], bias: nil, dtype: dtype)
    }
    #expect(
      error?.problems.map(\.message) == [
        "dilations [1, 2] with explicit padding: TensorFlow's CPU kernel refuses them in float32 and float64 (\"Current CPU implementations do not yet support dilation rates larger than 1\"); with padding \"SAME\" or \"VALID\" it computes them in float32"
      ])
  }

  @Test(
    "PyTorch's output_size is the spatial sizes or the whole output shape: [C, spatial...] for an unbatched input, [N, C, spatial...] for a batched one",
    arguments: [
      ([2, 7], [3, 21], [3, 21]), ([2, 7], [21], [3, 21]), ([1, 2, 7], [1, 3, 20], [1, 3, 20]),
      ([1, 2, 7], [19], [1, 3, 19]),
    ])
  func moduleOutputSize(input: [Int], outputSize: [Int], shape: [Int]) throws {
    let stage =
      #"{"op": "torch.nn.functional.conv_transpose1d", "args": {"stride": 3, "padding": 1, "output_size": \#(outputSize)}}"#
    let call = try StageParameters.frameworkCall(fromJSON: stage, file: "job.json")
    #expect(try call.lower(input: input, weight: [2, 3, 3], bias: nil, dtype: .float64).outputShape == shape)
  }

  @Test("the notes: onnxruntime's clamp against the specification, Keras's zero bias, JAX's unflipped kernel")
  func notes() throws {
    func notes(_ stage: String, _ input: [Int], _ weight: [Int], dtype: DType = .float64) throws -> [String] {
      try StageParameters.frameworkCall(fromJSON: stage, file: "job.json")
        .lower(input: input, weight: weight, bias: nil, dtype: dtype).notes
    }
    let clamp = try notes(
      #"{"op": "onnx.ConvTranspose", "args": {"auto_pad": "SAME_UPPER", "strides": [3]}}"#, [1, 1, 3], [1, 1, 2],
      dtype: .float32)
    #expect(
      clamp == [
        "L: onnxruntime clamps the total padding -1 at 0 and returns 8 cells; the ONNX specification (and onnx.reference) gives in*stride = 9 with pads [-1, 0]: 1 zero at the start"
      ])
    let lower = try notes(
      #"{"op": "onnx.ConvTranspose", "args": {"auto_pad": "SAME_LOWER", "strides": [3]}}"#, [1, 1, 3], [1, 1, 2],
      dtype: .float32)
    #expect(lower.first?.hasSuffix("with pads [0, -1]: 1 zero at the end") == true)
    #expect(
      try notes(#"{"op": "keras.layers.Conv1D", "args": {"filters": 2, "kernel_size": 3}}"#, [1, 7, 2], [3, 2, 2])
        == ["no bias bound: the layer's bias keeps its zero initial value"])
    #expect(
      try notes(
        #"{"op": "jax.lax.conv_transpose", "args": {"strides": [2], "padding": "VALID"}}"#, [1, 4, 2], [3, 2, 3]
      )
      .first?.hasPrefix("transpose_kernel=False (the default)") == true)
  }
}
