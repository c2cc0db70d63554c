import ConvCore
import HDF5IO
import Testing

/// Reads `Fixtures/types.h5`, written by h5py (see `Fixtures/make_fixtures.py`).
@Suite("Element types written by h5py")
struct ElementTypeTests {
  struct Case: Sendable, CustomStringConvertible {
    let dataset: String
    let storedType: String
    let dtype: DType
    var description: String { dataset }
  }

  static let cases: [Case] =
    ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32"]
    .map { Case(dataset: $0, storedType: $0, dtype: .float32) }
    + [
      Case(dataset: "float64", storedType: "float64", dtype: .float64),
      Case(dataset: "float64_be", storedType: "float64", dtype: .float64),
      Case(dataset: "int32_be", storedType: "int32", dtype: .float32),
    ]

  @Test("every numeric type loads with the right values, dtype and stored type", arguments: cases)
  func numericType(_ testCase: Case) throws {
    let file = try HDF5File.open(try fixturePath("types.h5"))
    let path = "/numbers/\(testCase.dataset)"
    #expect(
      try file.datasetInfo(path)
        == HDF5DatasetInfo(shape: [2, 3], storedType: testCase.storedType, dtype: testCase.dtype))

    let tensor = try file.readTensor(path)
    let lastValue: Double = testCase.dataset == "uint64" ? 1_099_511_627_776 : 5  // 2**40
    #expect(tensor.shape == [2, 3])
    #expect(tensor.dtype == testCase.dtype)
    #expect(tensor.doubles == [0, 1, 2, 3, 4, lastValue])
  }

  @Test("a scalar dataset loads with shape []")
  func scalar() throws {
    let file = try HDF5File.open(try fixturePath("types.h5"))
    #expect(try file.readTensor("/numbers/scalar") == (try Tensor(shape: [], values: [2.5])))
  }

  @Test("a string dataset is an error naming the dataset and its type class")
  func stringDataset() throws {
    let path = try fixturePath("types.h5")
    let file = try HDF5File.open(path)
    for read in [{ _ = try file.readTensor("/text") }, { _ = try file.datasetInfo("/text") }] {
      let error = #expect(throws: HDF5Error.self) { try read() }
      #expect(error?.object == "/text")
      #expect(error?.message.contains("string") == true)
      #expect(error?.description.hasPrefix("\(path): /text: ") == true)
    }
  }

  @Test("h5py attributes of every kind read back")
  func h5pyAttributes() throws {
    let file = try HDF5File.open(try fixturePath("types.h5"))
    let expected: [String: HDF5AttributeValue] = [
      "stage": .string("conv1"),
      "rtol": .double(1e-5),
      "atol": .double(1e-7),
      "count": .int(42),
      "ints": .ints([1, -2, 3]),
      "doubles": .doubles([0.5, 1.5]),
      "fixed": .string("fixed-length"),
      "words": .strings(["alpha", "beta"]),
      "small": .int(-7),
      "single": .double(0.25),
    ]
    #expect(try file.attributeNames(of: "/numbers/float64") == expected.keys.sorted())
    for (name, value) in expected {
      #expect(try file.attribute(name, of: "/numbers/float64") == value, "attribute \(name)")
    }
    #expect(try file.attribute("title", of: "/") == .string("types fixture"))
    #expect(try file.attribute("level", of: "/outer") == .int(1))
    #expect(try file.attribute("absent", of: "/outer") == nil)
  }

  @Test("h5py's nested groups are listed and classified")
  func h5pyGroups() throws {
    let file = try HDF5File.open(try fixturePath("types.h5"))
    #expect(try file.children(of: "/") == ["numbers", "outer", "text"])
    #expect(try file.children(of: "/outer/inner") == ["deepest", "values"])
    #expect(file.kind(of: "/outer/inner/deepest") == .group)
    #expect(file.kind(of: "/outer/inner/values") == .dataset)
    #expect(try file.readTensor("/outer/inner/values") == (try Tensor(shape: [2], values: [Float(1.5), -2.5])))
  }
}
