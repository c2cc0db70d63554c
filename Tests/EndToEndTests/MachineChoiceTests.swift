import ConvKernels
import Foundation
import Testing
import TestSupport

/// `convpipe bench` names the machine, and OpenBLAS runs the kernel of the
/// vector level in use: the processor's best unless `CONVPIPE_VECTOR_LEVEL`
/// holds it lower, or the user's `OPENBLAS_CORETYPE` chose.
@Suite("the machine convpipe runs on, and the kernels it chooses")
struct MachineChoiceTests {
  struct Machine: Decodable {
    struct Processor: Decodable {
      let name: String
      let family: Int
      let model: Int
      let vectorLevel: String
    }
    struct BLAS: Decodable {
      let library: String
      let core: String
      let coreVectorLevel: String
      let coreChosenBy: String
    }
    struct OneDNN: Decodable {
      let library: String
      let instructionSet: String
      let engine: String
    }
    let processor: Processor
    let vectorLevel: String
    let blas: BLAS
    let onednn: OneDNN
    let note: String?
  }
  struct Report: Decodable {
    struct Timing: Decodable {
      let name: String
      let seconds: Double
      let gflops: Double
    }
    let machine: Machine
    let threads: Int
    let layers: [Timing]
    let sgemm: Timing?
  }

  static func bench(_ arguments: [String] = [], environment: [String: String?]) throws -> Report {
    let result = try ConvPipeProcess.run(["bench", "--json"] + arguments, environment: environment)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(Report.self, from: Data(result.standardOutput.utf8))
  }

  @Test("without OPENBLAS_CORETYPE, OpenBLAS's kernel has the processor's vector level")
  func bestKernel() throws {
    let report = try Self.bench(environment: ["OPENBLAS_CORETYPE": nil, "CONVPIPE_VECTOR_LEVEL": nil])
    let machine = report.machine
    #expect(machine.processor.vectorLevel == VectorInstructions.processor.name)
    #expect(machine.vectorLevel == VectorInstructions.processor.name)
    #expect(OpenBLASKernel.level(ofCore: machine.blas.core) == VectorInstructions.processor, "\(machine.blas)")
    #expect(machine.blas.library.hasPrefix("OpenBLAS 0."))
    #expect(machine.onednn.library.hasPrefix("oneDNN "))
    #expect(machine.onednn.engine == "automatic")
    if VectorInstructions.processor == .avx512 { #expect(machine.onednn.instructionSet.hasPrefix("avx512")) }
    #expect(!machine.processor.name.isEmpty)
  }

  @Test(
    "CONVPIPE_VECTOR_LEVEL=avx2 holds the loops and OpenBLAS to AVX2, restarting with its Haswell kernel where needed",
    .enabled(if: VectorInstructions.processor >= .avx2, "this processor has no AVX2"))
  func heldToAVX2() throws {
    let report = try Self.bench(environment: ["OPENBLAS_CORETYPE": nil, "CONVPIPE_VECTOR_LEVEL": "avx2"])
    #expect(report.machine.vectorLevel == "AVX2")
    #expect(report.machine.blas.coreVectorLevel == "AVX2", "\(report.machine.blas)")
    #expect(report.machine.onednn.instructionSet.hasPrefix("avx2"), "\(report.machine.onednn)")
    if VectorInstructions.processor > .avx2 {
      #expect(report.machine.blas.core == "Haswell")
      #expect(report.machine.blas.coreChosenBy.hasPrefix("convpipe (OpenBLAS chose "), "restarted once")
    }
  }

  @Test("a user's OPENBLAS_CORETYPE wins, and bench says who chose")
  func userSettingWins() throws {
    let report = try Self.bench(environment: ["OPENBLAS_CORETYPE": "Prescott", "CONVPIPE_VECTOR_LEVEL": nil])
    #expect(report.machine.blas.core == "Prescott")
    #expect(report.machine.blas.coreChosenBy == "OPENBLAS_CORETYPE")
    let text = try ConvPipeProcess.run(["bench"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
    if VectorInstructions.processor > .baseline {
      #expect(report.machine.note?.hasPrefix("OPENBLAS_CORETYPE=Prescott in the environment") == true, "--json too")
      #expect(
        text.standardOutput.contains(
          "OPENBLAS_CORETYPE=Prescott in the environment gives OpenBLAS its Prescott kernel (pre-AVX2) where the rest runs \(VectorInstructions.processor.name)"
        ))
    }
  }

  @Test("an OPENBLAS_CORETYPE OpenBLAS does not know is reported as ignored; an empty CONVPIPE_VECTOR_LEVEL is unset")
  func ignoredSettings() throws {
    let report = try Self.bench(environment: ["OPENBLAS_CORETYPE": "bogus", "CONVPIPE_VECTOR_LEVEL": ""])
    #expect(report.machine.blas.coreChosenBy == "OpenBLAS (OPENBLAS_CORETYPE=bogus is not one of its kernels)")
    #expect(report.machine.vectorLevel == VectorInstructions.processor.name)
  }

  @Test("an unknown CONVPIPE_VECTOR_LEVEL is an invalid command (exit 2) naming the values")
  func unknownLevel() throws {
    let result = try ConvPipeProcess.run(
      ["validate", "pipelines/quick-start.json"], in: Fixtures.repositoryRoot,
      environment: ["CONVPIPE_VECTOR_LEVEL": "avx1024"])
    #expect(result.exitCode == 2)
    #expect(
      result.standardError
        == "convpipe: CONVPIPE_VECTOR_LEVEL=avx1024 names no vector level: give avx512, avx2 or sse2\n")
  }

  @Test("bench times every layer of a layers file and OpenBLAS's sgemm, and names each")
  func timesLayers() throws {
    let directory = Fixtures.temporaryDirectory("bench")
    defer { try? FileManager.default.removeItem(at: directory) }
    let layers = directory.appendingPathComponent("layers.json")
    try Data(
      """
      {"layers": [
        {"name": "small-conv", "op": "conv", "input": [1, 3, 16, 16], "weight": [4, 3, 3, 3], "padding": 1},
        {"name": "small-up", "op": "conv_transpose", "input": [1, 4, 8, 8], "weight": [4, 2, 4, 4], "stride": 2}
      ]}
      """.utf8
    ).write(to: layers)
    let report = try Self.bench([layers.path, "--threads", "1", "--gemm", "64"], environment: [:])
    #expect(report.layers.map(\.name) == ["small-conv", "small-up"])
    #expect(report.layers.allSatisfy { $0.seconds > 0 && $0.gflops > 0 })
    #expect(report.sgemm?.name == "sgemm-64")
    #expect(report.threads == 1)
    let text = try ConvPipeProcess.run(["bench", layers.path, "--threads", "1"])
    let lines = text.standardOutput.split(separator: "\n")
    #expect(lines.first?.hasPrefix("processor: ") == true)
    #expect(lines.dropFirst().map { $0.split(separator: " ").first } == ["small-conv", "small-up"])
  }
}
