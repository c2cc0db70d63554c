import ConvJob
import Foundation
import Testing

@Suite("SHA256: FIPS 180-4 test vectors")
struct SHA256Tests {
  /// Messages and digests from FIPS 180-2 appendix B / NIST CAVP, and
  /// padding-boundary lengths checked against Python's hashlib.
  static let vectors: [(String, String)] = [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
    (
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
    ),
    (String(repeating: "x", count: 55), "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"),
    (String(repeating: "x", count: 56), "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"),
    (String(repeating: "x", count: 63), "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"),
    (String(repeating: "x", count: 64), "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"),
    (String(repeating: "x", count: 119), "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"),
  ]

  @Test("standard vectors", arguments: vectors)
  func vector(_ message: String, _ digest: String) {
    #expect(SHA256.hex(Data(message.utf8)) == digest)
  }

  @Test("one million 'a'")
  func millionA() {
    let data = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
    #expect(SHA256.hex(data) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test("digest is 32 bytes matching the hex")
  func digestBytes() {
    let bytes = SHA256.digest(Data("abc".utf8))
    #expect(bytes.count == 32)
    #expect(bytes.prefix(4) == [0xba, 0x78, 0x16, 0xbf])
    #expect(bytes.suffix(2) == [0x15, 0xad])
  }

  @Test("64 hex digits read back as the digest they spell; anything else is refused")
  func hexRoundTrip() throws {
    for (message, digest) in Self.vectors {
      let bytes = try #require(SHA256.digest(hex: Array(digest.utf8)))
      #expect(bytes.hex == digest)
      #expect(bytes.hex == SHA256.hex(Data(message.utf8)))
      #expect(SHA256.digest(hex: Array(digest.uppercased().utf8)) == bytes)
    }
    let abc = Self.vectors[1].1
    #expect(SHA256.digest(hex: Array(abc.dropLast().utf8)) == nil, "63 digits")
    #expect(SHA256.digest(hex: Array((abc + "0").utf8)) == nil, "65 digits")
    #expect(SHA256.digest(hex: Array(("g" + abc.dropFirst()).utf8)) == nil, "not a hex digit")
  }
}
