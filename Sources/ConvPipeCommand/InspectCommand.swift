import ArgumentParser
import ConvJob

struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "List the items, tensors and reports of an output file.",
    discussion: """
      Example:
        convpipe inspect out/quick-start.h5
      """)

  @Argument(help: "An HDF5 file written by convpipe run.")
  var file: String

  func run() throws {
    do {
      print(try OutputSummary.read(path: file).render())
    } catch {
      printError("\(error)")
      throw ExitCode(3)
    }
  }
}
