import ArgumentParser
import ConvJob
import Foundation
import HDF5IO

struct DiffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Compare two convpipe output files tensor by tensor.",
    discussion: """
      Lists items and tensors present in one file only, shape and type changes, and values \
      outside |a - b| <= atol + rtol * |b| (NaN equals NaN) with the largest absolute and \
      relative errors and the worst index. Exits 0 when equal within tolerance, 1 when \
      different, 3 when a file cannot be read.

      Example:
        convpipe diff out/last-night.h5 out/tonight.h5 --rtol 1e-6
      """)

  @Argument(help: "The first file (a).")
  var a: String

  @Argument(help: "The second file (b), the reference for relative errors.")
  var b: String

  @OptionGroup var tolerance: ToleranceOptions

  @Option(name: .long, help: ArgumentHelp("Also write the differences as JSON to this file.", valueName: "file.json"))
  var report: String?

  func run() throws {
    let comparison = tolerance.comparison
    let items: Int, differences: [OutputComparison.Difference]
    do {
      (items, differences) = try comparison.compareFiles(try HDF5File.open(a), try HDF5File.open(b))
    } catch {
      printError("\(error)")
      throw ExitCode(3)
    }
    for difference in differences { print(difference.description) }
    print("\(items) item\(items == 1 ? "" : "s") compared, \(differences.count) difference\(differences.count == 1 ? "" : "s") (rtol \(tolerance.rtol), atol \(tolerance.atol))")
    if let report { try writeReport(json(items: items, differences), to: report) }
    if !differences.isEmpty { throw ExitCode(1) }
  }

  private func json(items: Int, _ differences: [OutputComparison.Difference]) -> String {
    func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
    let entries = differences.map { difference in
      "{\"item\": \(JSONValue.quoted(difference.item)), \"tensor\": \(difference.tensor.map(JSONValue.quoted) ?? "null"), "
        + "\"max_abs_error\": \(number(difference.outcome.maxAbsError)), \"max_rel_error\": \(number(difference.outcome.maxRelError)), "
        + "\"mismatched\": \(difference.outcome.mismatched), \"count\": \(difference.outcome.count), "
        + "\"message\": \(JSONValue.quoted(difference.outcome.message))}"
    }
    return "{\"a\": \(JSONValue.quoted(a)), \"b\": \(JSONValue.quoted(b)), \"rtol\": \(tolerance.rtol), \"atol\": \(tolerance.atol), \"items\": \(items), "
      + "\"equal\": \(differences.isEmpty), \"differences\": [\(entries.joined(separator: ", "))]}\n"
  }
}
