import ConvCore
import Foundation
import HDF5IO
import Testing
import TestSupport

/// Invalid jobs and bad input files, run through the built binary: each must
/// exit with the code the job format promises (run: 2 for the job's own
/// problems, 3 for input data; validate: 2), name the file, the place in the
/// job and the rule on stderr, one line per problem, and leave an earlier
/// output file exactly as it was, with no temporary file beside it.
@Suite("Invalid jobs and input files fail cleanly")
struct InvalidJobTests {
  // MARK: - The table

  /// A file the test creates beside the job before running it.
  enum InputFile: Sendable {
    /// A copy of `sample-data/gray-64.png`.
    case png(String)
    /// The sample PNG with its IDAT data intact and one byte of the IDAT CRC flipped.
    case pngBadCRC(String)
    /// The sample PNG with a broken zlib stream in IDAT and a correct CRC.
    case pngBadIDAT(String)
    /// The sample PNG cut after `bytes` bytes.
    case pngTruncated(String, bytes: Int)
    /// A text file.
    case text(String, String)
    /// An HDF5 file with dataset `/k3x3` of shape [4, 2, 3, 3].
    case hdf5(String)
    /// The same HDF5 file cut after `bytes` bytes.
    case hdf5Truncated(String, bytes: Int)
    /// An empty directory.
    case directory(String)

    var name: String {
      switch self {
      case .png(let name), .pngBadCRC(let name), .pngBadIDAT(let name), .pngTruncated(let name, _), .text(let name, _),
        .hdf5(let name), .hdf5Truncated(let name, _), .directory(let name):
        return name
      }
    }
  }

  struct Row: CustomStringConvertible, Sendable {
    let name: String
    let job: String
    var files: [InputFile] = []
    /// Data files the job names (created or missing): stderr lines may start with them.
    var dataFiles: [String] = []
    var command = "run"
    var options: [String] = []
    let exitCode: Int32
    /// Words stderr must contain (`job.json` is always required as well).
    let words: [String]
    /// How many stderr lines (problems) are expected, when it matters.
    var lines: Int? = nil

    var description: String { name }
  }

  static let output = "out/result.h5"
  static let image = #""image": {"random": {"shape": [1, 2, 8, 8], "distribution": "normal", "seed": 1}}"#
  static let kernel = #""kernel": {"random": {"shape": [4, 2, 3, 3], "distribution": "normal", "seed": 2}}"#
  static let conv = #"{"id": "y", "op": "conv", "input": "image", "weight": "kernel"}"#

  /// A job with the given inputs (`"name": {...}` entries), stages and outputs object.
  static func job(
    inputs: [String] = [image, kernel], stages: [String] = [conv],
    outputs: String = #"{"path": "out/result.h5", "tensors": "all"}"#, top: String = #""convpipe": 1,"#
  ) -> String {
    """
    {
      \(top)
      "name": "invalid",
      "inputs": {
        \(inputs.joined(separator: ",\n    "))
      },
      "stages": [
        \(stages.joined(separator: ",\n    "))
      ],
      "outputs": \(outputs)
    }
    """
  }

  /// A job with one stage `y` reading `image` and `kernel`, with extra keys.
  static func convJob(_ keys: String, op: String = "conv", inputs: [String] = [image, kernel]) -> String {
    job(inputs: inputs, stages: [#"{"id": "y", "op": "\#(op)", "input": "image", "weight": "kernel", \#(keys)}"#])
  }

  static let y = #"stages[0] (id "y")"#
  /// Framework stages' tensors: an NHWC input, TensorFlow filters for conv2d and conv2d_transpose.
  static let nhwc = #""x": {"random": {"shape": [1, 16, 16, 8], "seed": 1}}"#
  static let hwio = #""w": {"random": {"shape": [3, 3, 8, 3], "seed": 2}}"#
  static let hwoi = #""w": {"random": {"shape": [3, 3, 3, 8], "seed": 2}}"#
  /// conv_transpose weights are [C_in, C_out/groups, k...].
  static let transposeKernel = #""kernel": {"random": {"shape": [2, 3, 3, 3], "distribution": "normal", "seed": 2}}"#

  static let rows: [Row] = [
    // Syntax and top level
    Row(
      name: "JSON syntax error: missing colon",
      job: "{\n  \"convpipe\": 1,\n  \"name\" \"broken\",\n  \"inputs\": {}\n}\n",
      exitCode: 2, words: ["line 3, column 10"], lines: 1),
    Row(
      name: "JSON syntax error: unterminated object",
      job: "{\n  \"convpipe\": 1,\n  \"name\": \"broken\",\n  \"inputs\": {\"x\": {\"values\": [1, 2]}\n",
      exitCode: 2, words: ["line 5", "column"], lines: 1),
    Row(
      name: "JSON syntax error: trailing comma",
      job: "{\n  \"convpipe\": 1,\n  \"name\": \"broken\",\n  \"inputs\": {\"x\": {\"values\": [1, 2,]}}\n}\n",
      command: "validate", exitCode: 2, words: ["line 4", "column"], lines: 1),
    Row(name: "not an object", job: "[{\"convpipe\": 1}]\n", exitCode: 2, words: ["object"], lines: 1),
    Row(
      name: "missing convpipe version", job: job(top: ""), exitCode: 2, words: ["\"convpipe\"", "missing"], lines: 1),
    Row(
      name: "unsupported convpipe version", job: job(top: #""convpipe": 2,"#), exitCode: 2,
      words: ["convpipe", "2", "version"],
      lines: 1),
    Row(
      name: "unknown top-level key with hint", job: job(top: #""convpipe": 1, "descripton": "typo","#), exitCode: 2,
      words: ["descripton", "did you mean", "description"], lines: 1),
    Row(
      name: "unknown input key with hint",
      job: job(inputs: [image, #""kernel": {"random": {"shape": [4, 2, 3, 3], "seed": 2}, "dtyp": "float32"}"#]),
      exitCode: 2, words: ["inputs.kernel", "dtyp", "did you mean", "\"dtype\""], lines: 1),
    Row(
      name: "unknown stage key with hint", job: convJob(#""strde": 2"#), exitCode: 2,
      words: [y, "strde", "did you mean", "\"stride\""], lines: 1),
    Row(
      name: "unknown outputs key with hint", job: job(outputs: #"{"path": "out/result.h5", "tensor": "all"}"#),
      exitCode: 2,
      words: ["outputs", "\"tensor\"", "did you mean", "\"tensors\""], lines: 1),
    Row(
      name: "unknown op", job: job(stages: [#"{"id": "y", "op": "convolve", "input": "image", "weight": "kernel"}"#]),
      exitCode: 2, words: [y, "convolve", "op"], lines: 1),
    Row(
      name: "unknown check",
      job: job(stages: [conv, #"{"id": "check", "op": "verify", "check": "adjont", "of": "y"}"#]),
      exitCode: 2, words: [#"stages[1] (id "check")"#, "adjont", "\"adjoint\""], lines: 1),

    // Types
    Row(
      name: "string where an integer is expected", job: convJob(#""stride": "2""#), exitCode: 2, words: [y, "stride"],
      lines: 1),
    Row(name: "bool for stride", job: convJob(#""stride": true"#), exitCode: 2, words: [y, "stride"], lines: 1),
    Row(
      name: "stride list of wrong length for 2-d input", job: convJob(#""stride": [1, 2, 3]"#), exitCode: 2,
      words: [y, "stride", "3"], lines: 1),
    Row(
      name: "bad padding form: triple instead of pair", job: convJob(#""padding": [[1, 2, 3], [0, 0]]"#), exitCode: 2,
      words: [y, "padding"], lines: 1),
    Row(
      name: "bad padding form: unknown word", job: convJob(#""padding": "full""#), exitCode: 2,
      words: [y, "padding", "full"], lines: 1),

    // Names and graph
    Row(
      name: "invalid input name",
      job: job(inputs: [image, kernel, #""2nd": {"values": [1, 2]}"#]),
      exitCode: 2, words: ["2nd", "name"], lines: 1),
    Row(
      name: "duplicate stage ids",
      job: job(stages: [conv, #"{"id": "y", "op": "flip", "input": "image"}"#]),
      exitCode: 2, words: ["\"y\"", "stages[1]"], lines: 1),
    Row(
      name: "stage id reuses an input name",
      job: job(stages: [conv, #"{"id": "kernel", "op": "flip", "input": "image"}"#]),
      exitCode: 2, words: [#"stages[1] (id "kernel")"#, "\"kernel\""], lines: 1),
    Row(
      name: "missing reference with suggestion",
      job: job(stages: [#"{"id": "y", "op": "conv", "input": "image", "weight": "kernal"}"#]),
      exitCode: 2, words: [y, "\"kernal\"", "did you mean", "\"kernel\""], lines: 1),
    Row(
      name: "cycle shows the path of names",
      job: job(stages: [
        #"{"id": "a", "op": "conv", "input": "b", "weight": "kernel", "padding": 1}"#,
        #"{"id": "b", "op": "conv", "input": "a", "weight": "kernel", "padding": 1}"#,
      ]),
      exitCode: 2, words: ["cycle", "a", "b", "->"], lines: 1),
    Row(
      name: "two per-item inputs",
      job: job(
        inputs: [#""cats": {"png": "cats/*.png"}"#, #""dogs": {"png": "dogs/*.png"}"#],
        stages: [#"{"id": "y", "op": "flip", "input": "cats"}"#, #"{"id": "z", "op": "flip", "input": "dogs"}"#]),
      files: [.png("cats/1.png"), .png("cats/2.png"), .png("dogs/1.png"), .png("dogs/2.png")],
      exitCode: 2, words: ["per-item", "cats", "dogs"], lines: 1),
    Row(
      name: "missing outputs.path without --output", job: job(outputs: #"{"tensors": "all"}"#), exitCode: 2,
      words: ["outputs", "path", "--output"], lines: 1),
    Row(
      name: "validate: outputs.path under a file",
      job: job(outputs: #"{"path": "results/night/result.h5", "tensors": "all"}"#),
      files: [.text("results", "a file, not a folder")], command: "validate", exitCode: 2,
      words: ["outputs.path", "cannot create the output directory", "results is a file, not a folder"], lines: 1),

    // Shape rules
    Row(name: "stride 0", job: convJob(#""stride": 0"#), exitCode: 2, words: [y, "stride", "0"], lines: 2),
    Row(
      name: "groups not dividing channels", job: convJob(#""groups": 3"#), exitCode: 2, words: [y, "groups", "3", "2"]),
    Row(
      name: "weight channel mismatch",
      job: convJob("\"stride\": 1", inputs: [image, #""kernel": {"random": {"shape": [4, 3, 3, 3], "seed": 2}}"#]),
      exitCode: 2, words: [y, "channel", "3", "2"], lines: 1),
    Row(
      name: "bias shape does not match output channels",
      job: convJob(#""bias": "b""#, inputs: [image, kernel, #""b": {"values": [1, 2, 3]}"#]),
      exitCode: 2, words: [y, "bias", "4"], lines: 1),
    Row(
      name: "spatial rank of weight differs from input",
      job: convJob("\"stride\": 1", inputs: [image, #""kernel": {"random": {"shape": [4, 2, 3], "seed": 2}}"#]),
      exitCode: 2, words: [y, "weight", "3 axes", "4"], lines: 1),
    Row(
      name: "output_padding not below max(stride, dilation)",
      job: convJob(#""stride": 2, "output_padding": 2"#, op: "conv_transpose", inputs: [image, transposeKernel]),
      exitCode: 2, words: [y, "output_padding 2", "max(stride"], lines: 2),
    Row(
      name: "conv_transpose padding_mode: output_padding must be below the stride",
      job: convJob(
        #""stride": 1, "dilation": 2, "output_padding": 1, "padding_mode": "replicate""#, op: "conv_transpose",
        inputs: [image, transposeKernel]),
      exitCode: 2, words: [y, "output_padding 1 with padding_mode replicate must be smaller than the stride 1"],
      lines: 2
    ),
    Row(
      name: "direct check of a conv_transpose with padding_mode",
      job: job(
        inputs: [image, transposeKernel],
        stages: [
          #"{"id": "y", "op": "conv_transpose", "input": "image", "weight": "kernel", "padding": 1, "padding_mode": "reflect"}"#,
          #"{"id": "check", "op": "verify", "check": "direct", "of": "y"}"#,
        ]),
      command: "validate", exitCode: 2,
      words: [#"stages[1] (id "check")"#, "direct check covers conv_transpose with zero padding only", "reflect"],
      lines: 1),
    // Framework stages
    Row(
      name: "framework API typo",
      job: job(stages: [#"{"id": "y", "op": "tf.nn.conv2d_transpos", "input": "image", "weight": "kernel"}"#]),
      exitCode: 2, words: [y, "tf.nn.conv2d_transpos", "did you mean \"tf.nn.conv2d_transpose\""], lines: 1),
    Row(
      name: "framework argument unknown, and a required one missing",
      job: job(
        inputs: [nhwc, hwio],
        stages: [
          #"{"id": "y", "op": "tf.nn.conv2d", "input": "x", "weight": "w", "args": {"strides": 1, "paddin": "SAME"}}"#
        ]),
      exitCode: 2,
      words: [y, "tf.nn.conv2d: unknown argument paddin (did you mean padding?)", "missing required argument padding"],
      lines: 2),
    Row(
      name: "TensorFlow output_shape not reachable",
      job: job(
        inputs: [nhwc, hwoi],
        stages: [
          #"{"id": "up", "op": "tf.nn.conv2d_transpose", "input": "x", "weight": "w", "args": {"output_shape": [1, 33, 33, 3], "strides": 2, "padding": "SAME"}}"#
        ]),
      command: "validate", exitCode: 2,
      words: [
        #"stages[0] (id "up"): tf.nn.conv2d_transpose: output_shape [1, 33, 33, 3] is not reachable: with strides 2 and padding "SAME" the size of H can be 31 or 32"#
      ], lines: 2),
    Row(
      name: "a bias for tf.nn",
      job: job(
        inputs: [nhwc, hwio, #""b": {"values": [1, 2, 3]}"#],
        stages: [
          #"{"id": "y", "op": "tf.nn.conv2d", "input": "x", "weight": "w", "bias": "b", "args": {"strides": 1, "padding": "SAME"}}"#
        ]),
      exitCode: 2, words: [y, "tf.nn.conv2d: bias: conv2d takes no bias"], lines: 1),
    Row(
      name: "a backend outside Keras",
      job: job(
        inputs: [nhwc, hwio],
        stages: [
          #"{"id": "y", "op": "tf.nn.conv2d", "input": "x", "weight": "w", "backend": "jax", "args": {"strides": 1, "padding": "SAME"}}"#
        ]),
      exitCode: 2, words: [y, "backend: only Keras stages choose a backend"], lines: 1),
    Row(
      name: "Keras TensorFlow backend refuses what its JAX backend computes",
      job: job(
        inputs: [nhwc, #""w": {"random": {"shape": [4, 4, 3, 8], "seed": 2}}"#],
        stages: [
          #"{"id": "y", "op": "keras.layers.Conv2DTranspose", "input": "x", "weight": "w", "args": {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 0}}"#
        ]),
      command: "validate", exitCode: 2,
      words: [
        y, "the TensorFlow backend computes the output length", "the JAX backend (\"backend\": \"jax\") computes it",
      ],
      lines: 2),
    Row(
      name: "framework args not an object",
      job: job(
        inputs: [nhwc, hwio],
        stages: [#"{"id": "y", "op": "tf.nn.conv2d", "input": "x", "weight": "w", "args": [1, "SAME"]}"#]),
      exitCode: 2, words: [y, "args: expected an object of the call's arguments"], lines: 1),
    Row(
      name: "output_size unreachable",
      job: convJob(#""stride": 2, "output_size": [30, 30]"#, op: "conv_transpose", inputs: [image, transposeKernel]),
      exitCode: 2, words: [y, "output_size", "30"], lines: 2),
    Row(
      name: "valid padding for conv_transpose",
      job: convJob(#""padding": "valid""#, op: "conv_transpose", inputs: [image, transposeKernel]),
      exitCode: 2, words: [y, "valid", "conv_transpose"], lines: 1),
    Row(
      name: "same padding with output_padding for conv_transpose",
      job: convJob(
        #""stride": 2, "padding": "same", "output_padding": 1"#, op: "conv_transpose", inputs: [image, transposeKernel]),
      exitCode: 2, words: [y, "same", "output_padding"], lines: 1),
    Row(
      name: "reflect pad too large",
      job: job(stages: [#"{"id": "p", "op": "pad", "input": "image", "pads": 8, "mode": "reflect"}"#]),
      exitCode: 2, words: [#"stages[0] (id "p")"#, "reflect", "8"], lines: 2),
    Row(
      name: "conv reflect padding_mode too large", job: convJob(#""padding": 8, "padding_mode": "reflect""#),
      exitCode: 2,
      words: [y, "reflect", "8"], lines: 2),
    Row(
      name: "crop too large",
      job: job(stages: [#"{"id": "c", "op": "crop", "input": "image", "crops": 4}"#]),
      exitCode: 2, words: [#"stages[0] (id "c")"#, "at least 1"], lines: 2),
    Row(
      name: "kernel larger than input",
      job: convJob("\"stride\": 1", inputs: [image, #""kernel": {"random": {"shape": [4, 2, 9, 9], "seed": 2}}"#]),
      exitCode: 2, words: [y, "at least 1"], lines: 2),
    Row(
      name: "permute axes of wrong count",
      job: job(stages: [#"{"id": "t", "op": "permute", "input": "kernel", "axes": [1, 0, 2]}"#]),
      exitCode: 2, words: [#"stages[0] (id "t")"#, "axes", "4"], lines: 1),
    Row(
      name: "permute axes not a permutation",
      job: job(stages: [#"{"id": "t", "op": "permute", "input": "kernel", "axes": [0, 0, 2, 3]}"#]),
      exitCode: 2, words: [#"stages[0] (id "t")"#, "axes", "permutation"], lines: 1),
    Row(
      name: "layout with a wrong letter",
      job: job(
        inputs: [#""m": {"values": [[1, 2], [3, 4]], "layout": "HX"}"#],
        stages: [#"{"id": "f", "op": "flip", "input": "m"}"#]),
      exitCode: 2, words: ["inputs.m", "layout", "HX"], lines: 1),
    Row(
      name: "layout rank differs from data",
      job: job(
        inputs: [#""m": {"values": [[1, 2], [3, 4]], "layout": "CHW"}"#],
        stages: [#"{"id": "f", "op": "flip", "input": "m"}"#]),
      command: "validate", exitCode: 2, words: ["inputs.m", "layout", "CHW", "2"], lines: 1),

    // Several problems at once
    Row(
      name: "three independent problems in one job",
      job: job(
        inputs: [image, #""kernel": {"random": {"shape": [4, 2, 3, 3], "seed": 2}, "dtyp": "float32"}"#],
        stages: [#"{"id": "y", "op": "conv", "input": "image", "weight": "kernel", "strde": 2}"#],
        outputs: #"{"path": "out/result.h5", "tensor": "all"}"#),
      exitCode: 2, words: ["inputs.kernel", "\"dtyp\"", y, "\"strde\"", "outputs", "\"tensor\""], lines: 3),
    Row(
      name: "three independent problems of different kinds",
      job: job(
        inputs: [image, #""kernel": {"random": {"shape": [4, 2, 3, 3], "seed": 2}, "dtyp": "float32"}"#],
        stages: [conv, #"{"id": "f", "op": "flip", "input": "imgae"}"#],
        outputs: #"{"path": "out/result.h5", "tensor": "all"}"#),
      command: "validate", exitCode: 2,
      words: ["inputs.kernel", "\"dtyp\"", #"stages[1] (id "f")"#, "\"imgae\"", "outputs", "\"tensor\""], lines: 3),
    Row(
      name: "unknown key does not hide a shape problem elsewhere",
      job: job(
        stages: [#"{"id": "y", "op": "conv", "input": "image", "weight": "kernel", "stride": 0}"#],
        outputs: #"{"path": "out/result.h5", "tensor": "all"}"#),
      exitCode: 2, words: ["outputs", "\"tensor\"", y, "stride 0"], lines: 3),
    Row(
      name: "an unknown key hides the shape problems of its own stage, which defaults would cause",
      job: job(stages: [
        conv,
        #"{"id": "t", "op": "conv_transpose", "input": "y", "weight": "kernel", "strides": 2, "output_size": [13, 13]}"#,
        #"{"id": "u", "op": "crop", "input": "t", "crops": 5}"#,
      ]),
      exitCode: 2, words: [#"stages[1] (id "t")"#, "\"strides\""], lines: 1),
    Row(
      name: "an unknown key keeps the parameter rules of the stage reading it",
      job: job(stages: [
        #"{"id": "y", "op": "conv", "input": "image", "weight": "kernel", "strides": 2}"#,
        #"{"id": "t", "op": "conv_transpose", "input": "y", "weight": "kernel", "stride": 2, "output_padding": 2}"#,
      ]),
      exitCode: 2, words: [y, "\"strides\"", #"stages[1] (id "t")"#, "output_padding 2"], lines: 3),
    Row(
      name: "two shape problems in independent stages",
      job: job(stages: [
        #"{"id": "y", "op": "conv", "input": "image", "weight": "kernel", "stride": 0}"#,
        #"{"id": "c", "op": "crop", "input": "image", "crops": 5}"#,
      ]),
      exitCode: 2, words: [y, "stride", #"stages[1] (id "c")"#, "at least 1", "(H)", "(W)"], lines: 4),
    Row(
      name: "missing reference does not hide a shape problem elsewhere",
      job: job(stages: [
        #"{"id": "y", "op": "conv", "input": "image", "weight": "kernel", "stride": 0}"#,
        #"{"id": "f", "op": "flip", "input": "imgae"}"#,
      ]),
      exitCode: 2, words: [#"stages[1] (id "f")"#, "\"imgae\"", y, "stride 0"], lines: 3),
    Row(
      name: "job problem and missing PNG together",
      job: job(
        inputs: [#""image": {"png": "missing.png"}"#, kernel],
        outputs: #"{"path": "out/result.h5", "tensor": "all"}"#),
      dataFiles: ["missing.png"], exitCode: 2, words: ["outputs", "\"tensor\"", "inputs.image", "missing.png"], lines: 2
    ),
    Row(
      name: "missing reference and unknown key together",
      job: job(stages: [
        #"{"id": "y", "op": "conv", "input": "imgae", "weight": "kernel"}"#,
        #"{"id": "f", "op": "flip", "input": "image", "axis": 1}"#,
      ]),
      exitCode: 2, words: [y, "\"imgae\"", "\"image\"", #"stages[1] (id "f")"#, "axis"], lines: 2),

    // Input files
    Row(
      name: "missing PNG",
      job: job(
        inputs: [#""image": {"png": "missing.png"}"#], stages: [#"{"id": "f", "op": "flip", "input": "image"}"#]),
      dataFiles: ["missing.png"], exitCode: 3, words: ["inputs.image", "missing.png"], lines: 1),
    Row(
      name: "missing PNG, validate",
      job: job(
        inputs: [#""image": {"png": "missing.png"}"#], stages: [#"{"id": "f", "op": "flip", "input": "image"}"#]),
      dataFiles: ["missing.png"], command: "validate", exitCode: 2, words: ["inputs.image", "missing.png"], lines: 1),
    Row(
      name: "PNG with a CRC error in IDAT",
      job: job(inputs: [#""image": {"png": "gray.png"}"#], stages: [#"{"id": "f", "op": "flip", "input": "image"}"#]),
      files: [.pngBadCRC("gray.png")], dataFiles: ["gray.png"], exitCode: 3,
      words: ["inputs.image", "gray.png", "CRC"], lines: 1),
    Row(
      name: "PNG with a broken zlib stream in IDAT",
      job: job(inputs: [#""image": {"png": "gray.png"}"#], stages: [#"{"id": "f", "op": "flip", "input": "image"}"#]),
      files: [.pngBadIDAT("gray.png")], dataFiles: ["gray.png"], exitCode: 3, words: ["gray.png"], lines: 1),
    Row(
      name: "truncated PNG",
      job: job(inputs: [#""image": {"png": "gray.png"}"#], stages: [#"{"id": "f", "op": "flip", "input": "image"}"#]),
      files: [.pngTruncated("gray.png", bytes: 1000)], dataFiles: ["gray.png"], exitCode: 3, words: ["gray.png"],
      lines: 1),
    Row(
      name: "PNG truncated inside its header, validate",
      job: job(inputs: [#""image": {"png": "gray.png"}"#], stages: [#"{"id": "f", "op": "flip", "input": "image"}"#]),
      files: [.pngTruncated("gray.png", bytes: 20)], dataFiles: ["gray.png"], command: "validate", exitCode: 2,
      words: ["inputs.image", "gray.png"], lines: 1),
    Row(
      name: "text file named .png",
      job: job(inputs: [#""image": {"png": "notes.png"}"#], stages: [#"{"id": "f", "op": "flip", "input": "image"}"#]),
      files: [.text("notes.png", "these are not pixels\n")], dataFiles: ["notes.png"], exitCode: 3,
      words: ["notes.png", "PNG"],
      lines: 1),
    Row(
      name: "glob matching nothing",
      job: job(
        inputs: [#""image": {"png": "scans/*.png"}"#], stages: [#"{"id": "f", "op": "flip", "input": "image"}"#]),
      files: [.directory("scans"), .text("scans/readme.txt", "no images yet\n")], exitCode: 3,
      words: ["inputs.image", "scans/*.png"], lines: 1),
    Row(
      name: "missing HDF5 file",
      job: convJob("\"stride\": 1", inputs: [image, #""kernel": {"hdf5": "weights.h5", "dataset": "/k3x3"}"#]),
      dataFiles: ["weights.h5"], exitCode: 3, words: ["inputs.kernel", "weights.h5"], lines: 1),
    Row(
      name: "truncated HDF5 file",
      job: convJob("\"stride\": 1", inputs: [image, #""kernel": {"hdf5": "weights.h5", "dataset": "/k3x3"}"#]),
      files: [.hdf5Truncated("weights.h5", bytes: 600)], dataFiles: ["weights.h5"], exitCode: 3,
      words: ["inputs.kernel", "weights.h5"],
      lines: 1),
    Row(
      name: "text file named .h5",
      job: convJob("\"stride\": 1", inputs: [image, #""kernel": {"hdf5": "weights.h5", "dataset": "/k3x3"}"#]),
      files: [.text("weights.h5", "not hdf5\n")], dataFiles: ["weights.h5"], exitCode: 3,
      words: ["inputs.kernel", "weights.h5"],
      lines: 1),
    Row(
      name: "missing HDF5 dataset",
      job: convJob("\"stride\": 1", inputs: [image, #""kernel": {"hdf5": "weights.h5", "dataset": "/k5x5"}"#]),
      files: [.hdf5("weights.h5")], dataFiles: ["weights.h5"], exitCode: 3,
      words: ["inputs.kernel", "weights.h5", "/k5x5"], lines: 1),
    Row(
      name: "missing HDF5 dataset, validate",
      job: convJob("\"stride\": 1", inputs: [image, #""kernel": {"hdf5": "weights.h5", "dataset": "/k5x5"}"#]),
      files: [.hdf5("weights.h5")], dataFiles: ["weights.h5"], command: "validate", exitCode: 2,
      words: ["inputs.kernel", "weights.h5", "/k5x5"], lines: 1),

    // Size
    Row(
      name: "impossible size via --max-memory", job: job(), options: ["--max-memory", "1K"], exitCode: 2,
      words: ["--max-memory", "\"y\""], lines: 1),
    Row(
      name: "impossible size via --max-memory, validate", job: job(), command: "validate",
      options: ["--max-memory", "1K"],
      exitCode: 2, words: ["--max-memory", "\"y\""], lines: 1),
    Row(
      name: "matrix verify above max_elements",
      job: job(stages: [conv, #"{"id": "m", "op": "verify", "check": "matrix", "of": "y", "max_elements": 10}"#]),
      exitCode: 2, words: [#"stages[1] (id "m")"#, "max_elements", "10"], lines: 1),

    // Absurd sizes are refused, never overflow
    Row(
      name: "a stride beyond 2^31",
      job: job(stages: [
        #"{"id": "y", "op": "conv", "input": "image", "weight": "kernel", "stride": 9000000000000000000}"#
      ]),
      command: "validate", exitCode: 2,
      words: [#"stages[0] (id "y")"#, "stride 9000000000000000000 is larger than 2147483647"], lines: 1),
    Row(
      name: "an input size beyond 2^31",
      job: job(inputs: [#""image": {"random": {"shape": [1, 1, 4000000000, 4000000000]}}"#, kernel]),
      exitCode: 2, words: [#"stages[0] (id "y")"#, "size 4000000000 is larger than 2147483647"], lines: 1),
    Row(
      name: "a tensor whose byte count overflows",
      job: job(inputs: [image, kernel, #""huge": {"random": {"shape": [100000, 100000, 100000, 100000]}}"#]),
      exitCode: 2, words: ["inputs", "--max-memory", "\"huge\""], lines: 1),
  ]

  // MARK: - Running a row

  /// Bytes of an earlier run's file, which a failing command must leave alone.
  static let earlierOutput =
    Data("earlier convpipe output, must survive a failed run\n".utf8) + Data((0..<256).map { UInt8($0) })

  struct Outcome {
    let directory: URL
    let jobPath: String
    let result: ConvPipeProcess.Result
    /// Paths a stderr line may start with: the job file and the data files.
    let files: [String]
  }

  static func execute(_ row: Row) throws -> Outcome {
    let directory = Fixtures.temporaryDirectory("convpipe-invalid")
    let jobPath = directory.appendingPathComponent("job.json").path
    try row.job.write(toFile: jobPath, atomically: true, encoding: .utf8)
    for file in row.files { try create(file, in: directory) }
    let outputURL = directory.appendingPathComponent(output)
    try FileManager.default.createDirectory(
      at: outputURL.deletingLastPathComponent(), withIntermediateDirectories: true)
    try earlierOutput.write(to: outputURL)
    let result = try ConvPipeProcess.run([row.command, jobPath] + row.options, in: directory)
    let data = (row.dataFiles + row.files.map(\.name)).flatMap { [directory.appendingPathComponent($0).path, $0] }
    return Outcome(directory: directory, jobPath: jobPath, result: result, files: [jobPath] + data)
  }

  static func create(_ file: InputFile, in directory: URL) throws {
    let url = directory.appendingPathComponent(file.name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    let png = { try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-data/gray-64.png"))) }
    switch file {
    case .png: try png().write(to: url)
    case .pngBadCRC:
      var bytes = [UInt8](try png())
      let idat = try idatRange(bytes)
      bytes[idat.upperBound + 1] ^= 0xFF
      try Data(bytes).write(to: url)
    case .pngBadIDAT:
      var bytes = [UInt8](try png())
      let idat = try idatRange(bytes)
      for i in idat.lowerBound..<(idat.lowerBound + 2) { bytes[i] = 0xFF }  // zlib header
      let crc = crc32(bytes[(idat.lowerBound - 4)..<idat.upperBound])
      for k in 0..<4 { bytes[idat.upperBound + k] = UInt8((crc >> (24 - 8 * UInt32(k))) & 0xFF) }
      try Data(bytes).write(to: url)
    case .pngTruncated(_, let count): try png().prefix(count).write(to: url)
    case .text(_, let text): try text.write(to: url, atomically: true, encoding: .utf8)
    case .hdf5: try writeWeights(to: url.path)
    case .hdf5Truncated(_, let count):
      let whole = directory.appendingPathComponent("whole-\(UUID().uuidString).h5")
      try writeWeights(to: whole.path)
      try Data(contentsOf: whole).prefix(count).write(to: url)
      try FileManager.default.removeItem(at: whole)
    case .directory: try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
  }

  static func writeWeights(to path: String) throws {
    let file = try HDF5File.create(path)
    try file.writeTensor(try Tensor(shape: [4, 2, 3, 3], values: (0..<72).map { Double($0) / 72 }), to: "/k3x3")
    try file.close()
  }

  /// The data bytes of the first IDAT chunk.
  static func idatRange(_ bytes: [UInt8]) throws -> Range<Int> {
    var offset = 8
    while offset + 8 <= bytes.count {
      let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
      if String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self) == "IDAT" {
        return (offset + 8)..<(offset + 8 + length)
      }
      offset += 12 + length
    }
    throw FixtureError("no IDAT chunk in the sample PNG")
  }

  static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
  }

  /// Problem lines on stderr.
  static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

  /// Files whose name contains `.tmp-`, anywhere below `directory`.
  static func temporaryFiles(in directory: URL) -> [String] {
    let all = FileManager.default.enumerator(atPath: directory.path)?.allObjects as? [String] ?? []
    return all.filter { ($0 as NSString).lastPathComponent.contains(".tmp-") }
  }

  static func checkContract(_ row: Row, _ outcome: Outcome) throws {
    let result = outcome.result
    let context = Comment(rawValue: "exit \(result.exitCode), stderr:\n\(result.standardError)")
    #expect(result.exitCode == row.exitCode, context)
    #expect(result.standardError.contains("job.json"), context)
    for word in row.words { #expect(result.standardError.contains(word), "missing \"\(word)\"; \(context)") }
    if let count = row.lines { #expect(lines(result.standardError).count == count, context) }
    let written = try Data(contentsOf: outcome.directory.appendingPathComponent(output))
    #expect(written == earlierOutput, "the earlier output file was changed")
    #expect(
      temporaryFiles(in: outcome.directory).isEmpty, "temporary files left: \(temporaryFiles(in: outcome.directory))")
  }

  // MARK: - Tests

  @Test("the table covers enough invalid jobs")
  func tableSize() {
    #expect(Self.rows.count >= 35)
    #expect(Set(Self.rows.map(\.name)).count == Self.rows.count, "row names are unique")
  }

  @Test("validate accepts an outputs.path whose folders are missing, and makes none of them")
  func validateMakesNothing() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-invalid")
    defer { try? FileManager.default.removeItem(at: directory) }
    let jobPath = directory.appendingPathComponent("job.json").path
    try Self.job(outputs: #"{"path": "results/night/result.h5", "tensors": "all"}"#).write(
      toFile: jobPath, atomically: true, encoding: .utf8)
    let result = try ConvPipeProcess.run(["validate", jobPath], in: directory)
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("results").path))
  }

  @Test("fails with the promised exit code and message, leaving the earlier output alone", arguments: rows)
  func fails(_ row: Row) throws {
    try Self.checkContract(row, try Self.execute(row))
  }

  @Test("every stderr line is one problem starting with the job or data file's path", arguments: rows)
  func oneLinePerProblem(_ row: Row) throws {
    let outcome = try Self.execute(row)
    let stderr = outcome.result.standardError
    #expect(!stderr.isEmpty, "a failure prints its problems")
    #expect(!stderr.contains("Fatal error"), "\(stderr)")
    #expect(!stderr.contains("Stack dump"), "\(stderr)")
    #expect(outcome.result.standardOutput.isEmpty || row.command != "run", "stdout: \(outcome.result.standardOutput)")
    for line in Self.lines(stderr) {
      #expect(outcome.files.contains { line.hasPrefix($0 + ":") }, "line does not start with a file: \(line)")
    }
  }
}
