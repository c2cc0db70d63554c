import CCrypto
import Foundation

/// SHA-256 (FIPS 180-4), for the job and input content hashes recorded in
/// output files, computed by OpenSSL's libcrypto (which uses the processor's
/// SHA instructions where it has them).
package enum SHA256 {
  /// The digest of `bytes` as 64 lowercase hex digits.
  package static func hex(_ bytes: some ContiguousBytes) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return String(decoding: digest(bytes).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
  }

  /// The 32-byte digest of `bytes`.
  package static func digest(_ bytes: some ContiguousBytes) -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    bytes.withUnsafeBytes { bytes in
      digest.withUnsafeMutableBufferPointer { out in
        _ = CCrypto.SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, out.baseAddress)
      }
    }
    return digest
  }
}
