import ArgumentParser
import ConvJob

struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "List the items, tensors, reports, saved matrices and failed items of an output file.",
    discussion: """
      Exits 0, or 3 when the file cannot be read or was not written by convpipe.

      Example:
        convpipe inspect out/nightly-regression.h5 --failed
        convpipe inspect out/quick-start.h5 --item main --json
      """)

  @Argument(help: "An HDF5 file written by convpipe run.")
  var file: String

  @Flag(help: "Only items with a failed check, and items that could not be computed.")
  var failed = false

  @Option(help: ArgumentHelp("Only this item.", valueName: "id"))
  var item: String?

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func validate() throws {
    if failed && item != nil { throw ValidationError("give --failed or --item, not both") }
  }

  func run() throws {
    let summary: OutputSummary
    do { summary = try OutputSummary.read(path: file) } catch {
      throw RunFailure("\(error.file): \(error.cause ?? error.message)")
    }
    let filter: OutputSummary.Filter = failed ? .failed : item.map { .item($0) } ?? .all
    let shown = summary.filtered(filter)
    if case .item(let id) = filter, shown.items.isEmpty, shown.failedItems.isEmpty {
      throw RunFailure("\(file): no item \"\(id)\"")
    }
    print(json ? try shown.json() : shown.render(), terminator: json ? "" : "\n")
  }
}
