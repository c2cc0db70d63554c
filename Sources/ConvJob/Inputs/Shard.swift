/// `--shard K/N`: the part of a dataset job's items that one task runs.
///
/// An item belongs to shard `h mod N`, where `h` is the first 8 bytes of the
/// SHA-256 of its id (UTF-8) read as a big-endian unsigned integer. The shard
/// depends on nothing but the id and N, so items added to a dataset never move
/// an existing item to another shard, and each shard's `--incremental` keeps
/// working as the dataset grows. In Python:
/// `int.from_bytes(hashlib.sha256(id.encode()).digest()[:8], "big") % N`.
package struct Shard: Sendable, Equatable, CustomStringConvertible {
  /// K, from 0.
  package let index: Int
  /// N, at least 1.
  package let count: Int

  /// Nil unless `0 <= index < count`.
  package init?(index: Int, count: Int) {
    guard count >= 1, (0..<count).contains(index) else { return nil }
    self.index = index
    self.count = count
  }

  /// `"K/N"` as the option and the part file's `shard` attribute write it.
  package init?(_ text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }),
      let index = Int(parts[0]), let count = Int(parts[1])
    else { return nil }
    self.init(index: index, count: count)
  }

  package var description: String { "\(index)/\(count)" }

  /// The name of the part file shard K of N writes by convention, as
  /// `convpipe submit`'s tasks do: `part-K-of-N.h5`.
  package static func partFileName(index: Int, count: Int) -> String { "part-\(index)-of-\(count).h5" }

  /// Whether item `id` belongs to this shard.
  package func contains(_ id: String) -> Bool { Self.index(of: id, count: count) == index }

  /// The shard of item `id` among `count` shards.
  package static func index(of id: String, count: Int) -> Int {
    let digest = SHA256.digest(Array(id.utf8))
    let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    return Int(value % UInt64(max(count, 1)))
  }
}
