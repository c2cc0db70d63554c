import ConvCore

/// One rule a framework call breaks: the argument it concerns (nil for the call
/// as a whole, or a tensor's shape) and a sentence naming it, e.g.
/// `output_shape [1, 33, 33, 3] is not reachable: with strides 2 and padding "SAME" the size of H can be 31 or 32`.
public struct CallProblem: Sendable, Equatable, CustomStringConvertible {
  public let argument: String?
  public let message: String

  public init(_ argument: String?, _ message: String) {
    self.argument = argument
    self.message = message
  }

  public var description: String { message }
}

/// Every rule a framework call breaks, each message to be prefixed with the API's name.
public struct FrameworkCallError: Error, Sendable, Equatable, CustomStringConvertible {
  public let api: FrameworkAPI
  public let problems: [CallProblem]

  public init(_ api: FrameworkAPI, _ problems: [CallProblem]) {
    self.api = api
    self.problems = problems
  }

  /// `tf.nn.conv2d: message` per problem, joined by `; `.
  public var description: String { problems.map { "\(api.rawValue): \($0.message)" }.joined(separator: "; ") }
}

/// Collects a call's problems so that one check reports all of them.
struct CallRules {
  let api: FrameworkAPI
  private(set) var problems: [CallProblem] = []

  init(_ api: FrameworkAPI) { self.api = api }

  mutating func fail(_ argument: String?, _ message: String) { problems.append(CallProblem(argument, message)) }

  /// Records `message` about `argument` unless `condition` holds; returns `condition`.
  @discardableResult
  mutating func require(_ condition: Bool, _ argument: String?, _ message: @autoclosure () -> String) -> Bool {
    if !condition { fail(argument, message()) }
    return condition
  }

  func check() throws(FrameworkCallError) {
    if !problems.isEmpty { throw FrameworkCallError(api, problems) }
  }

  /// Once every rule recorded holds, the lowering `body` builds on the core
  /// operations, or the core's shape problems (their wording is convpipe's, in PyTorch's layout).
  func lowering(_ body: () throws(ShapeError) -> FrameworkLowering) throws(FrameworkCallError) -> FrameworkLowering {
    try check()
    do { return try body() } catch { throw FrameworkCallError(api, error.problems.map { CallProblem(nil, $0) }) }
  }
}
