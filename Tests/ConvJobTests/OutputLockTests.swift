import Foundation
import Testing
import TestSupport

@testable import ConvJob

@Suite("Output lock: one run an output")
struct OutputLockTests {
  @Test("a second lock on an output fails and leaves the holder's file alone; releasing removes the file")
  func exclusive() throws {
    let folder = Fixtures.temporaryDirectory("convpipe-output-lock")
    defer { try? FileManager.default.removeItem(at: folder) }
    let target = folder.appendingPathComponent("out.h5").path
    let holder = try OutputLock(target: target)
    #expect(throws: JobProblems.self) { try OutputLock(target: target) }
    #expect(FileManager.default.fileExists(atPath: holder.path), "a failed attempt removes nothing")
    #expect(throws: JobProblems.self) { try OutputLock(target: target) }
    holder.release()
    #expect(!FileManager.default.fileExists(atPath: holder.path))
    let next = try OutputLock(target: target)
    #expect(FileManager.default.fileExists(atPath: next.path))
    next.release()
  }
}
