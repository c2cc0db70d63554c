import Foundation
import TestScratch

/// Paths inside this repository, for tests: fixtures, pipelines, sample data
/// and the built `convpipe` binary.
public enum Fixtures {
  /// The repository's top directory (three levels above this file).
  public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The 150 PyTorch-generated conformance cases.
  public static var conformanceCases: String { repositoryRoot.appendingPathComponent("Tests/Fixtures/cases.h5").path }

  /// The cases recorded from PyTorch, TensorFlow, Keras, JAX and ONNX (`Tests/Fixtures/frameworks`).
  public static var frameworkCases: String {
    repositoryRoot.appendingPathComponent("Tests/Fixtures/frameworks/cases.h5").path
  }

  public static func path(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }

  /// A fresh empty directory inside this test process's scratch folder,
  /// which is removed when the process exits (`ScratchRoot`).
  public static func temporaryDirectory(_ label: String = "convpipe-test") -> URL {
    ScratchRoot.directory(label)
  }
}
