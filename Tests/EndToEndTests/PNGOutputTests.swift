import ConvCore
import Foundation
import HDF5IO
import PNGIO
import Testing
import TestSupport

/// `outputs.png`: kept tensors written as PNG files beside the HDF5 output, the
/// inverse of the PNG input, checked by reading them back through `png` inputs.
@Suite("PNG outputs")
struct PNGOutputTests {
  /// A dataset of two RGB images and a job writing `stages` with `png` settings.
  struct Workspace {
    let directory = Fixtures.temporaryDirectory("convpipe-png-outputs")
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    init(images: Int = 2, size: Int = 12) throws {
      try FileManager.default.createDirectory(
        at: directory.appendingPathComponent("images"), withIntermediateDirectories: true)
      for index in 0..<images {
        var random = SeededRandom(seed: UInt64(index) + 11)
        let samples = (0..<(size * size * 3)).map { _ in UInt16(random.next() % 256) }
        try PNGImage(width: size, height: size, channels: 3, bitDepth: 8, samples: samples)
          .write(path: path("images/img\(index).png"))
      }
    }

    /// Writes `job.json`: the images, an identity stage `same`, a conv with 6
    /// filters `features` and its transpose `back`, and `outputs.png` = `png`.
    func writeJob(png: String, tensors: String = "\"all\"", name: String = "job.json") throws {
      try """
      {"convpipe": 1, "name": "png-outputs",
       "inputs": {"image": {"png": "images/*.png"},
                  "w": {"random": {"shape": [6, 3, 3, 3], "seed": 3}, "dtype": "float32"}},
       "stages": [{"id": "same", "op": "pad", "input": "image", "pads": 0},
                  {"id": "features", "op": "conv", "input": "image", "weight": "w", "padding": 1},
                  {"id": "back", "op": "conv_transpose", "input": "features", "weight": "w", "padding": 1}],
       "outputs": {"path": "out/result.h5", "tensors": \(tensors), "png": \(png)}}
      """.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    func run(_ arguments: [String] = [], job: String = "job.json") throws -> ConvPipeProcess.Result {
      try ConvPipeProcess.run(["run", path(job), "--quiet"] + arguments)
    }

    func files(_ folder: String) -> [String] {
      (FileManager.default.enumerator(atPath: path(folder))?.allObjects as? [String] ?? []).sorted()
    }
  }

  @Test("8-bit unit range gives back the input image's own samples: the inverse of the PNG input")
  func unitRoundTrip() throws {
    let space = try Workspace()
    try space.writeJob(png: #"{"tensors": ["same"]}"#)
    let result = try space.run()
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(space.files("out/result-png") == [".convpipe-png", "img0", "img0/same.png", "img1", "img1/same.png"])
    for index in 0..<2 {
      let original = try PNGImage.read(path: space.path("images/img\(index).png"))
      let written = try PNGImage.read(path: space.path("out/result-png/img\(index)/same.png"))
      #expect(written.samples == original.samples)
      #expect((written.channels, written.bitDepth) == (3, 8))
      #expect(PNGText.value("convpipe:range", in: written.text) == "0.0 1.0")
      #expect(PNGText.value("convpipe:item", in: written.text) == "img\(index)")
      #expect(PNGText.value("convpipe:tensor", in: written.text) == "same[n=0, c=0:3]")
      #expect(PNGText.value("convpipe:clipped", in: written.text) == "0")
    }
  }

  @Test("16-bit min-max PNGs read back with scale recorded match the HDF5 values to half a step")
  func recordedRoundTrip() throws {
    let space = try Workspace()
    try space.writeJob(png: #"{"tensors": ["features", "back"], "bits": 16, "range": "minmax"}"#)
    #expect(try space.run().exitCode == 0)
    let output = try HDF5File.open(space.path("out/result.h5"))
    let features = try output.readTensor("/items/img1/tensors/features").doubles
    let back = try output.readTensor("/items/img1/tensors/back").doubles
    // features has 6 channels: one gray image per channel.
    let channel = try PNGImage.read(path: space.path("out/result-png/img1/features.c3.png"))
    #expect((channel.channels, channel.bitDepth, channel.width, channel.height) == (1, 16, 12, 12))
    let range = try #require(PNGValueRange(text: PNGText.value("convpipe:range", in: channel.text) ?? ""))
    #expect(range == PNGValueRange(lower: features.min() ?? 0, upper: features.max() ?? 0))
    let step = (range.upper - range.lower) / 65535
    let restored = channel.tensor(range: try PNGScale.recorded.range(of: channel)).doubles
    let plane = Array(features[(3 * 144)..<(4 * 144)])
    #expect(zip(restored, plane).allSatisfy { abs($0 - $1) <= step / 2 + 1e-6 * abs($1) })
    // Through a job: the PNG input with scale recorded against the HDF5 dataset, with allclose.
    try """
    {"convpipe": 1, "name": "read-back",
     "inputs": {"png": {"png": "out/result-png/img1/back.png", "scale": "recorded"},
                "hdf5": {"hdf5": "out/result.h5", "dataset": "/items/img1/tensors/back"}},
     "stages": [{"id": "same", "op": "verify", "check": "allclose", "actual": "png", "expected": "hdf5",
                 "rtol": 0, "atol": \((back.max()! - back.min()!) / 65535 / 2 + 1e-6)}],
     "outputs": {"path": "out/read-back.h5"}}
    """.write(toFile: space.path("read-back.json"), atomically: true, encoding: .utf8)
    let readBack = try space.run(job: "read-back.json")
    #expect(readBack.exitCode == 0, "\(readBack.standardOutput)\(readBack.standardError)")
  }

  @Test("scale recorded on a PNG without convpipe's range chunk is a data error naming the file")
  func recordedNeedsChunk() throws {
    let space = try Workspace(images: 1)
    try """
    {"convpipe": 1, "name": "no-range", "inputs": {"png": {"png": "images/img0.png", "scale": "recorded"}},
     "stages": [{"id": "same", "op": "pad", "input": "png", "pads": 0}], "outputs": {"path": "out/x.h5"}}
    """.write(toFile: space.path("job.json"), atomically: true, encoding: .utf8)
    let result = try space.run()
    #expect(result.exitCode == 3)
    #expect(
      result.standardError.contains(
        "images/img0.png: has no convpipe:range text chunk to take the value range from (scale recorded)"),
      "\(result.standardError)")
  }

  @Test("a job of one item writes its PNGs at the top of the directory, N > 1 numbered, and the summary counts them")
  func oneItemLayout() throws {
    let space = try Workspace(images: 1)
    try """
    {"convpipe": 1, "name": "batch",
     "inputs": {"x": {"random": {"shape": [3, 2, 5, 7], "seed": 1}}},
     "stages": [{"id": "y", "op": "pad", "input": "x", "pads": 1}],
     "outputs": {"path": "out/batch.h5", "png": {"tensors": ["y"], "range": [-3, 3], "directory": "../pictures"}}}
    """.write(toFile: space.path("job.json"), atomically: true, encoding: .utf8)
    let result = try ConvPipeProcess.run(["run", space.path("job.json")])
    #expect(result.exitCode == 0)
    #expect(space.files("pictures") == [".convpipe-png", "y.n0.png", "y.n1.png", "y.n2.png"])
    #expect(result.standardOutput.contains("and 3 PNG files in \(space.path("pictures")): 1 item"))
    let image = try PNGImage.read(path: space.path("pictures/y.n1.png"))
    #expect((image.channels, image.width, image.height) == (2, 9, 7))
    #expect(PNGText.value("convpipe:range", in: image.text) == "-3.0 3.0")
    #expect(PNGText.value("convpipe:clipped", in: image.text).flatMap(Int.init) ?? -1 >= 0)
  }

  @Test("shards write no PNGs; their merge writes the single run's, file for file")
  func shardsAndMerge() throws {
    let space = try Workspace(images: 3)
    try space.writeJob(png: #"{"tensors": ["back", "features"], "range": "minmax"}"#)
    #expect(try space.run(["--output", space.path("out/single.h5")]).exitCode == 0)
    var parts: [String] = []
    for shard in 0..<2 {
      parts.append(space.path("out/parts/part-\(shard).h5"))
      #expect(try space.run(["--shard", "\(shard)/2", "--output", parts[shard]]).exitCode == 0)
    }
    #expect(
      space.files("out/parts").allSatisfy { $0.hasSuffix(".h5") || $0.hasPrefix(".") }, "no PNG directory for a part")
    let merge = try ConvPipeProcess.run(["merge", "--output", space.path("out/merged.h5")] + parts)
    #expect(merge.exitCode == 0, "\(merge.standardError)")
    let single = space.files("out/single-png"), merged = space.files("out/merged-png")
    #expect(single.count == 3 * (1 + 1 + 6) + 1 && merged == single)
    for file in single where file.hasSuffix(".png") {
      #expect(
        FileManager.default.contents(atPath: space.path("out/merged-png/\(file)"))
          == FileManager.default.contents(atPath: space.path("out/single-png/\(file)")), "\(file)")
    }
  }

  @Test("merging parts with failed items prints the single run's summary: its PNG files, failures in job order")
  func mergeSummaryEqualsSingleRun() throws {
    let space = try Workspace(images: 4)
    for index in [1, 3] {  // img1 is in shard 1 of 2, img3 in shard 0
      try Data("not a png".utf8).write(to: URL(fileURLWithPath: space.path("images/img\(index).png")))
    }
    try space.writeJob(png: #"{"tensors": ["back"]}"#)
    let single = try space.run(["--keep-going", "--output", space.path("out/single.h5")])
    #expect(single.exitCode == 4)
    let parts = (0..<2).map { space.path("out/parts/part-\($0).h5") }
    for (shard, part) in parts.enumerated() {
      #expect(try space.run(["--keep-going", "--shard", "\(shard)/2", "--output", part]).exitCode == 4)
    }
    let merge = try ConvPipeProcess.run(["merge", "--output", space.path("out/merged.h5")] + parts)
    #expect(merge.exitCode == 4, "\(merge.standardError)")
    func normalized(_ text: String, _ name: String) -> String {
      text.replacingOccurrences(of: space.path("out/\(name)"), with: "OUT")
        .replacingOccurrences(of: #" in [0-9.]+s\n"#, with: "\n", options: .regularExpression)
    }
    #expect(normalized(merge.standardOutput, "merged") == normalized(single.standardOutput, "single"))
    #expect(single.standardOutput.contains("and 2 PNG files in"), "\(single.standardOutput)")
    let failed = single.standardOutput.split(separator: "\n").filter { $0.hasPrefix("FAILED item ") }
    #expect(failed.map { $0.prefix("FAILED item img1".count) } == ["FAILED item img1", "FAILED item img3"])
  }

  @Test("a picture directory inside a folder whose name holds .tmp- is replaced like any other")
  func temporaryLookingFolder() throws {
    let space = try Workspace(images: 1)
    try space.writeJob(png: #"{"tensors": ["back"], "directory": "x.tmp-1/pictures"}"#)
    for _ in 0..<2 {
      let run = try space.run()
      #expect(run.exitCode == 0, "\(run.standardError)")
    }
    let files = space.files("out/x.tmp-1")
    #expect(files.contains("pictures/.convpipe-png") && files.allSatisfy { $0.hasPrefix("pictures") }, "\(files)")
  }

  @Test("an unchanged incremental run keeps the directory; new settings write it again")
  func incremental() throws {
    let space = try Workspace()
    for index in 0..<2 {  // older than the stat cache's window for files changed while it is written
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: space.path("images/img\(index).png"))
    }
    try space.writeJob(png: #"{"tensors": ["back"]}"#)
    #expect(try space.run().exitCode == 0)
    let picture = space.path("out/result-png/img0/back.png")
    let before = try FileManager.default.attributesOfItem(atPath: picture)[.systemFileNumber] as? Int
    #expect(try space.run(["--incremental"]).exitCode == 0)
    #expect(try FileManager.default.attributesOfItem(atPath: picture)[.systemFileNumber] as? Int == before)
    try space.writeJob(png: #"{"tensors": ["back"], "bits": 16}"#)
    #expect(try space.run(["--incremental"]).exitCode == 0)
    #expect(try PNGImage.read(path: picture).bitDepth == 16)
  }

  @Test(
    "invalid settings are refused before anything runs (exit 2), each naming outputs.png and the rule",
    arguments: [
      (
        #"{"tensors": ["back"], "bits": 12}"#,
        "outputs.png: bits: 12 is not a PNG sample depth convpipe writes: give 8 or 16"
      ),
      (#"{"tensors": ["back"], "range": [1, 1]}"#, "outputs.png: range: expected \"unit\" (0 to 1), \"minmax\""),
      (#"{"tensors": []}"#, "outputs.png: tensors: expected a non-empty list of tensor names"),
      (#"{"tensors": ["bakc"]}"#, "outputs.png: tensors: no input or stage is named \"bakc\" (did you mean \"back\"?)"),
      (#"{"tensors": ["image"]}"#, "outputs.png: tensors: \"image\" is not kept in the output file"),
      (#"{"tensors": ["back"], "bit": 8}"#, "outputs.png: unknown key \"bit\" (did you mean \"bits\"?)"),
    ])
  func invalidSettings(png: String, message: String) throws {
    let space = try Workspace(images: 1)
    try space.writeJob(png: png)
    let result = try space.run()
    #expect(result.exitCode == 2)
    #expect(result.standardError.contains(message), "\(result.standardError)")
    #expect(!FileManager.default.fileExists(atPath: space.path("out/result.h5")))
  }

  @Test("a tensor that is not [N, C, H, W] is refused when planning, with its shape")
  func shapeRule() throws {
    let space = try Workspace(images: 1)
    try """
    {"convpipe": 1, "name": "line", "inputs": {"x": {"random": {"shape": [1, 2, 9]}}},
     "stages": [{"id": "y", "op": "pad", "input": "x", "pads": 1}], "outputs": {"path": "out/x.h5", "png": {"tensors": ["y"]}}}
    """.write(toFile: space.path("job.json"), atomically: true, encoding: .utf8)
    let result = try ConvPipeProcess.run(["validate", space.path("job.json")])
    #expect(result.exitCode == 2)
    #expect(
      result.standardError.contains(
        "outputs.png: tensors: \"y\" is 1x2x11; a PNG holds [N, C, H, W] (two spatial dimensions)"),
      "\(result.standardError)")
  }

  @Test(
    "the output file, a directory convpipe did not write, one holding the output or the job, or one under a file is refused before any work (exit 2), and nothing is touched",
    arguments: [
      ("result.h5", "is the output file"),
      ("../images", "exists and convpipe did not write it (it has no .convpipe-png)"),
      (".", "holds"),
      ("..", "holds"),
      ("result.h5.txt", "is a file"),
      ("result.h5.txt/sub", "cannot be made:"),
    ])
  func foreignDirectoryRefused(directory: String, message: String) throws {
    let space = try Workspace()
    try space.writeJob(png: #"{"tensors": ["back"], "directory": "pictures"}"#)
    #expect(try space.run().exitCode == 0)
    let earlier = try Data(contentsOf: URL(fileURLWithPath: space.path("out/result.h5")))
    try Data("not a directory".utf8).write(to: URL(fileURLWithPath: space.path("out/result.h5.txt")))
    let before = (space.files("images"), space.files("out"), space.files("."))
    try space.writeJob(png: #"{"tensors": ["back"], "directory": "\#(directory)"}"#)
    let result = try space.run()
    #expect(result.exitCode == 2, "\(directory): \(result.standardError)")
    #expect(result.standardError.contains("outputs.png: directory"), "\(result.standardError)")
    #expect(result.standardError.contains(message), "\(directory): \(result.standardError)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: space.path("out/result.h5"))) == earlier)
    #expect((space.files("images"), space.files("out"), space.files(".")) == before, "nothing touched")
  }

  @Test("two tensors whose pictures would have one name are refused when planning")
  func fileNameCollision() throws {
    let space = try Workspace(images: 1)
    try """
    {"convpipe": 1, "name": "clash",
     "inputs": {"x": {"random": {"shape": [1, 6, 4, 4]}}, "y": {"random": {"shape": [1, 3, 4, 4]}}},
     "stages": [{"id": "x.c0", "op": "pad", "input": "y", "pads": 0}],
     "outputs": {"path": "out/x.h5", "tensors": ["x", "x.c0"], "png": {"tensors": ["x", "x.c0"]}}}
    """.write(toFile: space.path("job.json"), atomically: true, encoding: .utf8)
    let result = try ConvPipeProcess.run(["validate", space.path("job.json")])
    #expect(result.exitCode == 2)
    #expect(
      result.standardError.contains("outputs.png: tensors: \"x\" and \"x.c0\" would both write x.c0.png"),
      "\(result.standardError)")
  }

  @Test("each file counts its own clipped values; an incremental run puts back a deleted picture")
  func clippedPerFileAndRestored() throws {
    let space = try Workspace()
    for index in 0..<2 {
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: space.path("images/img\(index).png"))
    }
    try space.writeJob(png: #"{"tensors": ["features"], "range": [-0.5, 0.5]}"#)
    #expect(try space.run().exitCode == 0)
    let features = try HDF5File.open(space.path("out/result.h5")).readTensor("/items/img0/tensors/features").doubles
    for channel in 0..<6 {
      let plane = features[(channel * 144)..<((channel + 1) * 144)]
      let image = try PNGImage.read(path: space.path("out/result-png/img0/features.c\(channel).png"))
      #expect(
        PNGText.value("convpipe:clipped", in: image.text) == String(plane.count { abs($0) > 0.5 }), "channel \(channel)"
      )
    }
    let deleted = space.path("out/result-png/img1/features.c2.png")
    try FileManager.default.removeItem(atPath: deleted)
    let rerun = try space.run(["--incremental"])
    #expect(rerun.exitCode == 0)
    #expect(FileManager.default.fileExists(atPath: deleted), "the picture is back")
  }
}
