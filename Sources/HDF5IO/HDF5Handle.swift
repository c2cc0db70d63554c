import CHDF5

/// Owns one HDF5 identifier and closes it exactly once, with the close call
/// that matches its kind, under the library lock.
///
/// Only identifiers the caller owns may be wrapped: never predefined types
/// such as `H5T_NATIVE_FLOAT` or `H5P_DEFAULT`.
final class HDF5Handle: @unchecked Sendable {  // `isOpen` is guarded by the library lock
  /// What an identifier refers to, which decides how it is closed.
  enum Kind {
    case file, group, dataset, dataspace, datatype, attribute, object, propertyList

    fileprivate func close(_ id: hid_t) -> herr_t {
      switch self {
      case .file: H5Fclose(id)
      case .group: H5Gclose(id)
      case .dataset: H5Dclose(id)
      case .dataspace: H5Sclose(id)
      case .datatype: H5Tclose(id)
      case .attribute: H5Aclose(id)
      case .object: H5Oclose(id)
      case .propertyList: H5Pclose(id)
      }
    }
  }

  /// The identifier; valid until ``close()``.
  let id: hid_t
  let kind: Kind
  private var isOpen = true

  /// Takes ownership of `id`, which must be a valid (non-negative) identifier.
  init(id: hid_t, kind: Kind) {
    self.id = id
    self.kind = kind
  }

  /// Whether ``close()`` has run.
  var isClosed: Bool { HDF5Library.serialised { !isOpen } }

  /// Closes the identifier if it is still open; returns the close call's status
  /// (0 when already closed).
  @discardableResult
  func close() -> herr_t {
    HDF5Library.serialised {
      guard isOpen else { return 0 }
      isOpen = false
      return kind.close(id)
    }
  }

  deinit { close() }
}
