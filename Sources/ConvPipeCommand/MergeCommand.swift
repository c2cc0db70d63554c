import ArgumentParser
import ConvJob
import Foundation

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merge the part files of a sharded run into the file one run writes.",
    discussion: """
      Example:
        for k in 0 1 2 3; do
          convpipe run job.json --shard $k/4 --output parts/part-$k-of-4.h5
        done
        convpipe merge --output out/result.h5 parts/part-{0,1,2,3}-of-4.h5
        convpipe merge --links --output out/result-links.h5 parts/part-*-of-4.h5

      Checks that the parts come from the same job and shared inputs (graph_sha256), the same \
      number of shards N and the same dataset, each shard exactly once, and writes the output \
      byte for byte as `convpipe run JOB --output OUT.h5` writes it on one machine: items in \
      the job's order, failed items (--keep-going) and golden comparisons as the parts \
      recorded them. Missing, duplicated or foreign parts exit 2, naming them, and nothing is \
      written. With --links the output is instead a small file of HDF5 external links to the \
      parts' items (written at once; h5py follows them; the links are relative, so move the parts with it).

      Exit codes: 0 every check passed; 1 a check or golden comparison failed in a part; \
      2 parts missing, duplicated or foreign, or the command line invalid; 3 a part or the \
      output could not be read or written; 4 items failed (--keep-going) in a part.
      """)

  @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the merged HDF5 file.", valueName: "path"))
  var output: String

  @Flag(help: "Write a small file of HDF5 external links to the parts instead of copying their items.")
  var links = false

  @Flag(name: .shortAndLong, help: "No summary when every check passed; failures are still printed.")
  var quiet = false

  @Argument(help: "The part files, one per shard (convpipe run --shard K/N), in any order.")
  var parts: [String] = []

  func validate() throws {
    if parts.isEmpty { throw ValidationError("give the part files to merge, e.g. parts/part-0-of-4.h5 ...") }
  }

  func run() throws {
    let stop = RunStop()
    defer { stop.uninstall() }
    let result = try PartMerge.merge(parts, output: output, links: links, stop: stop)
    try end(
      RunSummary(result: result), quiet: quiet,
      notWritten: result.signal.map { "\(output): not written: stopped by \(signalName($0))" }, report: nil)
  }
}
