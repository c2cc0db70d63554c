import Foundation
import Testing
import TestSupport

/// `convpipe submit` refuses, before writing or submitting anything, what would fail every task.
@Suite("submit: checks before submitting")
struct SubmitCheckTests {
  @Test(
    "a glob matching nothing, a missing image, a golden file that is not an output: exit 3; a --convpipe that cannot run: exit 2; nothing written"
  )
  func refusedBeforeSubmitting() throws {
    let dataset = try Dataset(count: 2)
    let output = dataset.output("result.h5")
    func submit(_ options: [String]) throws -> ConvPipeProcess.Result {
      try ConvPipeProcess.run(
        ["submit", dataset.job, "--slurm", "--tasks", "2", "--output", output, "--dry-run"] + options)
    }
    let notAnOutput = dataset.output("not-an-output.h5")
    try FileManager.default.createDirectory(
      atPath: dataset.output(""), withIntermediateDirectories: true)
    try Data("not HDF5".utf8).write(to: URL(fileURLWithPath: notAnOutput))
    let golden = try submit(["--golden", notAnOutput])
    #expect(golden.exitCode == 3)
    #expect(golden.standardError.hasPrefix("--golden \(notAnOutput): "), "\(golden.standardError)")
    #expect(golden.standardError.contains("nothing was submitted"))
    let binary = try submit(["--convpipe", dataset.output("")])
    #expect(binary.exitCode == 2)
    #expect(binary.standardError.contains("--convpipe \(dataset.output("")) is not an executable file"))
    for index in 0..<2 { try FileManager.default.removeItem(atPath: dataset.image(index)) }
    let empty = try submit([])
    #expect(empty.exitCode == 3)
    #expect(
      empty.standardError.contains("inputs.image: \(dataset.directory.path)/images/*.png: the pattern matches no file"),
      "\(empty.standardError)")
    let single = dataset.directory.appendingPathComponent("single.json").path
    try """
    {"convpipe": 1, "inputs": {"x": {"png": "nope.png"}, "w": {"random": {"shape": [1, 1, 3, 3]}}},
     "stages": [{"id": "c", "op": "conv", "input": "x", "weight": "w"}]}
    """.write(toFile: single, atomically: true, encoding: .utf8)
    let missing = try ConvPipeProcess.run(
      ["submit", single, "--slurm", "--tasks", "2", "--output", output, "--dry-run"])
    #expect(missing.exitCode == 3)
    #expect(missing.standardError.contains("inputs.x: "), "\(missing.standardError)")
    #expect(missing.standardError.contains("nope.png: cannot open: No such file or directory"))
    #expect(!FileManager.default.fileExists(atPath: output + ".shards"), "no scripts written")
    #expect(empty.standardOutput.isEmpty, "no dry-run scripts printed")
  }
}
