import Testing
import ConvCore
import Foundation
import HDF5IO
import TestScratch

/// A fresh directory for one test's files, deleted with everything in it when released.
final class ScratchDirectory {
  let url: URL

  init() throws {
    url = ScratchRoot.directory("HDF5IOTests")
  }

  /// The path of a file named `name` in the directory.
  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  deinit { try? FileManager.default.removeItem(at: url) }
}

/// The path of a committed fixture file in `Fixtures/`.
func fixturePath(_ name: String) throws -> String {
  let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
  return url.path
}

/// A tensor of `shape` whose elements are distinct, exactly representable
/// values derived from their index and `seed`.
func sampleTensor<Element: TensorElement>(_: Element.Type, shape: [Int], seed: Int = 0) throws -> Tensor {
  let count = shape.reduce(1, *)
  let values = (0..<count).map { Element($0 % 1000) * 0.25 - Element(seed) }
  return try Tensor(shape: shape, values: values)
}

/// The rows `rows` of axis 0 of `tensor`, computed from its elements.
func slice(_ tensor: Tensor, rows: Range<Int>) throws -> Tensor {
  let rowSize = tensor.shape.dropFirst().reduce(1, *)
  let elements = (rows.lowerBound * rowSize)..<(rows.upperBound * rowSize)
  let shape = [rows.count] + tensor.shape.dropFirst()
  switch tensor.storage {
  case .float32(let values): return try Tensor(shape: shape, values: Array(values[elements]))
  case .float64(let values): return try Tensor(shape: shape, values: Array(values[elements]))
  }
}

/// Runs `body` with file descriptor 2 redirected to a file, and returns what was written to it.
func capturingStandardError(_ body: () throws -> Void) throws -> String {
  let scratch = try ScratchDirectory()
  let capturePath = scratch.path("stderr.txt")
  let capture = open(capturePath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  let saved = dup(STDERR_FILENO)
  defer { close(capture) }
  fflush(nil)  // every stream, stderr included
  dup2(capture, STDERR_FILENO)
  defer {
    fflush(nil)  // every stream, stderr included
    dup2(saved, STDERR_FILENO)
    close(saved)
  }
  try body()
  fflush(nil)  // every stream, stderr included
  return try String(contentsOfFile: capturePath, encoding: .utf8)
}
