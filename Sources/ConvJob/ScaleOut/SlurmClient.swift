import Foundation
import Synchronization

/// What a program printed and how it ended.
package struct ProgramResult: Sendable, Equatable {
  package let status: Int32
  package let output: String
  package let error: String

  package init(status: Int32, output: String, error: String = "") {
    self.status = status
    self.output = output
    self.error = error
  }
}

/// Slurm's client commands as `submit` uses them (`sbatch`, `scontrol`,
/// `scancel`), and the clock it waits by: behind a protocol, so that what it
/// submits and how it waits are tested without Slurm (``SystemSlurm`` runs
/// the real commands).
package protocol SlurmClient: Sendable {
  /// Runs `program` (looked up on PATH) with `arguments` and waits for it;
  /// throws when it cannot be started at all.
  func run(_ program: String, _ arguments: [String]) throws(RunFailure) -> ProgramResult
  /// Waits `seconds`.
  func sleep(_ seconds: Double)
  /// Seconds on a clock that only goes forward.
  func now() -> Double
}

/// The real Slurm commands, run with Foundation's `Process`.
package struct SystemSlurm: SlurmClient {
  package init() {}

  package func run(_ program: String, _ arguments: [String]) throws(RunFailure) -> ProgramResult {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    guard
      let executable = path.split(separator: ":").map({ "\($0)/\(program)" }).first(where: {
        FileManager.default.isExecutableFile(atPath: $0)
      })
    else {
      throw RunFailure(
        "\(program): not found on PATH; convpipe submit --slurm needs Slurm's client commands (Debian: slurm-client) on this machine"
      )
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch {
      throw RunFailure("\(executable): cannot be started: \(error.localizedDescription)")
    }
    // Both pipes are read at once, so that neither fills up while the other is read.
    let errors = ErrorCollector(error.fileHandleForReading)
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.wait()
    process.waitUntilExit()
    return ProgramResult(
      status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
      error: String(decoding: errorData, as: UTF8.self))
  }

  package func sleep(_ seconds: Double) { Thread.sleep(forTimeInterval: seconds) }

  package func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// Reads a pipe to its end on a thread of its own.
private final class ErrorCollector: Sendable {
  private let data = Mutex(Data())
  private let done = DispatchSemaphore(value: 0)

  init(_ handle: FileHandle) {
    Thread { [self] in
      let read = handle.readDataToEndOfFile()
      data.withLock { $0 = read }
      done.signal()
    }.start()
  }

  func wait() -> Data {
    done.wait()
    return data.withLock { $0 }
  }
}
