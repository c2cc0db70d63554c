import ConvCore
import Foundation
import HDF5IO
import Testing

@Suite("Concurrency")
struct ConcurrencyTests {
  @Test("tasks reading and writing different files at once all get their own data back")
  func parallelFiles() async throws {
    let scratch = try ScratchDirectory()
    let directory = scratch.url.path
    let fixture = try fixturePath("types.h5")
    let workers = 8

    let failures = try await withThrowingTaskGroup(of: [String].self) { group in
      for worker in 0..<workers {
        group.addTask {
          var failures: [String] = []
          let path = "\(directory)/worker\(worker).h5"
          let shape = worker.isMultiple(of: 2) ? [64, 32, 40] : [3, 5, 7]  // some compressed, some not
          let tensor = try sampleTensor(Double.self, shape: shape, seed: worker)
          for round in 0..<5 {
            let file = try Self.waitingOutSpawns { () throws(HDF5Error) in try HDF5File.create(path) }
            try file.writeTensor(tensor, to: "/worker/data")
            try file.setAttribute("worker", .int(worker * 100 + round), on: "/worker/data")
            try file.close()

            let reopened = try Self.waitingOutSpawns { () throws(HDF5Error) in try HDF5File.open(path) }
            if try reopened.readTensor("/worker/data") != tensor { failures.append("worker \(worker) data") }
            if try reopened.attribute("worker", of: "/worker/data") != .int(worker * 100 + round) {
              failures.append("worker \(worker) attribute")
            }
            let shared = try HDF5File.open(fixture)
            if try shared.readTensor("/numbers/int8").doubles != [0, 1, 2, 3, 4, 5] { failures.append("fixture") }
          }
          return failures
        }
      }
      return try await group.reduce(into: []) { $0 += $1 }
    }
    #expect(failures == [])
  }

  /// Creates or opens a worker's file, waiting out a process that another test
  /// spawns at that moment: between its fork and its exec the child holds a
  /// copy of every descriptor of this process, the last round's file and its
  /// lock included, and libhdf5 finds the file locked ("resource temporarily
  /// unavailable"); the child lets go within milliseconds.
  static func waitingOutSpawns(_ body: () throws(HDF5Error) -> HDF5File) throws(HDF5Error) -> HDF5File {
    for _ in 0..<100 {
      do { return try body() } catch {
        guard error.message.contains("resource temporarily unavailable") else { throw error }
        Thread.sleep(forTimeInterval: 0.01)
      }
    }
    return try body()
  }
}
