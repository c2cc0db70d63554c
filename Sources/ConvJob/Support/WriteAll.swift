#if canImport(Glibc)
  import Glibc
#endif

/// Writes all of `bytes` to `descriptor`, retrying interrupted and partial
/// writes: 0, or the `errno` of the write that failed.
package func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32 {
  var written = 0
  while written < bytes.count {
    let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    if count < 0 {
      if errno == EINTR { continue }
      return errno
    }
    written += count
  }
  return 0
}
