import ConvCore
import Foundation
import HDF5IO
import Testing

@Suite("Tensor round trips")
struct RoundTripTests {
  static let shapes: [[Int]] = [[7], [2, 3], [2, 3, 4], [1, 2, 3, 4], [2, 1, 3, 2, 2], [], [0, 3]]

  @Test("float32 and float64 tensors of rank 0-5 read back unchanged", arguments: shapes)
  func roundTrip(shape: [Int]) throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("round.h5"))
    let single = try sampleTensor(Float.self, shape: shape, seed: 1)
    let double = try sampleTensor(Double.self, shape: shape, seed: 2)
    try file.writeTensor(single, to: "/single")
    try file.writeTensor(double, to: "/nested/double")
    try file.close()

    let reopened = try HDF5File.open(scratch.path("round.h5"))
    #expect(try reopened.readTensor("/single") == single)
    #expect(try reopened.readTensor("/nested/double") == double)
    #expect(
      try reopened.datasetInfo("/single") == HDF5DatasetInfo(shape: shape, storedType: "float32", dtype: .float32))
    #expect(
      try reopened.datasetInfo("/nested/double")
        == HDF5DatasetInfo(shape: shape, storedType: "float64", dtype: .float64))
  }

  @Test("a tensor above the threshold is stored chunked and compressed")
  func largeTensorIsCompressed() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("large.h5")
    let shape = [4, 8, 64, 64]  // 131072 elements, twice the default threshold
    let tensor = try sampleTensor(Float.self, shape: shape)
    let file = try HDF5File.create(path)
    try file.writeTensor(tensor, to: "/weights")
    try file.close()

    let fileSize = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    #expect(
      fileSize < tensor.byteCount / 4, "compressible data should shrink well below its raw \(tensor.byteCount) bytes")
    let reopened = try HDF5File.open(path)
    #expect(try reopened.readTensor("/weights") == tensor)
    #expect(try reopened.readTensor("/weights", rows: 1..<3) == slice(tensor, rows: 1..<3))
  }

  @Test("a tensor at or below the threshold is stored contiguously")
  func smallTensorIsContiguous() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("small.h5")
    let tensor = try Tensor(shape: [256, 256], values: [Float](repeating: 0, count: 1 << 16))
    let file = try HDF5File.create(path)
    try file.writeTensor(tensor, to: "/zeros")
    try file.close()

    let fileSize = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    #expect(fileSize >= tensor.byteCount)
  }

  @Test("writing over a dataset replaces it")
  func overwrite() throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("overwrite.h5"))
    try file.writeTensor(try sampleTensor(Float.self, shape: [2, 2]), to: "/data")
    let replacement = try sampleTensor(Double.self, shape: [3], seed: 5)
    try file.writeTensor(replacement, to: "/data")
    #expect(try file.readTensor("/data") == replacement)
  }
}

@Suite("Row hyperslabs")
struct RowReadTests {
  @Test("rows of a dataset equal the same slice of the full read", arguments: [0..<10, 2..<7, 9..<10, 3..<3])
  func rowsMatchSlice(rows: Range<Int>) throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("rows.h5"))
    try file.writeTensor(try sampleTensor(Double.self, shape: [10, 3, 4]), to: "/data")
    let full = try file.readTensor("/data")
    let part = try file.readTensor("/data", rows: rows)
    #expect(part.shape == [rows.count, 3, 4])
    #expect(part == (try slice(full, rows: rows)))
  }

  @Test("rows outside axis 0, or of a scalar, are an error")
  func rowsOutOfRange() throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("rows.h5"))
    try file.writeTensor(try sampleTensor(Float.self, shape: [4, 2]), to: "/data")
    try file.writeTensor(try sampleTensor(Float.self, shape: []), to: "/scalar")
    let beyond = #expect(throws: HDF5Error.self) { try file.readTensor("/data", rows: 2..<5) }
    #expect(beyond?.object == "/data")
    #expect(throws: HDF5Error.self) { try file.readTensor("/scalar", rows: 0..<1) }
  }

  @Test("rows of an integer fixture dataset convert like a full read")
  func integerRows() throws {
    let file = try HDF5File.open(try fixturePath("types.h5"))
    let rows = try file.readTensor("/numbers/int16", rows: 1..<2)
    #expect(rows == (try Tensor(shape: [1, 3], values: [Float(3), 4, 5])))
  }
}
