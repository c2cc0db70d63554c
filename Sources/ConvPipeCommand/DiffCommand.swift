import ArgumentParser
import ConvJob
import Foundation
import HDF5IO

struct DiffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Compare a convpipe output file with a reference, tensor by tensor.",
    discussion: """
      The first file is the reference, as the golden file is for `run --golden`: relative \
      errors are |new - reference| / |reference|, and an item or tensor is "missing" when \
      only the reference has it, "extra" when only the new file has it. Lists those, shape \
      and type changes, and values outside |new - reference| <= atol + rtol * |reference| \
      (NaN equals NaN) with the largest absolute and relative errors and the worst index. \
      Exits 0 when equal within tolerance, 1 when different, 2 when --report names one of the \
      files compared, 3 when a file cannot be read.

      Example:
        convpipe diff out/last-good.h5 out/tonight.h5 --rtol 1e-6
      """)

  @Argument(help: "The reference file (last night's output, a golden file).")
  var reference: String

  @Argument(help: "The new file, compared against the reference.")
  var new: String

  @OptionGroup var tolerance: ToleranceOptions

  @Option(name: .long, help: ArgumentHelp("Also write the differences as JSON to this file.", valueName: "file.json"))
  var report: String?

  func run() throws {
    if let report {
      try refuseOverwriting(
        report, option: "--report", inputs: [("the reference file", reference), ("the new file", new)])
    }
    let items: Int, differences: [OutputComparison.Difference]
    do {
      (items, differences) = try tolerance.comparison.compareFiles(
        reference: try ConvpipeOutput.open(reference), actual: try ConvpipeOutput.open(new))
    } catch {
      throw RunFailure("\(error.file): \(error.cause ?? error.message)")
    }
    for difference in differences { print(difference.description) }
    print(
      "\(items) item\(items == 1 ? "" : "s") compared, \(differences.count) difference\(differences.count == 1 ? "" : "s") (rtol \(tolerance.rtol), atol \(tolerance.atol))"
    )
    if let report {
      let text = try DiffReport(
        reference: reference, new: new, rtol: tolerance.rtol, atol: tolerance.atol, items: items,
        differences: differences
      ).json()
      try writeReport(text, to: report)
    }
    if !differences.isEmpty { throw ExitCode(ExitStatus.checksFailed) }
  }
}

/// `diff --report`: the comparison as JSON.
struct DiffReport: Encodable {
  struct Entry: Encodable {
    let item: String
    let tensor: String?
    let maxAbsError: JSONNumber
    let maxRelError: JSONNumber
    let mismatched: Int
    let count: Int
    let message: String

    enum CodingKeys: String, CodingKey {
      case item, tensor, mismatched, count, message
      case maxAbsError = "max_abs_error", maxRelError = "max_rel_error"
    }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(item, forKey: .item)
      if let tensor { try container.encode(tensor, forKey: .tensor) } else { try container.encodeNil(forKey: .tensor) }
      try container.encode(maxAbsError, forKey: .maxAbsError)
      try container.encode(maxRelError, forKey: .maxRelError)
      try container.encode(mismatched, forKey: .mismatched)
      try container.encode(count, forKey: .count)
      try container.encode(message, forKey: .message)
    }
  }

  let reference: String
  let new: String
  let rtol: Double
  let atol: Double
  let items: Int
  let equal: Bool
  let differences: [Entry]

  init(
    reference: String, new: String, rtol: Double, atol: Double, items: Int, differences: [OutputComparison.Difference]
  ) {
    self.reference = reference
    self.new = new
    self.rtol = rtol
    self.atol = atol
    self.items = items
    equal = differences.isEmpty
    self.differences = differences.map {
      Entry(
        item: $0.item, tensor: $0.tensor, maxAbsError: JSONNumber($0.outcome.maxAbsError),
        maxRelError: JSONNumber($0.outcome.maxRelError), mismatched: $0.outcome.mismatched, count: $0.outcome.count,
        message: $0.outcome.message)
    }
  }

  func json() throws -> String { try JSONLines.line(self) }
}
