import ArgumentParser
import ConvCore
import ConvKernels
import ConvJob
import Foundation

struct BenchCommand: ParsableCommand, ComputingCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time conv and conv_transpose layers on random float32 data.",
    discussion: """
      Each layer runs once as a warm-up, once timed (t), then max(3, min(50, 1/t)) timed \
      calls; the median call is reported with GFLOP/s = 2 * multiply-adds / seconds / 1e9, \
      the rule of bench/torch_reference.py. The first line names the machine: processor, \
      vector level of convpipe's loops and OpenBLAS's kernel (CONVPIPE_VECTOR_LEVEL=avx2 \
      holds both to AVX2; OPENBLAS_CORETYPE chooses the kernel).

      Examples:
        convpipe bench bench/layers.json --threads 2 --gemm 4096
        convpipe bench --json              (the machine alone)
      """)

  @Argument(help: "A layers file: {\"layers\": [{\"name\", \"op\", \"input\", \"weight\", stride, padding, ...}]}.")
  var layers: String?

  @Option(parsing: .unconditional, help: "Threads per operation (default: every processor).")
  var threads: Int?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Also time OpenBLAS's own sgemm on a size x size product with the same threads.", valueName: "size"))
  var gemm: Int?

  @Option(help: "The element type of the data: float32 (as PyTorch's default) or float64.")
  var dtype: DType = .float32

  @Option(
    help: ArgumentHelp(
      "Who computes float32 layers: automatic (oneDNN where it is faster), own (convpipe's lowering), onednn.",
      valueName: "engine"))
  var engine: ConvolutionEngine = .automatic

  @Option(
    help: ArgumentHelp(
      "How convpipe's own lowering runs: automatic (its rule), products (im2col and OpenBLAS), taps (vector loops).",
      valueName: "lowering"))
  var lowering: LoweringChoice = .automatic

  @Flag(
    help:
      "Print {\"machine\", \"threads\", \"layers\": [{\"name\", \"seconds\", \"gflops\"}], \"sgemm\"} instead of a table."
  )
  var json = false

  func validate() throws {
    try checkThreads(threads)
    if let gemm, !(1...16384).contains(gemm) {
      throw ValidationError("--gemm \(gemm) is out of range: give 1 to 16384")
    }
  }

  func run() throws {
    try ComputeThreads.$requested.withValue(threads) {
      try ConvolutionEngine.$requested.withValue(engine) {
        try LoweringChoice.$requested.withValue(lowering) { try measure() }
      }
    }
  }

  private func measure() throws {
    if engine == .onednn && dtype == .float64 {
      printError("convpipe: note: oneDNN computes float32 only; float64 layers run convpipe's own lowering")
    }
    if engine == .onednn && lowering != .automatic {
      printError(
        "convpipe: note: --lowering chooses within convpipe's own lowering; oneDNN computes the layers it implements")
    }
    let timings: [BenchTiming]
    do {
      timings = try (layers.map(LayerBench.layers(path:)) ?? []).map { layer throws(ShapeError) in
        try LayerBench.time(layer, dtype: dtype)
      }
    } catch let problems as JobProblems {
      throw InvalidJob(problems)
    } catch {
      throw InvalidJob(JobProblems([JobProblem(file: layers ?? "", location: "", message: "\(error)")]))
    }
    let report = BenchReport(
      engine: "convpipe \(ConvPipeVersion.current)", machine: .current, threads: ComputeThreads.perOperation,
      dtype: dtype.rawValue,
      layers: timings, sgemm: gemm.map { LayerBench.timeSquareProduct(size: $0, threads: ComputeThreads.perOperation) })
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      encoder.keyEncodingStrategy = .convertToSnakeCase
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      print("\(report.machine.summary); \(report.threads) threads, \(dtype.rawValue)")
      for timing in timings + (report.sgemm.map { [$0] } ?? []) {
        print(
          timing.name.padding(toLength: 22, withPad: " ", startingAt: 0)
            + String(format: " %9.3f ms %8.1f GFLOP/s", timing.seconds * 1e3, timing.gflops)
            + (timing.path.map { "  \($0)" } ?? ""))
      }
    }
  }
}

/// What `convpipe bench --json` prints.
extension ConvolutionEngine: ExpressibleByArgument {}
extension DType: ExpressibleByArgument {}
extension LoweringChoice: ExpressibleByArgument {}

struct BenchReport: Encodable {
  let engine: String
  let machine: MachineDescription
  let threads: Int
  let dtype: String
  let layers: [BenchTiming]
  /// OpenBLAS's own `sgemm` on the `--gemm` square product, named `sgemm-<size>`.
  let sgemm: BenchTiming?
}
