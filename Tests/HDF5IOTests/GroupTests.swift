import HDF5IO
import Testing

@Suite("Groups")
struct GroupTests {
  @Test("createGroup makes intermediate groups and accepts an existing group")
  func nestedGroups() throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("groups.h5"))
    try file.createGroup("/a/b/c")
    try file.createGroup("/a/b/c")
    try file.createGroup("/a/b")
    for path in ["/", "/a", "/a/b", "/a/b/c"] {
      #expect(file.exists(path), "\(path)")
      #expect(file.kind(of: path) == .group, "\(path)")
    }
    #expect(try file.children(of: "/a/b/c") == [])
  }

  @Test("children are sorted names of groups and datasets")
  func children() throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("children.h5"))
    try file.createGroup("/a/b")
    try file.writeTensor(try sampleTensor(Float.self, shape: [1]), to: "/a/z")
    try file.writeTensor(try sampleTensor(Float.self, shape: [1]), to: "/a/m")
    try file.createGroup("/a/C")
    #expect(try file.children(of: "/a") == ["C", "b", "m", "z"])
    #expect(try file.children(of: "/") == ["a"])
    #expect(file.kind(of: "/a/m") == .dataset)
  }

  @Test("exists and kind answer false and nil for anything missing")
  func missing() throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("missing.h5"))
    try file.writeTensor(try sampleTensor(Float.self, shape: [1]), to: "/x/y/data")
    #expect(file.kind(of: "/x/y") == .group)
    for path in ["/nope", "/x/nope", "/nope/y/data", "/x/y/data/deeper", "/x/y/data/deeper/still"] {
      #expect(!file.exists(path), "\(path)")
      #expect(file.kind(of: path) == nil, "\(path)")
    }
  }

  @Test("groups and datasets do not overwrite each other")
  func clashes() throws {
    let scratch = try ScratchDirectory()
    let file = try HDF5File.create(scratch.path("clash.h5"))
    try file.writeTensor(try sampleTensor(Float.self, shape: [1]), to: "/data")
    try file.createGroup("/group")
    #expect(throws: HDF5Error.self) { try file.createGroup("/data") }
    #expect(throws: HDF5Error.self) { try file.writeTensor(try sampleTensor(Float.self, shape: [1]), to: "/group") }
    #expect(throws: HDF5Error.self) { try file.children(of: "/data") }
  }
}
