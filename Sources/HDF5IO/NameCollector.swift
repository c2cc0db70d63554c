import CHDF5

/// Collects the strings a C callback receives (link names, attribute names,
/// error descriptions), reached through the callback's `void *` argument.
final class NameCollector {
  private(set) var names: [String] = []

  /// Appends `name`, if there is one, to the collector behind `context`;
  /// returns 0 to continue iterating, or -1 (stop with failure) without a collector.
  static func collect(_ name: UnsafePointer<CChar>?, into context: UnsafeMutableRawPointer?) -> herr_t {
    guard let context else { return -1 }
    if let name {
      Unmanaged<NameCollector>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
    }
    return 0
  }
}
