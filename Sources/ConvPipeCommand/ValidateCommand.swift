import ArgumentParser
import ConvJob

struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check a job and print its plan without reading tensor data.",
    discussion: """
      Parses the job, reads only HDF5 metadata and PNG headers, infers every shape, checks that \
      outputs.path could be written (making nothing), and prints the plan: each stage with its \
      operands and output shape, and the size arithmetic with the numbers filled in. Exits 0 \
      when the job is valid, 2 otherwise, listing every problem.

      Example:
        convpipe validate pipelines/quick-start.json
      """)

  @Argument(help: "The job file (JSON).")
  var job: String

  @OptionGroup var memory: MemoryOptions

  @OptionGroup var threads: ItemThreadsOption

  func run() throws {
    let limit = try memory.limit()
    let prepared: PreparedJob
    do {
      prepared = try PreparedJob.prepare(
        path: job, maxMemory: limit, concurrentItems: threads.count)
      // The output's path too, without making its folders.
      if let target = prepared.job.outputs.path {
        _ = try OutputDestination.check(
          target: target, file: prepared.job.file, location: "outputs.path", example: prepared.job.name, creating: false
        )
      }
    } catch { throw InvalidJob(error) }
    print(PlanDescription.render(prepared, maxMemory: limit))
  }
}
