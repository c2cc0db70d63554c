import CCrypto
import Foundation

/// SHA-256 (FIPS 180-4), for the job and input content hashes recorded in
/// output files, computed by OpenSSL's libcrypto (which uses the processor's
/// SHA instructions where it has them).
package enum SHA256 {
  /// The digest of `bytes` as 64 lowercase hex digits.
  package static func hex(_ bytes: some ContiguousBytes) -> String {
    hex(digest: digest(bytes))
  }

  /// The 32-byte digest of `bytes`.
  package static func digest(_ bytes: some ContiguousBytes) -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    bytes.withUnsafeBytes { bytes in
      digest.withUnsafeMutableBufferPointer { out in
        // The low-level calls do not fail; were they to, a digest of zeros would pass as every file's.
        precondition(
          convpipe_sha256(bytes.baseAddress, bytes.count, out.baseAddress) == 1, "libcrypto's SHA-256 failed")
      }
    }
    return digest
  }

  /// Digest bytes as lowercase hex digits, two a byte.
  package static func hex(digest: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
  }

  /// The 32 digest bytes spelled by 64 hex digits (ASCII, either case), or nil.
  package static func digest(hex: some Collection<UInt8>) -> SIMD32<UInt8>? {
    guard hex.count == 64 else { return nil }
    var digest = SIMD32<UInt8>()
    for (index, character) in hex.enumerated() {
      let value: UInt8
      switch character {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
      default: return nil
      }
      digest[index / 2] |= index % 2 == 0 ? value << 4 : value
    }
    return digest
  }
}

extension SIMD32<UInt8> {
  /// The 32 bytes as 64 lowercase hex digits (a digest from ``SHA256/digest(hex:)``).
  package var hex: String { SHA256.hex(digest: indices.lazy.map { self[$0] }) }
}
