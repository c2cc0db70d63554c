import CHDF5
import _HDF5Shims

extension HDF5File {
  /// Whether a group or dataset exists at `objectPath`.
  ///
  /// False, never an error, when any part of the path is missing, when a part
  /// is not a group, or when the file is closed.
  public func exists(_ objectPath: String) -> Bool {
    HDF5Library.serialised {
      guard let file = try? fileID(for: objectPath) else { return false }
      let lapl = convpipe_H5P_DEFAULT()
      // H5Lexists fails rather than answering when a parent is missing, so walk down from the root.
      let linksExist = Self.ancestry(of: objectPath).allSatisfy { H5Lexists(file, $0, lapl) > 0 }
      return linksExist && H5Oexists_by_name(file, objectPath, lapl) > 0
    }
  }

  /// Whether `objectPath` names a group or a dataset; nil when it names nothing
  /// (as for ``exists(_:)``) or another kind of object such as a named datatype.
  public func kind(of objectPath: String) -> HDF5ObjectKind? {
    HDF5Library.serialised {
      guard exists(objectPath), let file = try? fileID(for: objectPath),
        let object = try? make(
          .object, "cannot open object", object: objectPath,
          {
            H5Oopen(file, objectPath, convpipe_H5P_DEFAULT())
          })
      else { return nil }
      switch H5Iget_type(object.id) {
      case H5I_GROUP: return .group
      case H5I_DATASET: return .dataset
      default: return nil
      }
    }
  }

  /// The names (not paths) of the groups and datasets directly inside a group,
  /// sorted; throws when `groupPath` is missing or not a group.
  public func children(of groupPath: String) throws(HDF5Error) -> [String] {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: groupPath)
      let group = try make(.group, "cannot open group", object: groupPath) {
        H5Gopen2(file, groupPath, convpipe_H5P_DEFAULT())
      }
      let listed = NameCollector.gather { collector in
        H5Literate(
          group.id, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, into in NameCollector.collect(name, into: into) },
          collector)
      }
      try check("cannot list group", object: groupPath) { listed.status }
      return listed.names.sorted()
    }
  }

  /// ``datasetPaths(limit:)`` joined by `, `, ending `, ...` when there may be
  /// more: `/a, /b/c, ...`; nil when the file holds no dataset.
  public func datasetList(limit: Int) -> String? {
    let paths = datasetPaths(limit: limit)
    guard !paths.isEmpty else { return nil }
    return paths.joined(separator: ", ") + (paths.count == limit ? ", ..." : "")
  }

  /// The paths of the datasets in the file, depth first in name order, at most
  /// `limit` of them: for messages that say what a file holds.
  public func datasetPaths(limit: Int = 20) -> [String] {
    HDF5Library.serialised {
      var found: [String] = []
      func visit(_ group: String) {
        guard found.count < limit, let names = try? children(of: group) else { return }
        for name in names where found.count < limit {
          let path = group == "/" ? "/" + name : group + "/" + name
          switch kind(of: path) {
          case .dataset: found.append(path)
          case .group: visit(path)
          case nil: break
          }
        }
      }
      visit("/")
      return found
    }
  }

  /// Creates the group at `path` and any missing groups above it; does nothing
  /// when a group already exists there, and throws when a dataset does.
  public func createGroup(_ path: String) throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      try createMissingAncestors(of: path)
      try createGroupIfMissing(path)
    }
  }

  /// Creates an external link at `path` to `object` in the HDF5 file `target`
  /// (resolved when the link is followed: a relative `target` first against the
  /// directory of the file holding the link), creating missing groups above it.
  /// h5py and every libhdf5 reader follow it as if the object were here.
  public func createExternalLink(_ path: String, to object: String, in target: String) throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: path)
      try createMissingAncestors(of: path)
      try check("cannot create external link to \(target)", object: path) {
        H5Lcreate_external(target, object, file, path, convpipe_H5P_DEFAULT(), convpipe_H5P_DEFAULT())
      }
    }
  }

  /// Creates every missing group above `path`, one level at a time, so that each
  /// gets the creation properties of ``createGroupIfMissing(_:)``.
  func createMissingAncestors(of path: String) throws(HDF5Error) {
    for ancestor in Self.ancestry(of: path).dropLast() { try createGroupIfMissing(ancestor) }
  }

  /// Creates one group whose parent exists, recording no modification time
  /// (so that the same content gives the same bytes); nothing when it exists.
  private func createGroupIfMissing(_ path: String) throws(HDF5Error) {
    let file = try fileID(for: path)
    switch kind(of: path) {
    case .group: return
    case .dataset: throw error("cannot create group: a dataset exists at this path", object: path)
    case nil: break
    }
    let creation = try objectCreationList(convpipe_H5P_GROUP_CREATE(), object: path)
    _ = try make(.group, "cannot create group", object: path) {
      H5Gcreate2(file, path, convpipe_H5P_DEFAULT(), creation.id, convpipe_H5P_DEFAULT())
    }
  }

  /// A creation property list of `listClass` that records no access or
  /// modification times in the object's header.
  func objectCreationList(_ listClass: hid_t, object: String) throws(HDF5Error) -> HDF5Handle {
    let action = "cannot make object creation properties"
    let list = try make(.propertyList, action, object: object) { H5Pcreate(listClass) }
    try check(action, object: object) { H5Pset_obj_track_times(list.id, false) }
    return list
  }

  /// `"/a"`, `"/a/b"`, `"/a/b/c"` for `"/a/b/c"`; empty for the root.
  private static func ancestry(of objectPath: String) -> [String] {
    let parts = objectPath.split(separator: "/")
    return parts.indices.map { "/" + parts[...$0].joined(separator: "/") }
  }
}
