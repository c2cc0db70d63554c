import HDF5IO

/// Files convpipe wrote: its outputs, part files and golden files.
package enum ConvpipeOutput {
  /// Opens `path` for reading when convpipe wrote it (its root has the
  /// attribute `convpipe_version`); otherwise fails saying what the file holds.
  package static func open(_ path: String) throws(HDF5Error) -> HDF5File {
    let file = try HDF5File.open(path)
    guard try file.attribute("convpipe_version", of: "/") == nil else { return file }
    let holds = file.datasetList(limit: 5).map { "datasets \($0)" } ?? "no datasets"
    throw HDF5Error(
      file: path, object: nil,
      message: "an HDF5 file not written by convpipe (no convpipe_version attribute); it holds \(holds)",
      cause: "an HDF5 file not written by convpipe (it holds \(holds))")
  }
}
