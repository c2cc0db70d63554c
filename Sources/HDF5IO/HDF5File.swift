import CHDF5
import _HDF5Shims

#if canImport(Glibc)
  import Glibc
#endif

/// An open HDF5 file.
///
/// Every method is safe to call from any thread: calls into libhdf5 are
/// serialised process-wide. Object paths are absolute within the file
/// (`"/a/b/c"`, `"/"` for the root group); a path without a leading slash is
/// taken from the root. The file is closed by ``close()`` or, failing that,
/// when the last reference goes away.
public final class HDF5File: @unchecked Sendable {  // all state is immutable or guarded by the library lock
  /// The path the file was opened or created at.
  public let path: String
  private let handle: HDF5Handle

  private init(path: String, handle: HDF5Handle) {
    self.path = path
    self.handle = handle
  }

  /// Opens an existing HDF5 file.
  ///
  /// Throws when the file is missing, unreadable, not HDF5, or truncated, or
  /// while another process writes it (libhdf5's file lock, which a convpipe
  /// run updating an output in place takes too): then saying so.
  public static func open(_ path: String, mode: HDF5OpenMode = .readOnly) throws(HDF5Error) -> HDF5File {
    let flags = mode == .readOnly ? convpipe_H5F_ACC_RDONLY() : convpipe_H5F_ACC_RDWR()
    do {
      return try HDF5Library.serialised { () throws(HDF5Error) in
        let handle = try HDF5Handle.make(.file, "cannot open file", file: path, object: nil) {
          H5Fopen(path, flags, convpipe_H5P_DEFAULT())
        }
        return HDF5File(path: path, handle: handle)
      }
    } catch {
      guard isLockedForWriting(path) else { throw error }
      let message =
        "another process is writing it (it holds the file's lock: a convpipe run updating it, or another HDF5 writer); try again when it is done"
      throw HDF5Error(file: path, object: nil, message: message, cause: message)
    }
  }

  /// Whether another process holds an exclusive lock on the file at `path`
  /// (`flock`, as libhdf5 takes it for writing).
  public static func isLockedForWriting(_ path: String) -> Bool {
    let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { Glibc.close(descriptor) }
    return flock(descriptor, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
  }

  /// Runs `body` holding libhdf5's lock (recursive: the calls made inside take
  /// it again at no cost). A run of calls made this way is not interleaved with
  /// another thread's; made one by one, while another thread also calls in,
  /// each call could wait for the lock and wake the other thread when done, a
  /// futex hand-over each.
  public func holdingLibrary<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
    try HDF5Library.serialised(body)
  }

  /// Creates a new, empty HDF5 file open for reading and writing, replacing
  /// (truncating) any file already at `path`. With `alignment`, every object
  /// of 64 KiB or more starts at a multiple of it in the file (so that its data
  /// can be written directly, bypassing the page cache: ``RawFileAccess``).
  /// With `metadataCacheBytes`, libhdf5's metadata cache for the file takes at
  /// most that much memory (by default it grows to 32 MiB as the file gains objects).
  public static func create(_ path: String, alignment: Int? = nil, metadataCacheBytes: Int? = nil) throws(HDF5Error)
    -> HDF5File
  {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let access = try fileAccess(path: path, alignment: alignment, metadataCacheBytes: metadataCacheBytes)
      let handle = try HDF5Handle.make(.file, "cannot create file", file: path, object: nil) {
        H5Fcreate(path, convpipe_H5F_ACC_TRUNC(), convpipe_H5P_DEFAULT(), access.id)
      }
      return HDF5File(path: path, handle: handle)
    }
  }

  /// File access properties: the metadata cache capped at `metadataCacheBytes`
  /// when given and, with `alignment`, objects of 64 KiB or more aligned to it.
  private static func fileAccess(path: String, alignment: Int?, metadataCacheBytes: Int?) throws(HDF5Error)
    -> HDF5Handle
  {
    let access = try HDF5Handle.make(.propertyList, "cannot make file access properties", file: path, object: nil) {
      H5Pcreate(convpipe_H5P_FILE_ACCESS())
    }
    if let metadataCacheBytes, convpipe_limit_metadata_cache(access.id, metadataCacheBytes) < 0 {
      throw .fromLibrary("cannot limit the metadata cache", file: path, object: nil)
    }
    if let alignment, H5Pset_alignment(access.id, 1 << 16, hsize_t(alignment)) < 0 {
      throw .fromLibrary("cannot set the alignment", file: path, object: nil)
    }
    return access
  }

  /// Writes everything buffered for the file to the operating system, so that a
  /// process killed afterwards leaves the file as it is now.
  public func flush() throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: nil)
      try check("cannot flush file", object: nil) { H5Fflush(file, H5F_SCOPE_GLOBAL) }
    }
  }

  /// Flushes and closes the file, reporting any failure to do so.
  ///
  /// Closing twice does nothing; every other method fails once the file is closed.
  public func close() throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      guard !handle.isClosed else { return }
      let flushed = H5Fflush(handle.id, H5F_SCOPE_GLOBAL)
      let flushError = flushed < 0 ? HDF5Error.fromLibrary("cannot flush file", file: path, object: nil) : nil
      guard handle.close() >= 0 else { throw .fromLibrary("cannot close file", file: path, object: nil) }
      if let flushError { throw flushError }
    }
  }

  /// Whether ``close()`` has been called.
  public var isClosed: Bool { handle.isClosed }

  // MARK: - Helpers shared by the extensions; call them inside `HDF5Library.serialised`.

  /// The file's identifier, or an error naming `object` when the file is closed.
  func fileID(for object: String?) throws(HDF5Error) -> hid_t {
    guard !handle.isClosed else { throw HDF5Error(file: path, object: object, message: "file is closed") }
    return handle.id
  }

  /// Calls `create`, which opens or creates an identifier, and takes ownership of
  /// the result; on failure throws HDF5's error prefixed by `action`.
  func make(
    _ kind: HDF5Handle.Kind, _ action: String, object: String?, _ create: () -> hid_t
  ) throws(HDF5Error) -> HDF5Handle {
    try HDF5Handle.make(kind, action, file: path, object: object, create)
  }

  /// Calls `call`; a negative status throws HDF5's error prefixed by `action`.
  func check(_ action: String, object: String?, _ call: () -> herr_t) throws(HDF5Error) {
    guard call() >= 0 else { throw .fromLibrary(action, file: path, object: object) }
  }

  /// Calls a yes/no query; a negative answer (a failure) throws HDF5's error prefixed by `action`.
  func ask(_ action: String, object: String?, _ query: () -> htri_t) throws(HDF5Error) -> Bool {
    let answer = query()
    guard answer >= 0 else { throw .fromLibrary(action, file: path, object: object) }
    return answer > 0
  }

  /// An error about `object` that libhdf5 did not report, so it has no HDF5 message.
  func error(_ message: String, object: String?) -> HDF5Error {
    HDF5Error(file: path, object: object, message: message)
  }
}

extension HDF5Handle {
  /// Calls `create` and takes ownership of the identifier it returns; on failure
  /// throws HDF5's error prefixed by `action`.
  static func make(
    _ kind: Kind, _ action: String, file: String, object: String?, _ create: () -> hid_t
  ) throws(HDF5Error) -> HDF5Handle {
    let id = create()
    guard id >= 0 else { throw .fromLibrary(action, file: file, object: object) }
    return HDF5Handle(id: id, kind: kind)
  }
}
