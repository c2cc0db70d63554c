import ConvJob
import Foundation

/// Decodes job text as `job.json` in `/jobs/sub` (no file is read).
func decodeJob(_ text: String, directory: String = "/jobs/sub") throws(JobProblems) -> Job {
  try JobDecoder.decode(text: text, file: "job.json", directory: directory)
}

/// The problems decoding `text` reports, or [] when it decodes.
func problems(_ text: String) -> [JobProblem] {
  do {
    _ = try decodeJob(text)
    return []
  } catch {
    return error.problems
  }
}

/// A job with the given inputs and stages (JSON fragments).
func jobText(inputs: String, stages: [String], extra: String = "") -> String {
  """
  {"convpipe": 1, "name": "t",
   "inputs": {\(inputs)},
   "stages": [\(stages.joined(separator: ",\n  "))]\(extra.isEmpty ? "" : ", " + extra)}
  """
}
