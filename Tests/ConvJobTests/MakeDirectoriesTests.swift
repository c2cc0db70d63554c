import ConvJob
import Foundation
import Testing
import TestSupport

/// `makeDirectories`: `mkdir -p`, saying which part of the path is at fault.
@Suite("Making an output's folders")
struct MakeDirectoriesTests {
  @Test("missing folders are made; a file in the path and a folder that cannot be made are named")
  func folders() throws {
    let root = Fixtures.temporaryDirectory("convpipe-mkdir")
    defer { try? FileManager.default.removeItem(at: root) }
    let nested = root.appendingPathComponent("a/b/c").path
    #expect(makeDirectories(nested) == nil)
    #expect(makeDirectories(nested) == nil, "existing folders are fine")
    var isDirectory: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)
    let file = root.appendingPathComponent("a/plain").path
    #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
    #expect(makeDirectories(file + "/d/e") == "\(file) is a file, not a folder")
    #expect(makeDirectories("/proc/convpipe-nope/x") == "cannot create /proc/convpipe-nope: No such file or directory")
  }
}
