import ConvJob
import Foundation
import Testing
import TestSupport
import _SystemShims

/// `replaceKeepingMode`: the rename over an output, the replaced file's mode
/// kept and, for a large one, its blocks freed by a child process.
@Suite("Replacing a file")
struct ReplaceKeepingModeTests {
  @Test("a large file is replaced, its mode kept, and this process keeps no descriptor of it")
  func largeFile() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-replace")
    let target = directory.appendingPathComponent("out.h5").path
    let temporary = directory.appendingPathComponent(".out.h5.tmp").path
    try Data(repeating: 7, count: releasedInChildBytes + 4096).write(to: URL(fileURLWithPath: target))
    #expect(chmod(target, 0o640) == 0)
    try Data("new".utf8).write(to: URL(fileURLWithPath: temporary))
    var old = stat()
    #expect(stat(target, &old) == 0)
    #expect(replaceKeepingMode(temporary, over: target) == 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data("new".utf8))
    var replaced = stat()
    #expect(stat(target, &replaced) == 0)
    #expect(replaced.st_mode & 0o7777 == 0o640)
    #expect(!FileManager.default.fileExists(atPath: temporary))
    #expect(try Self.openInodes().contains(old.st_ino) == false, "the replaced file is left to the child to close")
  }

  @Test("a failed rename says why in errno and leaves the target as it was")
  func failedRename() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-replace")
    let target = directory.appendingPathComponent("out.h5").path
    try Data(repeating: 7, count: releasedInChildBytes + 4096).write(to: URL(fileURLWithPath: target))
    errno = 0
    #expect(replaceKeepingMode(directory.appendingPathComponent("missing").path, over: target) == -1)
    #expect(errno == ENOENT)
    #expect(try Data(contentsOf: URL(fileURLWithPath: target)).count == releasedInChildBytes + 4096)
  }

  @Test("the child that closes a replaced file starts; a bad descriptor is refused")
  func child() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-replace")
    let path = directory.appendingPathComponent("held").path
    try Data("held".utf8).write(to: URL(fileURLWithPath: path))
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    try #require(descriptor >= 0)
    defer { close(descriptor) }
    #expect(convpipe_close_in_child(descriptor) == 0)
    #expect(convpipe_close_in_child(-1) == -1 && errno == EBADF)
  }

  /// The inode numbers of the files this process has open.
  private static func openInodes() throws -> Set<ino_t> {
    let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
    return Set(
      descriptors.compactMap { name -> ino_t? in
        var info = stat()
        return stat("/proc/self/fd/\(name)", &info) == 0 ? info.st_ino : nil
      })
  }
}
