import ConvCore
import ConvJob
import Testing

@Suite("JobPlanner and PreparedJob: shapes, types, memory, without data")
struct PlannerTests {
  static let inputs = """
    "x": {"random": {"shape": [1, 1, 8, 8]}, "dtype": "float32"},
    "w": {"random": {"shape": [2, 1, 3, 3]}},
    "wf": {"random": {"shape": [2, 1, 3, 3]}, "dtype": "float32"},
    "b": {"values": [0.5, -0.5]},
    "k": {"random": {"shape": [1, 1, 3, 3]}, "dtype": "float32"}
    """

  static func prepare(_ stages: [String], inputs: String = inputs, maxMemory: Int = 1 << 30) throws(JobProblems)
    -> PreparedJob
  {
    try PreparedJob.prepare(job: try decodeJob(jobText(inputs: inputs, stages: stages)), maxMemory: maxMemory)
  }

  /// Stage object (id "s") after a conv `c` (x, w: 1x2x6x6 float64), and its output.
  static let shapes: [(String, [Int], DType)] = [
    (#""op": "conv", "input": "x", "weight": "w", "stride": 2, "padding": 1"#, [1, 2, 4, 4], .float64),
    (#""op": "conv", "input": "x", "weight": "wf""#, [1, 2, 6, 6], .float32),
    (#""op": "conv", "input": "x", "weight": "w", "dtype": "float32""#, [1, 2, 6, 6], .float32),
    (#""op": "conv", "input": "x", "weight": "wf", "dtype": "float64""#, [1, 2, 6, 6], .float64),
    (#""op": "conv", "input": "x", "weight": "wf", "bias": "b""#, [1, 2, 6, 6], .float64),
    (#""op": "conv", "input": "x", "weight": "wf", "padding": "same", "stride": 2"#, [1, 2, 4, 4], .float32),
    (#""op": "conv", "input": "x", "weight": "wf", "padding": "same", "dilation": [2, 1]"#, [1, 2, 8, 8], .float32),
    (
      #""op": "conv", "input": "x", "weight": "wf", "padding": [[2, 0], [1, 1]], "padding_mode": "reflect""#,
      [1, 2, 8, 8], .float32
    ),
    (
      #""op": "conv_transpose", "input": "c", "weight": "w", "stride": 2, "padding": 1, "output_padding": 1"#,
      [1, 1, 12, 12], .float64
    ),
    (
      #""op": "conv_transpose", "input": "c", "weight": "w", "stride": 2, "padding": 1, "output_size": [12, 11]"#,
      [1, 1, 12, 11], .float64
    ),
    (
      #""op": "conv_transpose", "input": "c", "weight": "wf", "stride": 2, "padding": "same""#, [1, 1, 12, 12], .float64
    ),
    (
      #""op": "conv_transpose", "input": "c", "weight": "w", "dilation": 2, "padding": [[0, 1], [2, 2]]"#,
      [1, 1, 9, 6], .float64
    ),
    (#""op": "pad", "input": "x", "pads": [[1, 2], [0, 3]]"#, [1, 1, 11, 11], .float32),
    (#""op": "crop", "input": "x", "crops": 1"#, [1, 1, 6, 6], .float32),
    (#""op": "stride", "input": "x", "stride": 3"#, [1, 1, 3, 3], .float32),
    (#""op": "unstride", "input": "x", "stride": 2"#, [1, 1, 15, 15], .float32),
    (#""op": "output_padding", "input": "x", "amount": [1, 0]"#, [1, 1, 9, 8], .float32),
    (#""op": "flip", "input": "w""#, [2, 1, 3, 3], .float64),
    (#""op": "permute", "input": "w", "axes": [1, 0, 2, 3], "dtype": "float32""#, [1, 2, 3, 3], .float32),
  ]

  @Test("output shapes and element types", arguments: shapes)
  func shape(_ stage: String, _ shape: [Int], _ dtype: DType) throws {
    let prepared = try Self.prepare([
      #"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#, #"{"id": "s", "# + stage + "}",
    ])
    let plan = try #require(prepared.plans.first)
    #expect(plan.tensors["c"] == TensorInfo(shape: [1, 2, 6, 6], dtype: .float64))
    #expect(plan.stage("s")?.output == TensorInfo(shape: shape, dtype: dtype))
    #expect(plan.tensors["s"] == TensorInfo(shape: shape, dtype: dtype))
    #expect(prepared.catalog.items.map(\.id) == ["main"])
    #expect(prepared.planIndex == ["main": 0])
  }

  @Test("mixed operand types compute in float64")
  func computeType() throws {
    let plan = try #require(
      try Self.prepare([
        #"{"id": "m", "op": "conv", "input": "x", "weight": "w", "dtype": "float32"}"#,
        #"{"id": "f", "op": "conv", "input": "x", "weight": "wf"}"#,
        #"{"id": "v", "op": "verify", "check": "allclose", "actual": "m", "expected": "f"}"#,
      ]).plans.first)
    #expect(plan.stage("m")?.computeType == .float64)
    #expect(plan.stage("m")?.output?.dtype == .float32)
    #expect(plan.stage("f")?.computeType == .float32)
    #expect(plan.stage("v")?.output == nil)
    #expect(plan.stage("v")?.operands.map(\.name) == ["m", "f"])
    #expect(plan.stages.map(\.stage.id) == ["m", "f", "v"])
  }

  /// A stage that breaks a shape rule and a fragment of its message.
  static let shapeErrors: [(String, String)] = [
    (
      #""op": "conv", "input": "x", "weight": "w", "padding_mode": "reflect", "padding": 8"#,
      "padding [8, 8] with padding_mode reflect must be smaller than the input size 8 (H)"
    ),
    (
      #""op": "conv", "input": "x", "weight": "w", "stride": [2, 2, 2]"#,
      "stride has 3 values but the input has 2 spatial dimensions"
    ),
    (
      #""op": "conv_transpose", "input": "x", "weight": "k", "stride": 2, "output_padding": 2"#,
      "output_padding 2 must be smaller than max(stride 2, dilation 1) = 2 (H)"
    ),
    (
      #""op": "conv_transpose", "input": "x", "weight": "wf", "padding": "valid""#,
      "padding \"valid\" is not accepted for conv_transpose"
    ),
    (
      #""op": "conv_transpose", "input": "x", "weight": "k", "stride": 2, "output_size": [20, 16]"#,
      "output_size 20 is not reachable: sizes 17 to 18 are (H)"
    ),
    (
      #""op": "crop", "input": "x", "crops": [[4, 4], [0, 0]]"#,
      "crops [4, 4] leave 8 - 4 - 4 = 0 cells; at least 1 must remain (H)"
    ),
    (#""op": "conv", "input": "x", "weight": "w", "groups": 2"#, "groups"),
    (#""op": "pad", "input": "x", "pads": 8, "mode": "reflect""#, "reflect"),
    (#""op": "permute", "input": "x", "axes": [0, 1, 2]"#, "axes"),
  ]

  @Test("shape errors name their stage", arguments: shapeErrors)
  func shapeError(_ stage: String, _ fragment: String) throws {
    let error = #expect(throws: JobProblems.self) {
      try Self.prepare([#"{"id": "bad", "# + stage + "}", #"{"id": "after", "op": "flip", "input": "bad"}"#])
    }
    let problems = try #require(error?.problems)
    #expect(!problems.isEmpty)
    for problem in problems {
      #expect(problem.description.hasPrefix(#"job.json: stages[0] (id "bad"): "#))
      #expect(!problem.isDataError)
    }
    #expect(problems.contains { $0.message.contains(fragment) }, "\(problems.map(\.message))")
  }

  @Test("conv_transpose \"same\" with output_padding or output_size is refused")
  func sameWithOutputPadding() throws {
    for extra in [#""output_padding": 1"#, #""output_size": [16, 16]"#] {
      #expect(throws: JobProblems.self, "\(extra)") {
        try Self.prepare([
          #"{"id": "t", "op": "conv_transpose", "input": "x", "weight": "k", "stride": 2, "padding": "same", "# + extra
            + "}"
        ])
      }
    }
  }

  static let bigInputs = #""x": {"random": {"shape": [1, 1, 100, 100]}}, "w": {"random": {"shape": [1, 1, 3, 3]}}"#

  @Test("memory estimate: inputs stay, results live until their last reader")
  func memoryEstimate() throws {
    let single = try #require(
      try Self.prepare([#"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#], inputs: Self.bigInputs).plans.first
    )
    #expect(single.peakBytes == 80_000 + 72 + 76_832)
    #expect(single.peakStage == "c")
    #expect(single.largestTensor?.name == "x")
    let chain = try #require(
      try Self.prepare(
        [
          #"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#,
          #"{"id": "d", "op": "flip", "input": "c"}"#,
          #"{"id": "e", "op": "flip", "input": "d"}"#,
        ], inputs: Self.bigInputs
      ).plans.first)
    #expect(chain.peakBytes == 80_072 + 2 * 76_832)
    #expect(chain.peakStage == "d")
  }

  @Test("a job above maxMemory is refused, naming the largest tensor")
  func memoryRefusal() throws {
    let error = #expect(throws: JobProblems.self) {
      try Self.prepare(
        [#"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#], inputs: Self.bigInputs, maxMemory: 100_000)
    }
    #expect(
      error?.problems.map(\.description) == [
        #"job.json: stages[0] (id "c"): needs about 153.2 KiB at once (largest tensor "x" 1x1x100x100 float64, 78.1 KiB), more than --max-memory 97.7 KiB"#
      ])
    let inputsOnly = #expect(throws: JobProblems.self) { try Self.prepare([], inputs: Self.bigInputs, maxMemory: 1000) }
    #expect(inputsOnly?.problems.first?.location == "inputs")
    _ = try Self.prepare(
      [#"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#], inputs: Self.bigInputs, maxMemory: 156_904)
  }

  @Test("a matrix check above max_elements is refused; workspace counted below it")
  func matrixCheck() throws {
    let small = #""x": {"random": {"shape": [1, 1, 8, 8]}}, "w": {"random": {"shape": [1, 1, 3, 3]}}"#
    let conv = #"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#
    let error = #expect(throws: JobProblems.self) {
      try Self.prepare(
        [conv, #"{"id": "m", "op": "verify", "check": "matrix", "of": "c", "max_elements": 1000}"#], inputs: small)
    }
    #expect(
      error?.problems.map(\.description) == [
        #"job.json: stages[1] (id "m"): the unrolled matrix of "c" would be 36 x 64 = 2304 elements, above max_elements 1000; raise max_elements or check a smaller input"#
      ])
    let plan = try #require(
      try Self.prepare(
        [
          conv,
          #"{"id": "m", "op": "verify", "check": "matrix", "of": "c", "max_elements": 2304}"#,
          #"{"id": "a", "op": "verify", "check": "adjoint", "of": "c"}"#,
        ], inputs: small
      ).plans.first)
    #expect(plan.stage("m")?.workspaceBytes == 4 * (512 + 288) + 2304 * 8)
    #expect(plan.stage("a")?.workspaceBytes == 4 * (512 + 288))
    #expect(plan.peakStage == "m")
    #expect(plan.peakBytes == 512 + 72 + 288 + 4 * 800 + 2304 * 8)
  }

  @Test("PlanDescription shows inputs, stages with arithmetic, checks and memory")
  func render() throws {
    let prepared = try Self.prepare(
      [
        #"{"id": "c", "op": "conv", "input": "x", "weight": "wf", "stride": 2, "padding": "same"}"#,
        #"{"id": "p", "op": "pad", "input": "x", "pads": [[1, 2], [0, 0]]}"#,
        #"{"id": "q", "op": "permute", "input": "w", "axes": [1, 0, 2, 3]}"#,
        #"{"id": "v", "op": "verify", "check": "adjoint", "of": "c", "expect": "fail"}"#,
      ], maxMemory: 1 << 20)
    let text = PlanDescription.render(prepared, maxMemory: 1 << 20)
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.first == #"job "t" (job.json): 1 item "main""#)
    for expected in [
      "inputs",
      "  x     random normal seed 0 1x1x8x8 -> 1x1x8x8 float32",
      "  b     values 2 -> 2 float64",
      "stages",
      "  c     conv(input x 1x1x8x8, weight wf 2x1x3x3) -> 1x2x4x4 float32",
      "H: same: out = ceil(8 / 2) = 4, total padding max((4-1)*2 + 1*(3-1) + 1 - 8, 0) = 1 -> [0, 1]; floor((8 + 0 + 1 - 1*(3-1) - 1) / 2) + 1 = 4",
      "  p     pad(input x 1x1x8x8) -> 1x1x11x8 float32",
      "H: 8 + 1 + 2 = 11",
      "W: 8 + 0 + 0 = 8",
      "axes [1, 0, 2, 3]: 2x1x3x3 -> 1x2x3x3",
      "  v     verify adjoint(of c 1x2x4x4, expect fail)",
    ] {
      #expect(
        lines.contains {
          $0 == expected || ($0.hasSuffix(expected) && $0.trimmingCharacters(in: .whitespaces) == expected)
        }, "missing line: \(expected)\n\(text)")
    }
    #expect(lines.last?.hasPrefix("memory: about ") == true)
    #expect(lines.last?.hasSuffix("per item at once (peak at stage v); limit 1.0 MiB") == true)
  }

  @Test("a values input with a layout loads permuted to [N, C, spatial...]")
  func layoutLoad() throws {
    // v[h][w][c] = 100h + 10w + c, stored HWC, shape 2x2x3.
    let values = (0..<2).map { h in (0..<2).map { w in (0..<3).map { c in 100 * h + 10 * w + c } } }
    let text = jobText(inputs: #""v": {"values": \#(values), "layout": "HWC"}"#, stages: [])
    let prepared = try PreparedJob.prepare(job: try decodeJob(text), maxMemory: 1 << 20)
    #expect(prepared.catalog.shared["v"] == TensorInfo(shape: [1, 3, 2, 2], dtype: .float64))
    let input = try #require(prepared.job.input(named: "v"))
    let tensor = try prepared.catalog.load(input, source: nil)
    #expect(tensor.shape == [1, 3, 2, 2])
    #expect(tensor.doubles == [0, 10, 100, 110, 1, 11, 101, 111, 2, 12, 102, 112])
  }

  @Test("a layout that does not fit the values is refused before running")
  func layoutMismatch() {
    let text = jobText(inputs: #""v": {"values": [[1, 2], [3, 4]], "layout": "CHW"}"#, stages: [])
    let error = #expect(throws: JobProblems.self) {
      try PreparedJob.prepare(job: try decodeJob(text), maxMemory: 1 << 20)
    }
    #expect(
      error?.problems.map(\.description) == [
        #"job.json: inputs.v: layout "CHW" names 3 axes but the data has 2 (shape 2x2)"#
      ])
  }
}
