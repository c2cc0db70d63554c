import Foundation
import HDF5IO
import Testing

@Suite("Errors")
struct ErrorTests {
  @Test("a missing file names the file and says why")
  func missingFile() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("absent.h5")
    let error = #expect(throws: HDF5Error.self) { try HDF5File.open(path) }
    #expect(error?.file == path)
    #expect(error?.object == nil)
    #expect(error?.description.hasPrefix("\(path): cannot open file: ") == true)
  }

  @Test("a file that is not HDF5 is an error")
  func notHDF5() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("text.h5")
    try "just some text\n".write(toFile: path, atomically: true, encoding: .utf8)
    let error = #expect(throws: HDF5Error.self) { try HDF5File.open(path) }
    #expect(error?.description.hasPrefix("\(path): cannot open file: ") == true)
    #expect(error?.message.contains("signature") == true, "HDF5's own reason: \(error?.message ?? "")")
  }

  @Test("a file cut in half is an error, not a crash")
  func truncatedFile() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("truncated.h5")
    let file = try HDF5File.create(path)
    try file.writeTensor(try sampleTensor(Double.self, shape: [100, 100]), to: "/data")
    try file.close()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))

    let error = #expect(throws: HDF5Error.self) { _ = try HDF5File.open(path).readTensor("/data") }
    #expect(error?.file == path)
    #expect(error?.description.hasPrefix(path) == true)
  }

  @Test(
    "a missing dataset, or a missing group in its path, names the dataset and HDF5's reason",
    arguments: ["/input", "/missing/input", "input"])
  func missingDataset(path datasetPath: String) throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("file.h5")
    let file = try HDF5File.create(path)
    let error = #expect(throws: HDF5Error.self) { try file.readTensor(datasetPath) }
    #expect(error?.object == datasetPath)
    #expect(error?.message.hasPrefix("cannot open dataset: ") == true)
    #expect(
      error?.message.contains("doesn't exist") == true || error?.message.contains("not found") == true,
      "HDF5's own reason: \(error?.message ?? "")")
    #expect(error?.description == "\(path): \(datasetPath): \(error?.message ?? "")")
  }

  @Test("writing to a read-only file and using a closed file are errors")
  func misuse() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("file.h5")
    try HDF5File.create(path).close()
    let readOnly = try HDF5File.open(path)
    #expect(throws: HDF5Error.self) { try readOnly.writeTensor(try sampleTensor(Float.self, shape: [1]), to: "/data") }
    #expect(throws: HDF5Error.self) { try readOnly.setAttribute("a", .int(1), on: "/") }
    try readOnly.close()
    try readOnly.close()
    let closed = #expect(throws: HDF5Error.self) { try readOnly.children(of: "/") }
    #expect(closed?.message == "file is closed")
    #expect(!readOnly.exists("/"))
  }

  @Test("failures print nothing from HDF5 on standard error, on any thread")
  func noErrorSpew() async throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("file.h5")
    try HDF5File.create(path).close()
    let fail: @Sendable () -> Void = {
      _ = try? HDF5File.open(path + ".absent")
      _ = try? HDF5File.open(path).readTensor("/missing/data")
    }
    let output = try capturingStandardError {
      fail()
      let threads = (0..<4).map { _ in Thread(block: fail) }
      threads.forEach { $0.start() }
      while threads.contains(where: { !$0.isFinished }) { usleep(1000) }
    }
    #expect(!output.contains("HDF5-DIAG"), "stderr: \(output)")
  }
}
