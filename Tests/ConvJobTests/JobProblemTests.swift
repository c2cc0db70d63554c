import ConvJob
import Testing

@Suite("JobDecoder: every problem reported, with its place")
struct JobProblemTests {
  static let inputs = """
    "x": {"random": {"shape": [1, 1, 8, 8]}}, "w": {"random": {"shape": [1, 1, 3, 3]}}
    """

  struct ProblemCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    /// Each must appear in one problem's description, in this order of problems.
    let expected: [String]
    var testDescription: String { name }
  }

  static func stages(_ stages: String...) -> String { jobText(inputs: inputs, stages: stages) }

  static let cases: [ProblemCase] = [
    .init(
      name: "unknown stage key with a hint",
      text: stages(#"{"id": "c", "op": "conv", "input": "x", "weight": "w", "strdie": 2}"#),
      expected: [#"job.json: stages[0] (id "c"): unknown key "strdie" (did you mean "stride"?) (line "#]),
    .init(
      name: "unknown top-level key with a hint",
      text: jobText(inputs: inputs, stages: [], extra: #""ouputs": {"path": "o.h5"}"#),
      expected: [#"job.json: unknown key "ouputs" (did you mean "outputs"?) (line "#]),
    .init(
      name: "unknown input key without a hint",
      text: jobText(inputs: #""x": {"random": {"shape": [1, 1, 4]}, "colour": "red"}"#, stages: []),
      expected: [#"job.json: inputs.x: unknown key "colour" (line "#]),
    .init(
      name: "unknown key inside random",
      text: jobText(inputs: #""x": {"random": {"shape": [1, 1, 4], "sed": 3}}"#, stages: []),
      expected: [#"job.json: inputs.x.random: unknown key "sed" (did you mean "seed"?) (line "#]),
    .init(
      name: "layout on a png input is unknown",
      text: jobText(inputs: #""x": {"png": "a.png", "layout": "HW"}"#, stages: []),
      expected: [#"inputs.x: unknown key "layout" (line "#]),
    .init(
      name: "wrong parameter types, all reported",
      text: stages(
        #"{"id": "c", "op": "conv", "input": "x", "weight": "w", "stride": "2", "groups": 1.5, "padding": true}"#),
      expected: [
        #"stages[0] (id "c"): stride: expected an integer or a list of integers (one per spatial dimension), got "2" (line "#,
        #"stages[0] (id "c"): padding: expected an integer, one integer per spatial dimension, one [begin, end] pair per spatial dimension, "valid", "same"; got true (line "#,
        #"stages[0] (id "c"): groups: expected an integer, got 1.5 (line "#,
      ]),
    .init(
      name: "wrong top-level types",
      text: #"{"convpipe": "1", "name": 3, "inputs": [], "stages": {}}"#,
      expected: [
        #"job.json: convpipe: format version "1" is not supported; this convpipe reads version 1 (line 1, column 14)"#,
        "job.json: name: expected a string, got a number (line 1, column 27)",
        "job.json: inputs: expected an object of named inputs, got an array (line 1, column 40)",
        "job.json: stages: expected a list of stages, got an object (line 1, column 54)",
      ]),
    .init(
      name: "unsupported version", text: #"{"convpipe": 2, "inputs": {}, "stages": []}"#,
      expected: [
        "job.json: convpipe: format version 2 is not supported; this convpipe reads version 1 (line 1, column 14)"
      ]),
    .init(
      name: "not an object", text: "[1]",
      expected: ["job.json: expected a JSON object at the top level, got an array (line 1, column 1)"]),
    .init(
      name: "missing required keys", text: "{}",
      expected: [
        #"job.json: missing required key "convpipe" (the format version, 1) (line 1, column 1)"#,
        #"job.json: missing required key "inputs" (an object of named inputs) (line 1, column 1)"#,
        #"job.json: missing required key "stages" (a list of stages) (line 1, column 1)"#,
      ]),
    .init(
      name: "invalid JSON", text: "{\"convpipe\" 1}",
      expected: [#"job.json: invalid JSON: expected ':' after key "convpipe" (line 1, column 13)"#]),
    .init(
      name: "invalid names",
      text: jobText(
        inputs: #""1x": {"values": [1]}, "x": {"values": [1]}"#,
        stages: [
          #"{"id": "a b", "op": "flip", "input": "x"}"#, #"{"id": "é", "op": "flip", "input": "x"}"#,
          #"{"id": "_ok.v-1", "op": "flip", "input": "x"}"#,
        ]),
      expected: [
        #"stages[0] (id "a b"): id: "a b" is not a valid name (letters, digits, _ . -; not starting with a digit, . or -)"#,
        #"stages[1] (id "é"): id: "é" is not a valid name"#,
        #"job.json: inputs.1x: "1x" is not a valid name (letters, digits, _ . -; not starting with a digit, . or -)"#,
      ]),
    .init(
      name: "duplicate ids",
      text: stages(
        #"{"id": "x", "op": "flip", "input": "w"}"#, #"{"id": "f", "op": "flip", "input": "w"}"#,
        #"{"id": "f", "op": "flip", "input": "x"}"#),
      expected: [
        #"job.json: stages[0] (id "x"): id "x" is already used by inputs.x"#,
        #"job.json: stages[2] (id "f"): id "f" is already used by stages[1] (id "f")"#,
      ]),
    .init(
      name: "missing references with and without suggestions",
      text: stages(#"{"id": "c", "op": "conv", "input": "xx", "weight": "kernel"}"#),
      expected: [
        #"job.json: stages[0] (id "c"): input: no input or stage is named "xx" (did you mean "x"?)"#,
        #"job.json: stages[0] (id "c"): weight: no input or stage is named "kernel""#,
      ]),
    .init(
      name: "missing role",
      text: stages(#"{"id": "c", "op": "conv", "input": "x"}"#),
      expected: [#"job.json: stages[0] (id "c"): missing required key "weight" (a string) (line "#]),
    .init(
      name: "verify of a non-conv stage or an input",
      text: stages(
        #"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#,
        #"{"id": "p", "op": "pad", "input": "x", "pads": 1}"#,
        #"{"id": "v1", "op": "verify", "check": "adjoint", "of": "p"}"#,
        #"{"id": "v2", "op": "verify", "check": "direct", "of": "c"}"#,
        #"{"id": "v3", "op": "verify", "check": "matrix", "of": "x"}"#,
        #"{"id": "v4", "op": "verify", "check": "gradient", "of": "pp"}"#),
      expected: [
        #"job.json: stages[2] (id "v1"): of: check adjoint needs a conv or conv_transpose stage, "p" is a pad stage"#,
        #"job.json: stages[3] (id "v2"): of: check direct needs a conv_transpose stage, "c" is a conv stage"#,
        #"job.json: stages[4] (id "v3"): of: check matrix needs a conv or conv_transpose stage, "x" is an input"#,
        #"job.json: stages[5] (id "v4"): of: no input or stage is named "pp" (did you mean "p"?)"#,
      ]),
    .init(
      name: "two per-item inputs",
      text: jobText(
        inputs:
          #""a": {"hdf5": "data/*.h5", "dataset": "/x"}, "b": {"png": "img/*.png"}, "c": {"hdf5": "s.h5", "dataset": "/s", "split": true}"#,
        stages: []),
      expected: ["job.json: inputs: at most one input may be per-item (a glob or split), found a, b, c"]),
    .init(
      name: "outputs naming unknown tensors",
      text: jobText(
        inputs: inputs, stages: [#"{"id": "y", "op": "flip", "input": "x"}"#],
        extra: #""outputs": {"tensors": ["yy", "x"]}"#),
      expected: [#"job.json: outputs: tensors: no input or stage is named "yy" (did you mean "y"?)"#]),
    .init(
      name: "outputs.tensors of the wrong type",
      text: jobText(inputs: inputs, stages: [], extra: #""outputs": {"tensors": 3, "path": 4}"#),
      expected: [
        "job.json: outputs: path: expected a string, got a number (line ",
        "job.json: outputs: tensors: expected \"all\" or a list of names, got 3 (line ",
      ]),
    .init(
      name: "two sources", text: jobText(inputs: #""x": {"values": [1], "random": {"shape": [1, 1, 1]}}"#, stages: []),
      expected: [#"inputs.x: source: an input takes exactly one source, found "values" and "random""#]),
    .init(
      name: "no source", text: jobText(inputs: #""x": {"dataset": "/x"}"#, stages: []),
      expected: [
        #"inputs.x: source: an input needs exactly one of "hdf5", "png", "values", "random""#,
        #"inputs.x: unknown key "dataset""#,
      ]),
    .init(
      name: "hdf5 without dataset", text: jobText(inputs: #""x": {"hdf5": "x.h5"}"#, stages: []),
      expected: [#"inputs.x: missing required key "dataset" (a string)"#]),
    .init(
      name: "bad layout, channels and dtype",
      text: jobText(
        inputs: #""x": {"values": [1], "layout": "XY", "dtype": "int8"}, "p": {"png": "a.png", "channels": "grey"}"#,
        stages: []),
      expected: [
        #"inputs.x: layout: layout "XY" has the letter 'X'; use N, C, D, H, W (or L for a 1-d signal)"#,
        #"inputs.x: dtype: "int8" is not one of "float32", "float64""#,
        #"inputs.p: channels: "grey" is not one of "auto", "gray", "rgb", "rgba""#,
      ]),
    .init(
      name: "ragged values", text: jobText(inputs: #""x": {"values": [[1, 2], [3]]}"#, stages: []),
      expected: ["inputs.x: values: is not rectangular: expected 2 entries at depth 1 (shape 2x2), got [3]"]),
    .init(
      name: "non-numeric values", text: jobText(inputs: #""x": {"values": [[1, "a"]]}"#, stages: []),
      expected: [#"inputs.x: values: expected a number at depth 2, got "a""#]),
    .init(
      name: "empty values", text: jobText(inputs: #""x": {"values": []}"#, stages: []),
      expected: ["inputs.x: values: expected a non-empty nested list of numbers"]),
    .init(
      name: "bad random",
      text: jobText(inputs: #""x": {"random": {"shape": [4], "distribution": "gaussian", "seed": -1}}"#, stages: []),
      expected: [
        #"inputs.x.random: distribution: "gaussian" is not one of "normal", "uniform""#,
        "inputs.x.random: seed: must not be negative",
        "inputs.x.random: shape: must be [N, C, spatial...] with at least one spatial axis and every size at least 1, got [4]",
      ]),
    .init(
      name: "random without shape", text: jobText(inputs: #""x": {"random": {}}"#, stages: []),
      expected: [#"inputs.x.random: missing required key "shape" ([N, C, spatial...])"#]),
    .init(
      name: "pad value without constant, missing op parameters",
      text: stages(
        #"{"id": "p", "op": "pad", "input": "x", "pads": 1, "value": 3}"#, #"{"id": "c", "op": "crop", "input": "x"}"#,
        #"{"id": "s", "op": "stride", "input": "x"}"#, #"{"id": "q", "op": "permute", "input": "x", "axes": "01"}"#),
      expected: [
        #"stages[0] (id "p"): value: is only used with mode "constant""#,
        #"stages[1] (id "c"): missing required key "crops" (a parameter of this op)"#,
        #"stages[2] (id "s"): missing required key "stride" (a parameter of this op)"#,
        #"stages[3] (id "q"): axes: expected a list of integers, got "01""#,
      ]),
    .init(
      name: "bad check settings",
      text: stages(
        #"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#,
        #"{"id": "a", "op": "verify", "check": "allclose", "actual": "c", "expected": "x", "rtol": -1, "expect": "maybe"}"#,
        #"{"id": "g", "op": "verify", "check": "gradient", "of": "c", "eps": 0, "samples": 0, "seed": -2}"#,
        #"{"id": "m", "op": "verify", "check": "matrix", "of": "c", "max_elements": 0, "rtol": 1e-3}"#),
      expected: [
        #"stages[1] (id "a"): expect: "maybe" is not one of "pass", "fail""#,
        #"stages[1] (id "a"): rtol: must not be negative"#,
        #"stages[2] (id "g"): seed: must not be negative"#,
        #"stages[2] (id "g"): eps: must be positive"#,
        #"stages[2] (id "g"): samples: must be at least 1"#,
        #"stages[3] (id "m"): max_elements: must be at least 1"#,
        #"stages[3] (id "m"): unknown key "rtol""#,
      ]),
    .init(
      name: "missing id and op",
      text: stages("{}"),
      expected: [
        #"stages[0]: missing required key "id" (a string)"#,
        #"stages[0]: missing required key "op" (one of conv, conv_transpose, pad, crop, stride, unstride, output_padding, flip, permute, verify, or a framework API such as tf.nn.conv2d_transpose)"#,
      ]),
    .init(
      name: "stage not an object", text: stages("3"),
      expected: ["job.json: stages[0]: expected an object, got a number (line "]),
  ]

  @Test("problem table", arguments: cases)
  func problem(_ testCase: ProblemCase) {
    let found = problems(testCase.text).map(\.description)
    #expect(found.count == testCase.expected.count, "\(found.joined(separator: "\n"))")
    for (fragment, description) in zip(testCase.expected, found) {
      #expect(description.contains(fragment), "\(description)\n  should contain\n\(fragment)")
    }
    #expect(problems(testCase.text).allSatisfy { !$0.isDataError })
  }

  @Test("several problems in one job are reported together")
  func severalProblems() {
    let text = jobText(
      inputs: #""x": {"random": {"shape": [1, 1, 8, 8]}, "dtyp": "float32"}, "2w": {"values": [1]}"#,
      stages: [
        #"{"id": "c", "op": "conv", "input": "x", "weight": "ww"}"#,
        #"{"id": "c", "op": "flip", "input": "x"}"#,
        #"{"id": "t", "op": "conv_transpose", "input": "c", "weight": "x", "output_pading": 1}"#,
        #"{"id": "v", "op": "verify", "check": "adjoint", "of": "x"}"#,
      ],
      extra: #""outputs": {"tensors": ["z"]}, "extra": 1"#)
    let found = problems(text)
    #expect(found.count == 8, "\(found.map(\.description).joined(separator: "\n"))")
    #expect(
      Set(found.map(\.location)) == [
        "", "inputs.x", "inputs.2w", #"stages[0] (id "c")"#, #"stages[1] (id "c")"#, #"stages[2] (id "t")"#,
        #"stages[3] (id "v")"#, "outputs",
      ])
  }

  @Test("description is `file: location: message (line L, column C)`")
  func descriptionFormat() throws {
    let text = """
      {"convpipe": 1,
       "inputs": {"x": {"random": {"shape": [1, 1, 8, 8]}},
                  "w": {"random": {"shape": [1, 1, 3, 3]}}},
       "stages": [
         {"id": "c", "op": "conv", "input": "x", "weight": "ww",
          "strdie": 2}
       ]}
      """
    let error = #expect(throws: JobProblems.self) { try decodeJob(text) }
    let problems = try #require(error?.problems)
    #expect(
      problems.map(\.description) == [
        #"job.json: stages[0] (id "c"): unknown key "strdie" (did you mean "stride"?) (line 6, column 5)"#,
        #"job.json: stages[0] (id "c"): weight: no input or stage is named "ww" (did you mean "w"?) (line 5, column 54)"#,
      ])
    #expect(problems[0].line == 6 && problems[0].column == 5, "an unknown key is placed at the key, not its value")
    #expect(problems[0].file == "job.json" && problems[0].location == #"stages[0] (id "c")"#)
    #expect(problems[0].message == #"unknown key "strdie" (did you mean "stride"?)"#)
    #expect(problems[1].line == 5 && problems[1].column == 54, "the name's place, as for every key")
    #expect(error?.description == problems.map(\.description).joined(separator: "\n"))
    #expect(error?.isDataError == false)
  }

  @Test("JobProblem description without location or position")
  func bareDescription() {
    #expect(JobProblem(file: "j.json", location: "", message: "m").description == "j.json: m")
    #expect(
      JobProblem(file: "j.json", location: "inputs.x", message: "m", line: 2, column: 3).description
        == "j.json: inputs.x: m (line 2, column 3)")
    let data = JobProblems([JobProblem(file: "j", location: "inputs.x", message: "m", isDataError: true)])
    #expect(data.isDataError)
    #expect(!JobProblems([]).isDataError)
    #expect(!JobProblems([data.problems[0], JobProblem(file: "j", location: "", message: "m")]).isDataError)
  }

  @Test("a mistyped op or check reports only that, not its valid keys as unknown")
  func mistypedOp() {
    let op = problems(Self.stages(#"{"id": "c", "op": "convolve", "input": "x", "weight": "w", "stride": 2}"#)).map(
      \.description)
    let check = problems(Self.stages(#"{"id": "v", "op": "verify", "check": "close", "actual": "x", "expected": "w"}"#))
      .map(\.description)
    let noOp = problems(Self.stages(#"{"id": "f", "input": "x"}"#)).map(\.description)
    #expect(noOp.first?.contains(#"stages[0] (id "f"): missing required key "op""#) == true)
    #expect(op.first?.contains(#"op: "convolve" is not one of "conv", "conv_transpose""#) == true)
    #expect(check.first?.contains(#"check: "close" is not one of "allclose", "shape""#) == true)
    #expect(op.count == 1, "\(op.joined(separator: "\n"))")
    #expect(check.count == 1, "\(check.joined(separator: "\n"))")
    #expect(noOp.count == 1, "\(noOp.joined(separator: "\n"))")
  }
}
