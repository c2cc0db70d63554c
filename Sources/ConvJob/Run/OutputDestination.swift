import Foundation

/// Checks the output's path before any work: it must be given, must not be a
/// directory, and its directory must exist or be creatable.
package enum OutputDestination {
  static func check(job: Job, outputOption: String?) throws(JobProblems) -> String {
    let fromOption = outputOption != nil
    let target = try path(job: job, outputOption: outputOption)
    return try check(
      target: target, file: fromOption ? "--output" : job.file, location: fromOption ? "" : "outputs.path",
      example: job.name)
  }

  /// The output's path: `outputOption` (`--output`), else the job's
  /// `outputs.path`; with neither, a problem of the job (exit 2).
  package static func path(job: Job, outputOption: String?) throws(JobProblems) -> String {
    guard let target = outputOption ?? job.outputs.path else {
      throw JobProblems([
        JobProblem(file: job.file, location: "outputs", message: "path is required unless --output is given")
      ])
    }
    return target
  }

  /// Checks `target`, named by `file` at `location` (`--output`, or the job's
  /// `outputs.path`), making its missing folders unless `creating` is false
  /// (`validate`: then only what would keep them from being made is a problem);
  /// a directory is refused with `<directory>/<example>.h5` as the example.
  package static func check(
    target: String, file: String, location: String = "", example: String = "output", creating: Bool = true
  ) throws(JobProblems) -> String {
    var isDirectory: ObjCBool = false
    if target.hasSuffix("/")
      || (FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) && isDirectory.boolValue)
    {
      let message =
        "\(target) is a directory; name the HDF5 file to write, e.g. \(target.hasSuffix("/") ? target : target + "/")\(example).h5"
      throw JobProblems([JobProblem(file: file, location: location, message: message)])
    }
    // Where the path came from first (the job's outputs.path, or --output), then what is wrong with it (exit 3).
    func unwritable(_ message: String) -> JobProblems {
      JobProblems([JobProblem(file: file, location: location, message: "\(target): \(message)", isDataError: true)])
    }
    let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
    if let reason = creating ? makeDirectories(directory) : directoriesProblem(directory) {
      throw unwritable("cannot create the output directory: \(reason)")
    }
    guard access(directory, W_OK) == 0 || (!creating && errno == ENOENT) else {
      throw unwritable("cannot write in \(directory): \(String(cString: strerror(errno)))")
    }
    return target
  }
}
