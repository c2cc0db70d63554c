import ConvJob
import Foundation
import Testing
import TestSupport

@Suite("FileIdentity: whether two paths name one file")
struct FileIdentityTests {
  @Test("the same canonical path, a symbolic or hard link, or a file yet to be written under a linked directory")
  func same() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-file-identity").path
    let file = directory + "/a.txt", other = directory + "/b.txt"
    try Data("a".utf8).write(to: URL(fileURLWithPath: file))
    try Data("a".utf8).write(to: URL(fileURLWithPath: other))
    try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: directory)
    try FileManager.default.linkItem(atPath: file, toPath: directory + "/hard.txt")
    #expect(FileIdentity.same(file, directory + "/./sub/../a.txt"))
    #expect(FileIdentity.same(file, directory + "/link/a.txt"))
    #expect(FileIdentity.same(file, directory + "/hard.txt"))
    #expect(FileIdentity.same(directory + "/new.txt", directory + "/link/new.txt"))
    #expect(!FileIdentity.same(file, other), "equal contents are not one file")
    #expect(!FileIdentity.same(directory + "/new.txt", directory + "/newer.txt"))
  }
}
