import ConvCore
import HDF5IO

/// One PyTorch-generated case of `Tests/Fixtures/cases.h5`: a group
/// `/cases/<name>` with datasets `input`, `weight`, `bias`, `expected` and
/// attributes `stage` (job-format JSON), `rtol`, `atol`.
public struct ConformanceCase: CustomStringConvertible, Sendable {
  public let name: String
  public var description: String { name }
  public var group: String { "/cases/\(name)" }

  /// Every case in the fixture, by name.
  public static let all: [ConformanceCase] = {
    guard let file = try? HDF5File.open(Fixtures.conformanceCases), let names = try? file.children(of: "/cases") else {
      return []
    }
    return names.map { ConformanceCase(name: $0) }
  }()

  public struct Contents: Sendable {
    public let stage: String
    public let rtol: Double
    public let atol: Double
    public let tensors: [String: Tensor]
  }

  /// The case's stage text, tolerances and datasets.
  public func load() throws -> Contents {
    let file = try HDF5File.open(Fixtures.conformanceCases)
    guard case .string(let stage)? = try file.attribute("stage", of: group),
      case .double(let rtol)? = try file.attribute("rtol", of: group),
      case .double(let atol)? = try file.attribute("atol", of: group)
    else { throw FixtureError("case \(name) lacks stage, rtol or atol") }
    var tensors: [String: Tensor] = [:]
    for dataset in try file.children(of: group) { tensors[dataset] = try file.readTensor("\(group)/\(dataset)") }
    return Contents(stage: stage, rtol: rtol, atol: atol, tensors: tensors)
  }
}

public struct FixtureError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
