import ConvJob
import Testing

@Suite("StageGraph: execution order, cycles, last use")
struct StageGraphTests {
  /// A job over inputs `x` and `w` whose stages read the listed names:
  /// `"b<a"` is a stage `b` reading `a` (a flip), `"d<b,c"` a conv reading `b` and `c`.
  static func job(_ stages: [String]) throws -> Job {
    let objects = stages.map { spec in
      let parts = spec.split(separator: "<").map(String.init)
      let reads = parts[1].split(separator: ",").map(String.init)
      return reads.count == 1
        ? #"{"id": "\#(parts[0])", "op": "flip", "input": "\#(reads[0])"}"#
        : #"{"id": "\#(parts[0])", "op": "conv", "input": "\#(reads[0])", "weight": "\#(reads[1])"}"#
    }
    return try decodeJob(
      jobText(
        inputs: #""x": {"random": {"shape": [1, 1, 4, 4]}}, "w": {"random": {"shape": [1, 1, 3, 3]}}"#, stages: objects)
    )
  }

  static let orders: [([String], [String])] = [
    (["a<x", "b<x", "c<x"], ["a", "b", "c"]),
    (["c<x", "b<x", "a<x"], ["c", "b", "a"]),
    (["b<a", "a<x"], ["a", "b"]),
    (["c<b", "b<a", "a<x"], ["a", "b", "c"]),
    (["d<b,c", "c<a", "b<a", "a<x"], ["a", "c", "b", "d"]),
    (["e<d,w", "d<x", "k<w"], ["d", "e", "k"]),
  ]

  @Test("each time the first listed stage whose dependencies have run", arguments: orders)
  func order(_ stages: [String], _ expected: [String]) throws {
    let graph = StageGraph(job: try Self.job(stages))
    #expect(graph.order.map(\.id) == expected)
  }

  @Test(
    "every stage runs after the stages it reads",
    arguments: [
      ["d<c", "c<x", "e<x"], ["z<y,x", "y<x,w", "a<z", "b<a,y"], ["a<x", "b<a", "c<b", "d<x", "e<d,c"],
    ])
  func dependenciesFirst(_ stages: [String]) throws {
    let graph = StageGraph(job: try Self.job(stages))
    #expect(graph.order.count == stages.count)
    for (position, stage) in graph.order.enumerated() {
      for reference in stage.references {
        if let producer = graph.order.firstIndex(where: { $0.id == reference.name }) { #expect(producer < position) }
      }
    }
  }

  @Test("a listing that is already a valid order is kept")
  func validListingKept() throws {
    // Stable topological order (the earliest-listed ready stage first) keeps a
    // valid listing as it is; the level-by-level order runs the independent
    // stage c before b although b was listed first.
    let graph = StageGraph(job: try Self.job(["a<x", "b<a", "c<x"]))
    #expect(graph.order.map(\.id) == ["a", "b", "c"])
  }

  static let cycles: [([String], String, String)] = [
    (["a<b", "b<a"], #"stages[0] (id "a")"#, #""a" -> "b" -> "a""#),
    (["a<a"], #"stages[0] (id "a")"#, #""a" -> "a""#),
    (["a<b", "b<c", "c<b"], #"stages[1] (id "b")"#, #""b" -> "c" -> "b""#),
    (["q<x", "r<t,q", "s<r", "t<s"], #"stages[1] (id "r")"#, #""r" -> "t" -> "s" -> "r""#),
  ]

  @Test("a cycle is refused with its path of names", arguments: cycles)
  func cycle(_ stages: [String], _ location: String, _ path: String) throws {
    let graph = StageGraph(job: try Self.job(stages))
    #expect(graph.cycle?.location == location)
    #expect(graph.cycle?.description == "job.json: \(location): the stages form a cycle: \(path)")
  }

  @Test("lastUse is the position of each name's last reader")
  func lastUse() throws {
    let job = try decodeJob(
      jobText(
        inputs:
          #""x": {"random": {"shape": [1, 1, 4, 4]}}, "w": {"random": {"shape": [1, 1, 3, 3]}}, "unused": {"values": [1]}"#,
        stages: [
          #"{"id": "v", "op": "verify", "check": "allclose", "actual": "p", "expected": "x"}"#,
          #"{"id": "p", "op": "pad", "input": "c", "pads": 1}"#,
          #"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#,
        ]))
    let graph = StageGraph(job: job)
    #expect(graph.order.map(\.id) == ["c", "p", "v"])
    #expect(graph.lastUse == ["x": 2, "w": 0, "c": 1, "p": 2])
  }

  @Test("no stages, empty order")
  func empty() throws {
    let graph = StageGraph(job: try decodeJob(jobText(inputs: #""x": {"values": [1]}"#, stages: [])))
    #expect(graph.order.isEmpty && graph.lastUse.isEmpty)
  }
}
