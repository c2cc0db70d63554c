import ConvCore

/// What `explain` says about one framework for one stage: the call that
/// computes the stage's result, in that framework's terms and layouts, or the
/// composition nearest to it, or why the framework cannot.
public struct EquivalentCall: Sendable, Equatable {
  public enum Kind: String, Sendable {
    /// One call of the framework computes the stage's result.
    case exact
    /// One call with a pad or crop before, a slice or a bias after, or an autograd step.
    case composition
    /// The framework cannot compute it (the reason says why).
    case impossible
  }

  /// A tensor the call binds (`x`, `w`, `b`): which of the stage's operands, rearranged how.
  public struct Binding: Sendable, Equatable {
    public let name: String
    /// `input`, `weight` or `bias`: the stage's operand it comes from.
    public let operand: String
    public let transforms: [TensorTransform]
  }

  public let framework: Framework
  public let kind: Kind
  /// The API the call is built on.
  public let api: FrameworkAPI?
  /// Python source in the fixture's call-text conventions (`run_call` executes it).
  public let call: String?
  /// Keras: the backend the call runs on.
  public let backend: KerasBackend?
  public let bindings: [Binding]
  /// From the call's result to the stage's output layout.
  public let result: [TensorTransform]
  /// The layouts the call takes, e.g. `x NHWC, w (kh, kw, out, in)`.
  public let layouts: String?
  /// Why the call is not one call, or why the framework cannot express the stage.
  public let reason: String?
  /// The element type the call runs in (float32 where the framework's CPU runtime refuses float64).
  public let dtype: DType
  /// What the framework's runtime does differently from its documentation here.
  public let notes: [String]

  static func impossible(_ framework: Framework, _ reason: String, dtype: DType) -> EquivalentCall {
    EquivalentCall(
      framework: framework, kind: .impossible, api: nil, call: nil, backend: nil, bindings: [], result: [],
      layouts: nil, reason: reason, dtype: dtype, notes: [])
  }
}

/// A call to try: an API with its arguments and the native shapes it would see.
struct Candidate {
  let api: FrameworkAPI
  var arguments: [(name: String, value: ArgumentValue)]
  var backend: KerasBackend? = nil
  let input: [Int]
  let weight: [Int]
  var bias: [Int]? = nil

  /// The call lowered for its shapes, or nil when the framework refuses it.
  func lower(dtype: DType) -> FrameworkLowering? {
    guard let call = try? FrameworkCall.decode(api: api, arguments: arguments, backend: backend) else { return nil }
    return try? call.lower(input: input, weight: weight, bias: bias, dtype: dtype)
  }
}

/// Python source of call texts, as `generate.py`'s `make_call` writes them.
enum PythonText {
  static func call(
    _ callee: String, _ tensors: [String], _ arguments: [(name: String, value: ArgumentValue)], tuples: Bool
  )
    -> String
  {
    let parts = tensors + arguments.map { "\($0.name)=\($0.value.python(tuples: tuples))" }
    return "\(callee)(\(parts.joined(separator: ", ")))"
  }

  static func tuple(_ values: [Int]) -> String { ArgumentValue.ints(values).python(tuples: true) }
  static func list(_ values: [Int]) -> String { ArgumentValue.ints(values).python(tuples: false) }

  /// `[:, :, 1:33, :32]`: a slice per axis, `:` where a range is nil.
  static func slice(_ ranges: [(begin: Int, end: Int)?]) -> String {
    "["
      + ranges.map { range in range.map { "\($0.begin == 0 ? "" : "\($0.begin)"):\($0.end)" } ?? ":" }.joined(
        separator: ", ") + "]"
  }
}
