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

  /// The names an HDF5 iteration reports through ``collect(_:into:)``, and what
  /// it returned: `iterate` calls it with a collector as the callback's `void *`.
  static func gather(_ iterate: (UnsafeMutableRawPointer) -> herr_t) -> (names: [String], status: herr_t) {
    let collector = NameCollector()
    let status = withExtendedLifetime(collector) { iterate(Unmanaged.passUnretained(collector).toOpaque()) }
    return (collector.names, status)
  }
}
