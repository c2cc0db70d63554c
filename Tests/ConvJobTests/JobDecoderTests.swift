import ConvChecks
import ConvCore
import ConvJob
import Foundation
import PNGIO
import TestSupport
import Testing

@Suite("JobDecoder: valid jobs decode to the right definitions")
struct JobDecoderTests {
  static let completeJob = """
    {
      "convpipe": 1,
      "name": "everything",
      "description": "every source and every op",
      "inputs": {
        "vol": {"hdf5": "../data/./volumes.h5", "dataset": "/v", "layout": "NDHWC", "split": true},
        "img": {"png": "images/cat.png", "channels": "gray", "scale": "raw"},
        "x": {"values": [[1, 2, 3], [4, 5, 6]], "layout": "HW", "dtype": "float32"},
        "w": {"random": {"shape": [2, 1, 3, 3], "distribution": "uniform", "seed": 7}},
        "b": {"values": [0.5, -0.5]}
      },
      "stages": [
        {"id": "check", "op": "verify", "check": "adjoint", "of": "y"},
        {"id": "y", "op": "conv", "input": "x", "weight": "w", "bias": "b", "padding": "same"},
        {"id": "back", "op": "conv_transpose", "input": "y", "weight": "w", "stride": 1, "dtype": "float64"},
        {"id": "same_shape", "op": "verify", "check": "shape", "actual": "back", "expected": "x", "expect": "pass"}
      ],
      "outputs": {"path": "out/everything.h5", "tensors": ["x", "y", "back"]}
    }
    """

  @Test("a complete job")
  func completeJob() throws {
    let job = try decodeJob(Self.completeJob)
    #expect(job.file == "job.json")
    #expect(job.name == "everything")
    #expect(job.description == "every source and every op")
    #expect(job.inputs.map(\.name) == ["vol", "img", "x", "w", "b"])
    #expect(job.stages.map(\.id) == ["check", "y", "back", "same_shape"])
    #expect(job.stages.map(\.index) == [0, 1, 2, 3])
    #expect(job.stages.map(\.op) == [.verify, .conv, .conv_transpose, .verify])
    #expect(job.perItemInput?.name == "vol")
    #expect(job.input(named: "vol")?.source == .hdf5(path: "/jobs/data/volumes.h5", dataset: "/v", split: true))
    #expect(job.input(named: "vol")?.layout?.description == "NDHWC")
    #expect(job.input(named: "img")?.source == .png(path: "/jobs/sub/images/cat.png", channels: .gray, scale: .raw))
    #expect(job.input(named: "img")?.isPerItem == false)
    #expect(job.stage(id: "y")?.references.map(\.name) == ["x", "w", "b"])
    #expect(job.stage(id: "back")?.dtype == .float64)
    #expect(job.stage(id: "y")?.dtype == nil)
    #expect(job.stage(id: "y")?.location == "stages[1] (id \"y\")")
    #expect(job.stage(id: "y")?.json["padding"]?.stringValue == "same")
    #expect(job.outputs.path == "/jobs/sub/out/everything.h5")
    #expect(job.outputs.tensors == .named(["x", "y", "back"]))
    #expect(job.keeps("x") && job.keeps("back") && !job.keeps("w"))
    #expect(job.sha256 == SHA256.hex(Data(Self.completeJob.utf8)))
    #expect(
      job.input(named: "x")?.json.jsonText == #"{"values": [[1, 2, 3], [4, 5, 6]], "layout": "HW", "dtype": "float32"}"#
    )
  }

  // MARK: - Inputs

  struct InputCase: Sendable, CustomTestStringConvertible {
    let json: String
    let source: InputSource
    var layout: String? = nil
    var dtype: DType? = nil
    var perItem = false
    var testDescription: String { json }
  }

  static let inputCases: [InputCase] = [
    .init(
      json: #"{"hdf5": "data/w.h5", "dataset": "/k"}"#,
      source: .hdf5(path: "/jobs/sub/data/w.h5", dataset: "/k", split: false)),
    .init(
      json: #"{"hdf5": "../shared/./x.h5", "dataset": "/x", "layout": "NHWC", "split": true}"#,
      source: .hdf5(path: "/jobs/shared/x.h5", dataset: "/x", split: true), layout: "NHWC", perItem: true),
    .init(
      json: #"{"hdf5": "runs/*/out.h5", "dataset": "/y", "split": false}"#,
      source: .hdf5(path: "/jobs/sub/runs/*/out.h5", dataset: "/y", split: false), perItem: true),
    .init(
      json: #"{"png": "images/**/*.png", "channels": "rgb", "scale": "raw"}"#,
      source: .png(path: "/jobs/sub/images/**/*.png", channels: .rgb, scale: .raw), perItem: true),
    .init(json: #"{"png": "/abs/cat.png"}"#, source: .png(path: "/abs/cat.png", channels: .auto, scale: .unit)),
    .init(
      json: #"{"png": "img[0-9].png", "channels": "rgba"}"#,
      source: .png(path: "/jobs/sub/img[0-9].png", channels: .rgba, scale: .unit), perItem: true),
    .init(
      json: #"{"values": [[1, 2, 3], [4, 5, 6]], "layout": "HW", "dtype": "float32"}"#,
      source: .values(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), layout: "HW", dtype: .float32),
    .init(json: #"{"values": [1.5, -2e0]}"#, source: .values(shape: [2], values: [1.5, -2]), dtype: .float64),
    .init(json: #"{"values": [[[[7]]]]}"#, source: .values(shape: [1, 1, 1, 1], values: [7]), dtype: .float64),
    .init(
      json: #"{"random": {"shape": [1, 2, 5], "distribution": "uniform", "seed": 42}, "dtype": "float32"}"#,
      source: .random(shape: [1, 2, 5], distribution: .uniform, seed: 42), dtype: .float32),
    .init(
      json: #"{"random": {"shape": [2, 1, 3, 3]}}"#,
      source: .random(shape: [2, 1, 3, 3], distribution: .normal, seed: 0), dtype: .float64),
  ]

  @Test("every input source", arguments: inputCases)
  func input(_ testCase: InputCase) throws {
    let job = try decodeJob(jobText(inputs: #""i": "# + testCase.json, stages: []))
    let input = try #require(job.input(named: "i"))
    #expect(input.source == testCase.source)
    #expect(input.layout?.description == testCase.layout)
    #expect(input.dtype == testCase.dtype)
    #expect(input.isPerItem == testCase.perItem)
    #expect(input.location == "inputs.i")
  }

  static let resolvedPaths: [(String, String, String)] = [
    ("w.h5", "/jobs/sub", "/jobs/sub/w.h5"),
    ("../data/./w.h5", "/jobs/sub", "/jobs/data/w.h5"),
    ("/abs/../x/w.h5", "/jobs/sub", "/x/w.h5"),
    ("/../w.h5", "/jobs/sub", "/w.h5"),
    ("./x//y.h5", "/d/", "/d/x/y.h5"),
    ("a/../../b.h5", "jobs", "b.h5"),
    ("../../w.h5", "jobs", "../w.h5"),
    ("w.h5", ".", "w.h5"),
    ("../w.h5", ".", "../w.h5"),
  ]

  @Test("relative paths resolve against the job's directory with . and .. folded", arguments: resolvedPaths)
  func resolvedPath(_ path: String, _ directory: String, _ expected: String) throws {
    let text = jobText(
      inputs: #""i": {"hdf5": "\#(path)", "dataset": "/d"}"#, stages: [], extra: #""outputs": {"path": "\#(path)"}"#)
    let job = try decodeJob(text, directory: directory)
    #expect(job.input(named: "i")?.source == .hdf5(path: expected, dataset: "/d", split: false))
    #expect(job.outputs.path == expected)
  }

  // MARK: - Stages

  static let baseInputs = """
    "x": {"random": {"shape": [1, 1, 8, 8]}}, "w": {"random": {"shape": [1, 1, 3, 3]}}, "b": {"values": [0.5]}
    """
  static let baseStages = [
    #"{"id": "c", "op": "conv", "input": "x", "weight": "w"}"#,
    #"{"id": "t", "op": "conv_transpose", "input": "c", "weight": "w"}"#,
  ]

  struct StageCase: Sendable, CustomTestStringConvertible {
    let json: String
    let kind: StageKind
    let references: [String]
    var dtype: DType? = nil
    var testDescription: String { json }
  }

  static let stageCases: [StageCase] = [
    .init(
      json: #""op": "conv", "input": "x", "weight": "w""#, kind: .operation(.conv(ConvParameters())),
      references: ["input=x", "weight=w"]),
    .init(
      json:
        #""op": "conv", "input": "x", "weight": "w", "bias": "b", "stride": 2, "padding": "same", "dilation": [1, 2], "groups": 1, "padding_mode": "reflect", "dtype": "float32""#,
      kind: .operation(
        .conv(
          ConvParameters(
            stride: .uniform(2), padding: .same, dilation: .perDimension([1, 2]), groups: 1, paddingMode: .reflect))),
      references: ["input=x", "weight=w", "bias=b"], dtype: .float32),
    .init(
      json: #""op": "conv", "input": "x", "weight": "w", "padding": "valid", "padding_mode": "replicate""#,
      kind: .operation(.conv(ConvParameters(padding: .valid, paddingMode: .replicate))),
      references: ["input=x", "weight=w"]),
    .init(
      json: #""op": "conv", "input": "x", "weight": "w", "padding": [[1, 2], [0, 1]], "padding_mode": "circular""#,
      kind: .operation(.conv(ConvParameters(padding: .pairs([PadPair(1, 2), PadPair(0, 1)]), paddingMode: .circular))),
      references: ["input=x", "weight=w"]),
    .init(
      json:
        #""op": "conv", "input": "x", "weight": "w", "padding": [1, 2], "stride": [2, 1], "groups": 1, "dtype": "float64""#,
      kind: .operation(.conv(ConvParameters(stride: .perDimension([2, 1]), padding: .perDimension([1, 2])))),
      references: ["input=x", "weight=w"], dtype: .float64),
    .init(
      json:
        #""op": "conv_transpose", "input": "x", "weight": "w", "bias": "b", "stride": [2, 3], "padding": 1, "output_padding": [1, 0], "dilation": 2, "groups": 1"#,
      kind: .operation(
        .convTranspose(
          ConvTransposeParameters(
            stride: .perDimension([2, 3]), padding: .uniform(1), outputPadding: .perDimension([1, 0]),
            dilation: .uniform(2)))),
      references: ["input=x", "weight=w", "bias=b"]),
    .init(
      json: #""op": "conv_transpose", "input": "x", "weight": "w", "stride": 2, "output_size": [16, 16]"#,
      kind: .operation(.convTranspose(ConvTransposeParameters(stride: .uniform(2), outputSize: [16, 16]))),
      references: ["input=x", "weight=w"]),
    .init(
      json: #""op": "conv_transpose", "input": "x", "weight": "w", "output_size": 16"#,
      kind: .operation(.convTranspose(ConvTransposeParameters(outputSize: [16]))), references: ["input=x", "weight=w"]),
    .init(
      json: #""op": "conv_transpose", "input": "x", "weight": "w", "padding": "same""#,
      kind: .operation(.convTranspose(ConvTransposeParameters(padding: .same))), references: ["input=x", "weight=w"]),
    .init(
      json: #""op": "conv_transpose", "input": "x", "weight": "w", "padding": [[0, 1], [1, 0]]"#,
      kind: .operation(.convTranspose(ConvTransposeParameters(padding: .pairs([PadPair(0, 1), PadPair(1, 0)])))),
      references: ["input=x", "weight=w"]),
    .init(
      json: #""op": "pad", "input": "x", "pads": 1, "mode": "reflect""#,
      kind: .operation(.remap(.pad(pads: .uniform(1), mode: .reflect, value: 0))), references: ["input=x"]),
    .init(
      json: #""op": "pad", "input": "x", "pads": [[1, 0], [2, 3]], "mode": "constant", "value": 2.5"#,
      kind: .operation(.remap(.pad(pads: .pairs([PadPair(1, 0), PadPair(2, 3)]), mode: .constant, value: 2.5))),
      references: ["input=x"]),
    .init(
      json: #""op": "pad", "input": "x", "pads": [1, 2]"#,
      kind: .operation(.remap(.pad(pads: .perDimension([1, 2]), mode: .zeros, value: 0))), references: ["input=x"]),
    .init(
      json: #""op": "pad", "input": "x", "pads": 2, "mode": "circular""#,
      kind: .operation(.remap(.pad(pads: .uniform(2), mode: .circular, value: 0))), references: ["input=x"]),
    .init(
      json: #""op": "pad", "input": "x", "pads": 1, "mode": "replicate""#,
      kind: .operation(.remap(.pad(pads: .uniform(1), mode: .replicate, value: 0))), references: ["input=x"]),
    .init(
      json: #""op": "crop", "input": "x", "crops": [1, 2]"#, kind: .operation(.remap(.crop(.perDimension([1, 2])))),
      references: ["input=x"]),
    .init(
      json: #""op": "crop", "input": "x", "crops": [[1, 0], [0, 1]]"#,
      kind: .operation(.remap(.crop(.pairs([PadPair(1, 0), PadPair(0, 1)])))), references: ["input=x"]),
    .init(
      json: #""op": "stride", "input": "x", "stride": 2"#, kind: .operation(.remap(.stride(.uniform(2)))),
      references: ["input=x"]),
    .init(
      json: #""op": "unstride", "input": "x", "stride": [2, 1]"#,
      kind: .operation(.remap(.unstride(.perDimension([2, 1])))), references: ["input=x"]),
    .init(
      json: #""op": "output_padding", "input": "x", "amount": 1"#,
      kind: .operation(.remap(.outputPadding(.uniform(1)))), references: ["input=x"]),
    .init(json: #""op": "flip", "input": "w""#, kind: .operation(.remap(.flip)), references: ["input=w"]),
    .init(
      json: #""op": "permute", "input": "w", "axes": [1, 0, 2, 3], "description": "swap channels""#,
      kind: .operation(.permute(Permutation(axes: [1, 0, 2, 3]))), references: ["input=w"]),
  ]

  static func check(_ check: Check, expect: ConvJob.Expectation = .pass) -> StageKind {
    .verify(Verification(check, expect: expect))
  }

  static let verifyCases: [StageCase] = [
    .init(
      json: #""op": "verify", "check": "allclose", "actual": "t", "expected": "x""#,
      kind: check(.allclose(Allclose(rtol: 1e-5, atol: 1e-8))), references: ["actual=t", "expected=x"]),
    .init(
      json:
        #""op": "verify", "check": "allclose", "actual": "t", "expected": "x", "rtol": 1e-3, "atol": 0, "equal_nan": true, "expect": "fail""#,
      kind: check(.allclose(Allclose(rtol: 1e-3, atol: 0, equalNaN: true)), expect: .fail),
      references: ["actual=t", "expected=x"]),
    .init(
      json: #""op": "verify", "check": "shape", "actual": "t", "expected": "x""#,
      kind: check(.shape(ShapeComparison(allAxes: false))), references: ["actual=t", "expected=x"]),
    .init(
      json: #""op": "verify", "check": "shape", "actual": "t", "expected": "x", "axes": "all", "expect": "pass""#,
      kind: check(.shape(ShapeComparison(allAxes: true))), references: ["actual=t", "expected=x"]),
    .init(
      json: #""op": "verify", "check": "adjoint", "of": "c""#, kind: check(.adjoint(AdjointCheck(seed: 0, rtol: nil))),
      references: ["of=c"]),
    .init(
      json: #""op": "verify", "check": "adjoint", "of": "t", "seed": 3, "rtol": 1e-6, "expect": "fail""#,
      kind: check(.adjoint(AdjointCheck(seed: 3, rtol: 1e-6)), expect: .fail), references: ["of=t"]),
    .init(
      json: #""op": "verify", "check": "matrix", "of": "c""#,
      kind: check(.matrix(MatrixCheck(maxElements: 10_000_000), saveMatrix: false)), references: ["of=c"]),
    .init(
      json: #""op": "verify", "check": "matrix", "of": "t", "max_elements": 100, "save_matrix": true"#,
      kind: check(.matrix(MatrixCheck(maxElements: 100), saveMatrix: true)), references: ["of=t"]),
    .init(json: #""op": "verify", "check": "direct", "of": "t""#, kind: check(.direct), references: ["of=t"]),
    .init(
      json: #""op": "verify", "check": "gradient", "of": "c""#,
      kind: check(.gradient(GradientCheck(samples: 16, eps: nil, seed: 0))), references: ["of=c"]),
    .init(
      json: #""op": "verify", "check": "gradient", "of": "t", "samples": 4, "eps": 1e-4, "seed": 1"#,
      kind: check(.gradient(GradientCheck(samples: 4, eps: 1e-4, seed: 1))), references: ["of=t"]),
  ]

  @Test("every op with every parameter form", arguments: stageCases + verifyCases)
  func stage(_ testCase: StageCase) throws {
    let stages = Self.baseStages + [#"{"id": "s", "# + testCase.json + "}"]
    let job = try decodeJob(jobText(inputs: Self.baseInputs, stages: stages))
    let stage = try #require(job.stage(id: "s"))
    #expect(stage.kind == testCase.kind)
    #expect(stage.references.map { "\($0.role.rawValue)=\($0.name)" } == testCase.references)
    #expect(stage.dtype == testCase.dtype)
    #expect(stage.index == 2)
    #expect(stage.location == #"stages[2] (id "s")"#)
  }

  @Test("StageParameters.operation parses a stage without id or names")
  func stageParameters() throws {
    let operation = try StageParameters.operation(
      fromJSON: #"{"op": "conv_transpose", "stride": [2, 3], "output_padding": [1, 0]}"#, file: "case")
    #expect(
      operation
        == .convTranspose(
          ConvTransposeParameters(stride: .perDimension([2, 3]), outputPadding: .perDimension([1, 0]))))
    let error = #expect(throws: JobProblems.self) {
      try StageParameters.operation(fromJSON: #"{"op": "pad", "pads": 1, "modes": "reflect"}"#, file: "case")
    }
    #expect(error?.description == #"case: stage: unknown key "modes" (did you mean "mode"?) (line 1, column 26)"#)
  }

  @Test("integer parameters above 2^53 stay exact")
  func largeSeed() throws {
    let job = try decodeJob(
      jobText(inputs: #""r": {"random": {"shape": [1, 1, 2], "seed": 9007199254740993}}"#, stages: []))
    #expect(
      job.input(named: "r")?.source == .random(shape: [1, 1, 2], distribution: .normal, seed: 9_007_199_254_740_993))
  }

  // MARK: - Outputs

  static let outputCases: [(String, KeptTensors, String?)] = [
    ("", .all, nil),
    (#""outputs": {"tensors": "all"}"#, .all, nil),
    (#""outputs": {"path": "r.h5"}"#, .all, "/jobs/sub/r.h5"),
    (#""outputs": {"path": "/tmp/r.h5", "tensors": ["x", "c"]}"#, .named(["x", "c"]), "/tmp/r.h5"),
    (#""outputs": {"tensors": []}"#, .named([]), nil),
  ]

  @Test("outputs.tensors all or a list, and outputs.path", arguments: outputCases)
  func outputs(_ extra: String, _ tensors: KeptTensors, _ path: String?) throws {
    let job = try decodeJob(
      jobText(
        inputs: Self.baseInputs,
        stages: Self.baseStages + [#"{"id": "v", "op": "verify", "check": "adjoint", "of": "c"}"#], extra: extra))
    #expect(job.outputs.tensors == tensors)
    #expect(job.outputs.path == path)
    switch tensors {
    case .all:
      #expect(job.keeps("c") && job.keeps("t"))
      #expect(!job.keeps("x") && !job.keeps("v"))
    case .named(let names):
      for name in ["x", "w", "b", "c", "t", "v"] { #expect(job.keeps(name) == names.contains(name)) }
    }
  }

  @Test("the name defaults to the job file's name; the hash is of the text")
  func defaults() throws {
    let text = #"{"convpipe": 1, "inputs": {}, "stages": []}"#
    let job = try JobDecoder.decode(text: text, file: "pipelines/so-question.json", directory: "pipelines")
    #expect(job.name == "so-question")
    #expect(job.description == nil)
    #expect(job.sha256 == SHA256.hex(Data(text.utf8)))
    #expect(try JobDecoder.decode(text: text, file: "j.json", directory: ".", sha256: "abc").sha256 == "abc")
    #expect(job.perItemInput == nil)
  }

  @Test("load reads the file and hashes its bytes")
  func load() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-load")
    defer { try? FileManager.default.removeItem(at: directory) }
    let text = #"{"convpipe": 1, "inputs": {"x": {"hdf5": "x.h5", "dataset": "/x"}}, "stages": []}"#
    let path = directory.appendingPathComponent("my job.json").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    let job = try JobDecoder.load(path: path)
    #expect(job.name == "my job")
    #expect(job.sha256 == SHA256.hex(Data(text.utf8)))
    #expect(job.input(named: "x")?.source == .hdf5(path: directory.path + "/x.h5", dataset: "/x", split: false))
    let missing = #expect(throws: JobProblems.self) { try JobDecoder.load(path: directory.path + "/none.json") }
    #expect(missing?.description == directory.path + "/none.json: cannot read the job file: No such file or directory")
  }
}
