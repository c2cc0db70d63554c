import CCrypto
import Foundation

/// SHA-256 (FIPS 180-4), for the job and input content hashes recorded in
/// output files, computed by OpenSSL's libcrypto (which uses the processor's
/// SHA instructions where it has them).
package enum SHA256 {
  /// The digest of `data` as 64 lowercase hex digits.
  package static func hex(_ data: Data) -> String {
    digest(data).map { String(format: "%02x", $0) }.joined()
  }

  /// The 32-byte digest of `data`.
  package static func digest(_ data: Data) -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    data.withUnsafeBytes { bytes in
      digest.withUnsafeMutableBufferPointer { out in
        _ = CCrypto.SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, out.baseAddress)
      }
    }
    return digest
  }
}
