import ConvJob
import Testing

@Suite("Shard: which shard an item belongs to")
struct ShardTests {
  @Test("K/N parses for 0 <= K < N and nothing else")
  func parsing() {
    #expect(Shard("0/4") == Shard(index: 0, count: 4))
    #expect(Shard("3/4")?.description == "3/4")
    #expect(Shard("0/1") != nil)
    for bad in ["4/4", "-1/4", "1/0", "1", "1/4/2", "a/4", "1/", "/4", " 1/4", "1/4 ", "+1/4", "1/٤"] {
      #expect(Shard(bad) == nil, "\(bad)")
    }
  }

  /// Values from Python: `int.from_bytes(hashlib.sha256(id.encode()).digest()[:8], "big") % n`.
  @Test("the shard is the first 8 bytes of SHA-256 of the id modulo N, as the README's Python line computes it")
  func stableHash() {
    let expected: [(String, [Int])] = [
      ("00000", [0, 0, 1, 0, 6, 564]), ("00001", [0, 1, 2, 3, 5, 423]), ("cats/001", [0, 0, 2, 2, 5, 710]),
      ("main", [0, 1, 0, 3, 5, 51]), ("0042", [0, 0, 0, 0, 0, 364]), ("", [0, 0, 1, 0, 1, 652]),
    ]
    for (id, shards) in expected {
      #expect([1, 2, 3, 4, 7, 1000].map { Shard.index(of: id, count: $0) } == shards, "\(id)")
    }
    #expect(Shard(index: 3, count: 4)?.contains("00001") == true)
    #expect(Shard(index: 0, count: 4)?.contains("00001") == false)
  }

  @Test("10,000 ids spread over 4 shards within a few percent of a quarter each")
  func spread() {
    var counts = [0, 0, 0, 0]
    for index in 0..<10_000 { counts[Shard.index(of: "images/\(index)", count: 4)] += 1 }
    #expect(counts.allSatisfy { (2_300...2_700).contains($0) }, "\(counts)")
  }
}
