import ConvCore
import HDF5IO

/// One case of `Tests/Fixtures/frameworks/cases.h5`: a framework call recorded
/// from the real framework (see that directory's README): the API, its `args`
/// as a job writes them, the tensors in the API's native layout, and the
/// framework's result (`expected`) or its refusal (`error`).
public struct FrameworkCase: CustomStringConvertible, Sendable {
  public let name: String
  public var description: String { name }
  public var group: String { "/cases/\(name)" }

  /// Every case in the fixture, by name.
  public static let all: [FrameworkCase] = {
    guard let file = try? HDF5File.open(Fixtures.frameworkCases), let names = try? file.children(of: "/cases") else {
      return []
    }
    return names.map { FrameworkCase(name: $0) }
  }()

  public struct Contents: Sendable {
    public let framework: String
    public let op: String
    /// JSON text of the arguments.
    public let args: String
    public let call: String
    /// Keras: the backends `expected` stands for (`tensorflow,jax`, `tensorflow` or `jax`).
    public let backend: String?
    public let dtype: DType
    public let rtol: Double
    public let atol: Double
    /// The framework's refusal, for negative cases.
    public let error: String?
    /// Keras: the TensorFlow backend's refusal where the JAX backend computed.
    public let errorTensorFlow: String?
    public let disagreement: String?
    public let input: Tensor
    public let weight: Tensor
    public let bias: Tensor?
    public let expected: Tensor?
    /// Keras: the JAX backend's result where it is not bit-identical to `expected`.
    public let expectedJAX: Tensor?
    /// ONNX: the reference implementation's result where it differs from onnxruntime's.
    public let expectedSpec: Tensor?

    public var isPositive: Bool { expected != nil }

    /// The stage object the case's call is, without id and tensor names.
    public func stage(backend: String? = nil) -> String {
      "{\"op\": \"\(op)\", \"args\": \(args)" + (backend.map { ", \"backend\": \"\($0)\"" } ?? "") + "}"
    }
  }

  public func load() throws -> Contents {
    let file = try HDF5File.open(Fixtures.frameworkCases)
    func text(_ name: String) throws -> String? {
      if case .string(let value)? = try file.attribute(name, of: group) { return value }
      return nil
    }
    func number(_ name: String) throws -> Double {
      guard case .double(let value)? = try file.attribute(name, of: group) else {
        throw FixtureError("case \(name) lacks \(name)")
      }
      return value
    }
    let datasets = Set(try file.children(of: group))
    func tensor(_ name: String) throws -> Tensor? {
      datasets.contains(name) ? try file.readTensor("\(group)/\(name)") : nil
    }
    guard let framework = try text("framework"), let op = try text("op"), let args = try text("args"),
      let call = try text("call"), let dtypeText = try text("dtype"), let dtype = DType(rawValue: dtypeText),
      let input = try tensor("input"), let weight = try tensor("weight")
    else { throw FixtureError("case \(name) lacks framework, op, args, call, dtype, input or weight") }
    return Contents(
      framework: framework, op: op, args: args, call: call, backend: try text("backend"), dtype: dtype,
      rtol: try number("rtol"), atol: try number("atol"), error: try text("error"),
      errorTensorFlow: try text("error_tensorflow"), disagreement: try text("disagreement"), input: input,
      weight: weight, bias: try tensor("bias"), expected: try tensor("expected"),
      expectedJAX: try tensor("expected_jax"),
      expectedSpec: try tensor("expected_spec"))
  }
}
