import HDF5IO

/// Files convpipe wrote: its outputs, part files and golden files.
package enum ConvpipeOutput {
  /// Opens `path` for reading when convpipe wrote it (its root has the
  /// attribute `convpipe_version`); otherwise fails saying what the file holds.
  /// Fails too while an `--incremental` update of it that was cut short has
  /// its undo journal beside it (``OutputUndo``): the file is then partly
  /// updated until the next `convpipe run` on it puts the earlier bytes back;
  /// and while a run is updating it (it holds the file's lock), saying so.
  package static func open(_ path: String) throws(HDF5Error) -> HDF5File {
    let journal = OutputUndo.path(target: path)
    // A run updating the file holds its lock: then HDF5File.open says another process is writing it.
    if OutputUndo.isPending(target: path), !HDF5File.isLockedForWriting(path) {
      let message =
        "an --incremental update of it was cut short and its earlier bytes are in \(journal); run the job again (convpipe run) to put them back"
      throw HDF5Error(file: path, object: nil, message: message, cause: message)
    }
    let file = try HDF5File.open(path)
    guard try file.attribute("convpipe_version", of: "/") == nil else { return file }
    let holds = file.datasetList(limit: 5).map { "datasets \($0)" } ?? "no datasets"
    throw HDF5Error(
      file: path, object: nil,
      message: "an HDF5 file not written by convpipe (no convpipe_version attribute); it holds \(holds)",
      cause: "an HDF5 file not written by convpipe (it holds \(holds))")
  }
}
