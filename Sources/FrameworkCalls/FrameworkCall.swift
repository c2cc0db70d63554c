import ConvCore

/// The Keras backend whose rules a Keras stage follows: TensorFlow (Keras's
/// default) or JAX. They differ where the TensorFlow backend refuses a size its
/// own `output_padding` rule computes, on float64 CPU kernels, and in a bias bug.
public enum KerasBackend: String, Sendable, CaseIterable {
  case tensorflow, jax
}

/// A framework call as a stage writes it, decoded: the API and its arguments
/// typed, checked as far as they can be without the tensors' shapes.
public enum FrameworkCall: Sendable, Equatable {
  case torch(TorchCall)
  case tensorflow(TensorFlowCall)
  case keras(KerasCall)
  case jax(JAXCall)
  case onnx(ONNXCall)

  public var api: FrameworkAPI {
    switch self {
    case .torch(let call): call.api
    case .tensorflow(let call): call.api
    case .keras(let call): call.api
    case .jax(let call): call.api
    case .onnx(let call): call.api
    }
  }

  /// The Keras backend whose rules apply; nil for the other frameworks.
  public var keras: String? {
    if case .keras(let call) = self { call.backend.rawValue } else { nil }
  }

  /// The arguments as the stage wrote them, in order.
  public var arguments: [(name: String, value: ArgumentValue)] {
    switch self {
    case .torch(let call): call.arguments.entries
    case .tensorflow(let call): call.arguments.entries
    case .keras(let call): call.arguments.entries
    case .jax(let call): call.arguments.entries
    case .onnx(let call): call.arguments.entries
    }
  }

  /// Decodes `arguments` for `api`; `backend` is for Keras APIs only (nil: TensorFlow).
  public static func decode(
    api: FrameworkAPI, arguments: [(name: String, value: ArgumentValue)], backend: KerasBackend? = nil
  ) throws(FrameworkCallError) -> FrameworkCall {
    var reader = ArgumentReader(api: api, arguments: arguments)
    if backend != nil, api.framework != .keras {
      reader.rules.fail(nil, "backend: only Keras stages choose a backend")
    }
    let written = WrittenArguments(entries: arguments)
    let call: FrameworkCall
    switch api.framework {
    case .torch: call = .torch(TorchCall(api: api, arguments: written, reader: &reader))
    case .tensorflow: call = .tensorflow(TensorFlowCall(api: api, arguments: written, reader: &reader))
    case .keras:
      call = .keras(KerasCall(api: api, arguments: written, backend: backend ?? .tensorflow, reader: &reader))
    case .jax: call = .jax(JAXCall(api: api, arguments: written, reader: &reader))
    case .onnx: call = .onnx(ONNXCall(api: api, arguments: written, reader: &reader))
    }
    try reader.rules.check()
    return call
  }

  /// Lowers the call for the native shapes of its input, weight and bias, computed
  /// in `dtype` (some runtimes refuse some calls in float64), or throws every rule broken.
  public func lower(input: [Int], weight: [Int], bias: [Int]?, dtype: DType) throws(FrameworkCallError)
    -> FrameworkLowering
  {
    var rules = CallRules(api)
    if bias != nil, !api.takesBias {
      rules.fail(
        "bias", "bias: \(api.shortName) takes no bias; in \(api.framework.displayName) it is a separate operation")
    }
    // PyTorch also takes an unbatched input, one axis short.
    if input.count != weight.count, !(api.framework == .torch && input.count + 1 == weight.count) {
      rules.fail(
        nil,
        "the input \(input.shapeDescription) has \(input.count) axes but the weight \(weight.shapeDescription) has \(weight.count)"
      )
    }
    try rules.check()
    switch self {
    case .torch(let call): return try call.lower(input: input, weight: weight, bias: bias)
    case .tensorflow(let call): return try call.lower(input: input, weight: weight, dtype: dtype)
    case .keras(let call): return try call.lower(input: input, weight: weight, bias: bias, dtype: dtype)
    case .jax(let call): return try call.lower(input: input, weight: weight)
    case .onnx(let call): return try call.lower(input: input, weight: weight, bias: bias, dtype: dtype)
    }
  }
}

/// The arguments as written, kept for messages and `explain`.
public struct WrittenArguments: Sendable, Equatable {
  public let entries: [(name: String, value: ArgumentValue)]

  public static func == (a: WrittenArguments, b: WrittenArguments) -> Bool {
    a.entries.count == b.entries.count
      && zip(a.entries, b.entries).allSatisfy { $0.name == $1.name && $0.value == $1.value }
  }
}
