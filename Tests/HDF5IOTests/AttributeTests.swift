import HDF5IO
import Testing

@Suite("Attributes")
struct AttributeTests {
  static let values: [String: HDF5AttributeValue] = [
    "string": .string("conv1 — µ ✓"),
    "empty string": .string(""),
    "int": .int(-42),
    "big int": .int(Int.max),
    "double": .double(1e-5),
    "ints": .ints([1, -2, 3]),
    "one int": .ints([7]),
    "no ints": .ints([]),
    "doubles": .doubles([0.5, -1.5, .infinity]),
    "strings": .strings(["alpha", "", "γ"]),
    "no strings": .strings([]),
  ]

  @Test(
    "every kind of value round-trips on the root, a group and a dataset", arguments: ["/", "/group", "/group/data"])
  func roundTrip(objectPath: String) throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("attributes.h5")
    let file = try HDF5File.create(path)
    try file.createGroup("/group")
    try file.writeTensor(try sampleTensor(Float.self, shape: [2]), to: "/group/data")
    for (name, value) in Self.values {
      try file.setAttribute(name, value, on: objectPath)
    }
    try file.close()

    let reopened = try HDF5File.open(path)
    #expect(try reopened.attributeNames(of: objectPath) == Self.values.keys.sorted())
    for (name, value) in Self.values {
      #expect(try reopened.attribute(name, of: objectPath) == value, "attribute \(name)")
    }
    #expect(try reopened.attributes(of: objectPath) == Self.values, "all at once, as one by one")
  }

  @Test("an object without attributes has none; a missing object is an error naming it")
  func noAttributes() throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("none.h5"))
    try file.createGroup("/plain")
    #expect(try file.attributes(of: "/plain").isEmpty)
    let error = #expect(throws: HDF5Error.self) { try file.attributes(of: "/missing") }
    #expect(error?.object == "/missing")
  }

  @Test("setting an attribute again replaces it, whatever its kind")
  func replace() throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("replace.h5"))
    try file.setAttribute("stage", .int(1), on: "/")
    try file.setAttribute("stage", .strings(["a", "b"]), on: "/")
    try file.setAttribute("stage", .string("final"), on: "/")
    #expect(try file.attribute("stage", of: "/") == .string("final"))
    #expect(try file.attributeNames(of: "/") == ["stage"])
  }

  @Test("attributes of a missing object are an error naming it")
  func missingObject() throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("missing.h5"))
    let read = #expect(throws: HDF5Error.self) { try file.attribute("rtol", of: "/nowhere") }
    #expect(read?.object == "/nowhere")
    #expect(throws: HDF5Error.self) { try file.setAttribute("rtol", .double(1), on: "/nowhere") }
    #expect(throws: HDF5Error.self) { try file.attributeNames(of: "/nowhere") }
  }
}
