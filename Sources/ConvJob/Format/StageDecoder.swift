import ConvChecks
import ConvCore
import FrameworkCalls
import PositionedJSON

/// Turns stage objects of the job format into ``StageDefinition``s.
enum StageDecoder {
  /// The roles each kind of stage reads, required first.
  static func roles(op: StageOp, check: CheckKind?) -> (required: [Role], optional: [Role]) {
    switch op {
    case .conv, .conv_transpose, .framework: return ([.input, .weight], [.bias])
    case .pad, .crop, .stride, .unstride, .output_padding, .flip, .permute: return ([.input], [])
    case .verify:
      switch check {
      case .allclose, .shape: return ([.actual, .expected], [])
      case .adjoint, .matrix, .direct, .gradient: return ([.of], [])
      case nil: return ([], [])
      }
    }
  }

  /// Decodes one stage; records problems and returns nil when it cannot.
  static func stage(_ value: JSONValue, index: Int, log: ProblemLog) -> StageDefinition? {
    let id = value["id"]?.stringValue
    guard var reader = ObjectReader(value, location: StageDefinition.location(index: index, id: id), log: log) else {
      return nil
    }
    // Which keys are valid depends on the op and check: without them, none is reported unknown.
    var knowsKeys = true
    defer { if knowsKeys { reader.finish() } }
    let checkedID = reader.string("id", required: true)
    if let checkedID, !isValidName(checkedID) {
      reader.problem(
        "id", "\"\(checkedID)\" is not a valid name (letters, digits, _ . -; not starting with a digit, . or -)")
    }
    _ = reader.string("description")
    let dtype = reader.choice("dtype", DType.self)
    guard let op = self.op(&reader) else {
      knowsKeys = false
      return nil
    }
    let kind: StageKind?
    var check: CheckKind?
    switch op {
    case .verify:
      let verification = verification(&reader)
      check = verification?.check.kind
      knowsKeys = verification != nil
      kind = verification.map { .verify($0) }
    case .framework(let api):
      kind = framework(api, &reader).map { .framework($0) }
    default:
      kind = operation(op, &reader).map { .operation($0) }
    }
    let roles = roles(op: op, check: check)
    var references: [StageReference] = []
    for role in roles.required + roles.optional {
      let isRequired = roles.required.contains(role)
      guard let name = reader.string(role.rawValue, required: isRequired) else { continue }
      references.append(StageReference(role: role, name: name))
    }
    // `"output_size": "image"` takes the sizes of the tensor named, item by item.
    if op == .conv_transpose, reader.peek(Role.outputSize.rawValue)?.stringValue != nil,
      let name = reader.string(Role.outputSize.rawValue)
    {
      references.append(StageReference(role: .outputSize, name: name))
    }
    guard let checkedID, let kind else { return nil }
    return StageDefinition(
      id: checkedID, index: index, op: op, kind: kind, references: references, dtype: dtype, json: value)
  }

  /// The stage's `op`: one of convpipe's own, or a framework API's dotted name.
  private static func op(_ reader: inout ObjectReader) -> StageOp? {
    guard let text = reader.string("op") else {
      let core = StageOp.core.map(\.rawValue).joined(separator: ", ")
      if !reader.has("op") {
        _ = reader.required("op", "one of \(core), or a framework API such as tf.nn.conv2d_transpose")
      }
      return nil
    }
    if let op = StageOp(rawValue: text) { return op }
    let names = StageOp.allCases.map(\.rawValue)
    let suggestion = closest(to: text, among: names, within: 3).map { " (did you mean \"\($0)\"?)" } ?? ""
    reader.problem(
      "op",
      "\"\(text)\" is not one of \(StageOp.core.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), or a framework API such as \"tf.nn.conv2d_transpose\" (docs/job-format.md lists the \(FrameworkAPI.allCases.count))\(suggestion)"
    )
    return nil
  }

  /// A framework stage's call: its `args` (the call's arguments as the framework
  /// spells them) and, for Keras, the `backend` whose rules apply.
  static func framework(_ api: FrameworkAPI, _ reader: inout ObjectReader) -> FrameworkCall? {
    var backend: KerasBackend?
    if reader.has("backend") {
      backend = reader.choice("backend", KerasBackend.self)
      if api.framework != .keras {
        reader.problem(
          "backend", "only Keras stages choose a backend (tensorflow or jax); \(api.rawValue) has one runtime")
        backend = nil
      }
    }
    var arguments: [(name: String, value: ArgumentValue)] = []
    var positions: [String: JSONValue] = [:]
    let args = reader.value("args")
    if let args {
      guard let members = args.objectMembers else {
        reader.problem("args", "expected an object of the call's arguments by name, got \(args.typeName)", at: args)
        return nil
      }
      var convertible = true
      for member in members {
        positions[member.key] = member.value
        guard let value = argumentValue(member.value) else {
          reader.problem(
            "args", "\(member.key): a JSON object is not an argument value (write tuples as lists, None as null)",
            at: member.value)
          convertible = false
          continue
        }
        arguments.append((member.key, value))
      }
      guard convertible else { return nil }
    }
    do {
      return try FrameworkCall.decode(api: api, arguments: arguments, backend: backend)
    } catch {
      for problem in error.problems {
        reader.log.add(
          reader.location, "\(api.rawValue): \(problem.message)",
          at: problem.argument.flatMap { positions[$0] } ?? args ?? reader.object)
      }
      return nil
    }
  }

  /// A JSON value as a call's argument: integers stay integers, `2.0` is a float; nil for objects.
  static func argumentValue(_ value: JSONValue) -> ArgumentValue? {
    switch value.kind {
    case .null: return .null
    case .bool(let flag): return .bool(flag)
    case .number(let number, let text): return Int(text).map { .int($0) } ?? .double(number)
    case .string(let text): return .string(text)
    case .array(let items):
      let values = items.compactMap(argumentValue)
      return values.count == items.count ? .list(values) : nil
    case .object: return nil
    }
  }

  /// The core operation of a non-verify stage, from its parameters.
  static func operation(_ op: StageOp, _ reader: inout ObjectReader) -> Operation? {
    switch op {
    case .conv:
      var parameters = ConvParameters()
      if let stride = reader.spatial("stride") { parameters.stride = stride }
      if let padding = reader.padding("padding", named: ["valid", "same"]) { parameters.padding = padding }
      if let dilation = reader.spatial("dilation") { parameters.dilation = dilation }
      if let groups = reader.int("groups") { parameters.groups = groups }
      if let mode = reader.choice("padding_mode", PaddingMode.self) { parameters.paddingMode = mode }
      return .conv(parameters)
    case .conv_transpose:
      var parameters = ConvTransposeParameters()
      if let stride = reader.spatial("stride") { parameters.stride = stride }
      if let padding = reader.padding("padding", named: ["same", "valid"]) { parameters.padding = padding }
      if let outputPadding = reader.spatial("output_padding") { parameters.outputPadding = outputPadding }
      // A name instead of sizes is a reference to a tensor (see `stage`), resolved when planning.
      if reader.has("output_size"), reader.peek("output_size")?.stringValue == nil {
        if let size = reader.spatial("output_size") {
          switch size {
          case .uniform(let value): parameters.outputSize = [value]
          case .perDimension(let values): parameters.outputSize = values
          }
        }
      }
      if let dilation = reader.spatial("dilation") { parameters.dilation = dilation }
      if let groups = reader.int("groups") { parameters.groups = groups }
      if let mode = reader.choice("padding_mode", PaddingMode.self) { parameters.paddingMode = mode }
      return .convTranspose(parameters)
    case .pad:
      let pads = reader.padding("pads")
      let mode = reader.choice("mode", PadMode.self) ?? .zeros
      let value = reader.double("value") ?? 0
      if reader.has("value") && mode != .constant { reader.problem("value", "is only used with mode \"constant\"") }
      guard let pads = pads ?? required(&reader, "pads") else { return nil }
      return .remap(.pad(pads: pads, mode: mode, value: value))
    case .crop:
      guard let crops = reader.padding("crops") ?? required(&reader, "crops") else { return nil }
      return .remap(.crop(crops))
    case .stride, .unstride:
      guard let stride = reader.spatial("stride") ?? required(&reader, "stride") else { return nil }
      return .remap(op == .stride ? .stride(stride) : .unstride(stride))
    case .output_padding:
      guard let amount = reader.spatial("amount") ?? required(&reader, "amount") else { return nil }
      return .remap(.outputPadding(amount))
    case .flip:
      return .remap(.flip)
    case .permute:
      guard let axes = reader.intList("axes") ?? required(&reader, "axes") else { return nil }
      return .permute(Permutation(axes: axes))
    case .verify, .framework:
      return nil
    }
  }

  /// Records a missing required key (unless it was present but malformed) and returns nil.
  private static func required<T>(_ reader: inout ObjectReader, _ key: String) -> T? {
    if !reader.has(key) { _ = reader.required(key, "a parameter of this op") }
    return nil
  }

  /// The check of a verify stage with the keys that check takes.
  static func verification(_ reader: inout ObjectReader) -> Verification? {
    guard let kind = reader.choice("check", CheckKind.self) else {
      if !reader.has("check") {
        _ = reader.required("check", "one of \(CheckKind.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      return nil
    }
    let expect = reader.choice("expect", Expectation.self) ?? .pass
    let check: Check
    switch kind {
    case .allclose:
      var allclose = Allclose()
      if let rtol = nonNegative(&reader, "rtol") { allclose.rtol = rtol }
      if let atol = nonNegative(&reader, "atol") { allclose.atol = atol }
      if let equalNaN = reader.bool("equal_nan") { allclose.equalNaN = equalNaN }
      check = .allclose(allclose)
    case .shape:
      check = .shape(ShapeComparison(allAxes: reader.choice("axes", ShapeAxes.self) == .all))
    case .adjoint:
      check = .adjoint(AdjointCheck(seed: seed(&reader) ?? 0, rtol: nonNegative(&reader, "rtol")))
    case .matrix:
      let maxElements = reader.int("max_elements") ?? MatrixCheck().maxElements
      if maxElements < 1 { reader.problem("max_elements", "must be at least 1") }
      check = .matrix(MatrixCheck(maxElements: maxElements), saveMatrix: reader.bool("save_matrix") ?? false)
    case .direct:
      check = .direct
    case .gradient:
      let samples = reader.int("samples"), eps = reader.double("eps")
      let gradient = GradientCheck(samples: samples ?? GradientCheck().samples, eps: eps, seed: seed(&reader) ?? 0)
      if let eps, !(eps > 0) { reader.problem("eps", "must be positive") }
      if let samples, samples < 1 { reader.problem("samples", "must be at least 1") }
      check = .gradient(gradient)
    }
    return Verification(check, expect: expect)
  }

  /// A number that must not be negative, recorded as a problem when it is.
  private static func nonNegative(_ reader: inout ObjectReader, _ key: String) -> Double? {
    guard let value = reader.double(key) else { return nil }
    if value < 0 { reader.problem(key, "must not be negative") }
    return value
  }

  private static func seed(_ reader: inout ObjectReader) -> UInt64? {
    guard let seed = reader.int("seed") else { return nil }
    guard seed >= 0 else { reader.problem("seed", "must not be negative"); return nil }
    return UInt64(seed)
  }

  /// Input names and stage ids: `[A-Za-z_][A-Za-z0-9_.-]*`.
  static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.isASCII,
      first.properties.isAlphabetic || first == "_"
    else { return false }
    return name.unicodeScalars.allSatisfy {
      $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0))
    }
  }
}

/// Parsing of one stage's op and parameters on their own.
package enum StageParameters {
  /// The operation of a stage object without `id` or input names, such as
  /// `{"op": "conv_transpose", "stride": [2, 3], "output_padding": [1, 0]}`;
  /// `file` names where the text came from in problems.
  package static func operation(fromJSON text: String, file: String) throws(JobProblems) -> Operation {
    var (reader, log) = try self.reader(fromJSON: text, file: file)
    let op = reader.string("op").flatMap(StageOp.init(rawValue:))
    let operation = op.flatMap { StageDecoder.operation($0, &reader) }
    reader.finish()
    try log.check()
    guard let operation else {
      throw JobProblems([JobProblem(file: file, location: "stage", message: "not an operation")])
    }
    return operation
  }
}

extension StageParameters {
  /// A reader over the stage object in `text`, and the log its problems go to.
  fileprivate static func reader(fromJSON text: String, file: String) throws(JobProblems) -> (ObjectReader, ProblemLog)
  {
    let log = ProblemLog(file: file)
    let value: JSONValue
    do { value = try JSONParser.parse(text) } catch {
      throw JobProblems([
        JobProblem(file: file, location: "", message: error.message, line: error.line, column: error.column)
      ])
    }
    guard let reader = ObjectReader(value, location: "stage", log: log) else { try log.check(); throw JobProblems([]) }
    return (reader, log)
  }

  /// The framework call of a stage object without `id` or input names, such as
  /// `{"op": "tf.nn.conv2d_transpose", "args": {"output_shape": [1, 6, 8, 2], "strides": 2}}`,
  /// decoded as a job's stage is; `file` names where the text came from in problems.
  package static func frameworkCall(fromJSON text: String, file: String) throws(JobProblems) -> FrameworkCall {
    var (reader, log) = try self.reader(fromJSON: text, file: file)
    var call: FrameworkCall?
    if case .framework(let api)? = reader.string("op").flatMap(StageOp.init(rawValue:)) {
      call = StageDecoder.framework(api, &reader)
    }
    reader.finish()
    try log.check()
    guard let call else {
      throw JobProblems([JobProblem(file: file, location: "stage", message: "not a framework call")])
    }
    return call
  }
}
