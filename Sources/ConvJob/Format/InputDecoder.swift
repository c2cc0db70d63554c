import ConvCore
import PNGIO
import PositionedJSON

/// Turns the members of the job's `inputs` object into ``InputDefinition``s.
enum InputDecoder {
  static func input(name: String, _ value: JSONValue, directory: String, log: ProblemLog) -> InputDefinition? {
    guard var reader = ObjectReader(value, location: "inputs.\(name)", log: log) else { return nil }
    defer { reader.finish() }
    let keys = InputSourceKind.allCases.map(\.rawValue)
    let given = InputSourceKind.allCases.filter { reader.has($0.rawValue) }
    guard given.count == 1, let kind = given.first else {
      reader.problem(
        "source",
        given.isEmpty
          ? "an input needs exactly one of \(keys.map { "\"\($0)\"" }.joined(separator: ", "))"
          : "an input takes exactly one source, found \(given.map { "\"\($0.rawValue)\"" }.joined(separator: " and "))")
      for key in keys { _ = reader.value(key) }
      return nil
    }
    var layout: Layout?
    var layoutFailed = false
    var dtype: DType?
    switch kind {
    case .hdf5, .values:
      if let text = reader.string("layout") {
        switch Layout.parse(text) {
        case .success(let parsed): layout = parsed
        case .failure(let error):
          reader.problem("layout", error.message)
          layoutFailed = true
        }
      }
    case .png, .random: break
    }
    switch kind {
    case .values, .random: dtype = reader.choice("dtype", DType.self) ?? .float64
    case .hdf5, .png: break
    }
    let source: InputSource?
    switch kind {
    case .hdf5:
      let path = reader.string("hdf5").map { JobDecoder.resolve($0, against: directory) }
      let dataset = reader.string("dataset", required: true)
      let split = reader.bool("split") ?? false
      source = path.flatMap { path in dataset.map { .hdf5(path: path, dataset: $0, split: split) } }
    case .png:
      let path = reader.string("png").map { JobDecoder.resolve($0, against: directory) }
      let channels = reader.choice("channels", PNGChannels.self) ?? .auto
      let scale = reader.choice("scale", PNGScale.self) ?? .unit
      source = path.map { .png(path: $0, channels: channels, scale: scale) }
    case .values:
      source = reader.value("values").flatMap { literal($0, reader: &reader) }
    case .random:
      source = reader.value("random").flatMap { random($0, location: "inputs.\(name).random", log: log) }
    }
    guard let source, !layoutFailed else { return nil }
    return InputDefinition(name: name, source: source, layout: layout, dtype: dtype, json: value)
  }

  /// A rectangular nested array of numbers: its shape and its values in row-major order.
  private static func literal(_ value: JSONValue, reader: inout ObjectReader) -> InputSource? {
    var shape: [Int] = []
    var probe = value
    while let list = probe.arrayValue {
      shape.append(list.count)
      guard let first = list.first else { break }
      probe = first
    }
    guard !shape.isEmpty, !shape.contains(0) else {
      reader.problem("values", "expected a non-empty nested list of numbers", at: value)
      return nil
    }
    var values: [Double] = []
    values.reserveCapacity(shape.reduce(1, *))
    func flatten(_ value: JSONValue, depth: Int) -> Bool {
      if depth == shape.count {
        guard let number = value.doubleValue else {
          reader.problem("values", "expected a number at depth \(depth), got \(value.jsonText)", at: value)
          return false
        }
        values.append(number)
        return true
      }
      guard let list = value.arrayValue, list.count == shape[depth] else {
        reader.problem(
          "values",
          "is not rectangular: expected \(shape[depth]) entries at depth \(depth) (shape \(shape.shapeDescription)), got \(value.jsonText.prefix(40))",
          at: value)
        return false
      }
      return list.allSatisfy { flatten($0, depth: depth + 1) }
    }
    guard flatten(value, depth: 0) else { return nil }
    return .values(shape: shape, values: values)
  }

  private static func random(_ value: JSONValue, location: String, log: ProblemLog) -> InputSource? {
    guard var reader = ObjectReader(value, location: location, log: log) else { return nil }
    defer { reader.finish() }
    let shape = reader.intList("shape")
    if shape == nil && !reader.has("shape") { _ = reader.required("shape", "[N, C, spatial...]") }
    let distribution = reader.choice("distribution", RandomDistribution.self) ?? .normal
    let seed = reader.int("seed") ?? 0
    if seed < 0 { reader.problem("seed", "must not be negative") }
    guard let shape else { return nil }
    guard shape.count >= 3, shape.allSatisfy({ $0 >= 1 }) else {
      reader.problem(
        "shape", "must be [N, C, spatial...] with at least one spatial axis and every size at least 1, got \(shape)")
      return nil
    }
    return .random(shape: shape, distribution: distribution, seed: UInt64(max(seed, 0)))
  }
}
