import Foundation
import Testing
import TestSupport

@testable import ConvJob

/// Reading `.<output>.inputs`: a line is trusted only when all six fields are
/// well formed; anything else is skipped (that file is hashed again).
@Suite("Input stat cache: the lines it trusts")
struct InputStatCacheTests {
  static let hash = String(repeating: "ab", count: 32)

  @Test("well-formed lines are read, negative times included; malformed ones are skipped")
  func lines() throws {
    let folder = Fixtures.temporaryDirectory("convpipe-stat-cache")
    defer { try? FileManager.default.removeItem(at: folder) }
    let target = folder.appendingPathComponent("out.h5").path
    let lines = [
      "\(Self.hash)\t120\t1700000000000000000\t1700000000000000001\t42\t/data/a.png",
      "\(Self.hash)\t7\t-5000\t-4000\t43\t/data/old file.png",  // before 1970, a space in the name
      "\(Self.hash)\tten\t1\t2\t44\t/data/b.png",  // size not a number
      "\(Self.hash)\t1\t2\t3\t/data/c.png",  // a field missing
      "\(Self.hash)\t1\t2\t3\t99999999999999999999999\t/data/d.png",  // inode out of range
      "\(Self.hash)\t1\t2\t3\t-\t/data/e.png",  // a sign alone
    ]
    try (lines.joined(separator: "\n") + "\n").write(
      toFile: hiddenSibling(of: target, ".inputs"), atomically: false, encoding: .utf8)
    let cache = InputStatCache(target: target)
    let a = InputStatCache.FileState(
      size: 120, modified: 1_700_000_000_000_000_000, changed: 1_700_000_000_000_000_001, inode: 42)
    #expect(cache.hash(of: "/data/a.png", state: a) == Self.hash)
    let old = InputStatCache.FileState(size: 7, modified: -5000, changed: -4000, inode: 43)
    #expect(cache.hash(of: "/data/old file.png", state: old) == Self.hash)
    #expect(cache.hash(of: "/data/a.png", state: old) == nil, "another state is not trusted")
    for (name, inode) in [("b", 44), ("c", 0), ("d", 0), ("e", 0)] {
      let state = InputStatCache.FileState(size: 1, modified: 2, changed: 3, inode: UInt64(inode))
      #expect(cache.hash(of: "/data/\(name).png", state: state) == nil)
    }
  }

  @Test("a save writes the files this run saw, sorted by path, not racy ones nor ones only recorded before")
  func save() throws {
    let folder = Fixtures.temporaryDirectory("convpipe-stat-cache")
    defer { try? FileManager.default.removeItem(at: folder) }
    let target = folder.appendingPathComponent("out.h5").path
    let cacheFile = hiddenSibling(of: target, ".inputs")
    let other = String(repeating: "0f", count: 32)
    let recorded = [
      "\(Self.hash)\t1\t10\t11\t1\t/data/kept.png",
      "\(Self.hash)\t2\t20\t21\t2\t/data/not seen.png",
      "\(Self.hash)\t3\t30\t31\t3\t/data/changed.png",
    ]
    try (recorded.joined(separator: "\n") + "\n").write(toFile: cacheFile, atomically: false, encoding: .utf8)
    let cache = InputStatCache(target: target)
    #expect(cache.hash(of: "/data/kept.png", state: .init(size: 1, modified: 10, changed: 11, inode: 1)) == Self.hash)
    let changed = InputStatCache.FileState(size: 4, modified: 40, changed: 41, inode: 3)
    #expect(cache.hash(of: "/data/changed.png", state: changed) == nil)
    cache.remember("/data/changed.png", state: changed, hash: other)
    #expect(cache.hash(of: "/data/changed.png", state: changed) == other, "this run's hash is trusted")
    cache.remember("/data/a new one.png", state: .init(size: 5, modified: 50, changed: 51, inode: 5), hash: other)
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let racy = Int64(now.tv_sec) * 1_000_000_000
    cache.remember("/data/racy.png", state: .init(size: 6, modified: racy, changed: racy, inode: 6), hash: other)
    cache.save(golden: ("/refs/last-good.h5", .init(size: 7, modified: 70, changed: 71, inode: 7)))
    #expect(
      try String(contentsOfFile: cacheFile, encoding: .utf8) == """
        golden\t7\t70\t71\t7\t/refs/last-good.h5
        \(other)\t5\t50\t51\t5\t/data/a new one.png
        \(other)\t4\t40\t41\t3\t/data/changed.png
        \(Self.hash)\t1\t10\t11\t1\t/data/kept.png

        """)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: folder.path) == [".out.h5.inputs"], "no temporary file left")
    let reloaded = InputStatCache(target: target)
    #expect(reloaded.goldenState(of: "/refs/last-good.h5") == .init(size: 7, modified: 70, changed: 71, inode: 7))
    #expect(reloaded.goldenState(of: "/data/kept.png") == nil, "an input's line is not a golden file's")
    let golden = InputStatCache.FileState(size: 7, modified: 70, changed: 71, inode: 7)
    #expect(reloaded.hash(of: "/refs/last-good.h5", state: golden) == nil, "a golden file's line is not an input's")
  }

  @Test("files remembered and looked up from many threads at once are all saved")
  func concurrentUse() throws {
    let folder = Fixtures.temporaryDirectory("convpipe-stat-cache")
    defer { try? FileManager.default.removeItem(at: folder) }
    let target = folder.appendingPathComponent("out.h5").path
    let cache = InputStatCache(target: target)
    DispatchQueue.concurrentPerform(iterations: 8) { thread in
      for index in 0..<500 {
        let file = "/data/\(thread)-\(index).png"
        let state = InputStatCache.FileState(
          size: Int64(index), modified: 10, changed: 11, inode: UInt64(thread * 1000 + index))
        cache.remember(file, state: state, hash: Self.hash)
        #expect(cache.hash(of: file, state: state) == Self.hash)
      }
    }
    cache.save()
    let text = try String(contentsOfFile: hiddenSibling(of: target, ".inputs"), encoding: .utf8)
    #expect(text.split(separator: "\n").count == 4000)
    let last = InputStatCache.FileState(size: 499, modified: 10, changed: 11, inode: 7499)
    #expect(InputStatCache(target: target).hash(of: "/data/7-499.png", state: last) == Self.hash)
  }
}
