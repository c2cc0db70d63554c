import Foundation
import HDF5IO
import Testing

@Suite("where a string attribute's characters are stored")
struct StoredStringTests {
  @Test("the stored range holds the attribute's characters, for many objects and attributes, the last of many too")
  func rangesHoldTheCharacters() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("strings.h5")
    let file = try HDF5File.create(path)
    var expected: [(String, String, String)] = []
    for index in 0..<200 {
      let group = "/items/\(String(format: "%04d", index))"
      try file.createGroup(group)
      let hash = String(repeating: String(index % 10), count: 64)
      try file.addAttributes([("input_sha256", .string(hash)), ("note", .string("item \(index)"))], on: group)
      try file.writeTensor(try sampleTensor(Float.self, shape: [index % 7 + 1]), to: "\(group)/data")
      expected.append((group, "input_sha256", hash))
      expected.append((group, "note", "item \(index)"))
    }
    try file.close()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let reopened = try HDF5File.open(path)
    for (group, name, value) in expected {
      let range = try #require(try reopened.storedStringRange(attribute: name, of: group), "\(group) \(name)")
      #expect(String(decoding: bytes[range], as: UTF8.self) == value, "\(group) \(name)")
    }
    #expect(try reopened.storedStringRange(attribute: "missing", of: "/items/0001") == nil)
    #expect(try reopened.storedStringRange(attribute: "input_sha256", of: "/items/0001/data") == nil)
  }
}
