import ConvCore
import ConvJob
import Foundation
import HDF5IO
import Testing

/// One PyTorch-generated case of `Fixtures/cases.h5`.
struct ConformanceCase: CustomTestStringConvertible, Sendable {
  let name: String
  var testDescription: String { name }

  static let file = Bundle.module.path(forResource: "cases", ofType: "h5", inDirectory: "Fixtures") ?? "Fixtures/cases.h5"

  static let all: [ConformanceCase] = {
    guard let h5 = try? HDF5File.open(file), let names = try? h5.children(of: "/cases") else { return [] }
    return names.map { ConformanceCase(name: $0) }
  }()

  /// The case's datasets, stage text and tolerances.
  func load() throws -> (stage: String, rtol: Double, atol: Double, tensors: [String: Tensor]) {
    let h5 = try HDF5File.open(Self.file)
    let group = "/cases/\(name)"
    guard case .string(let stage)? = try h5.attribute("stage", of: group),
      case .double(let rtol)? = try h5.attribute("rtol", of: group),
      case .double(let atol)? = try h5.attribute("atol", of: group)
    else { throw ConformanceFailure("case \(name) lacks stage, rtol or atol") }
    var tensors: [String: Tensor] = [:]
    for dataset in try h5.children(of: group) { tensors[dataset] = try h5.readTensor("\(group)/\(dataset)") }
    return (stage, rtol, atol, tensors)
  }
}

struct ConformanceFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// The worst element of `actual` against `expected` under `|a - e| <= atol + rtol * |e|`.
func worstMismatch(_ actual: Tensor, _ expected: Tensor, rtol: Double, atol: Double) -> (index: Int, excess: Double)? {
  let a = actual.doubles, e = expected.doubles
  var worst: (Int, Double)?
  for i in a.indices {
    let excess = abs(a[i] - e[i]) - (atol + rtol * abs(e[i]))
    if excess > 0 && excess > (worst?.1 ?? 0) { worst = (i, excess) }
  }
  return worst
}

@Suite("PyTorch conformance cases through the op layer")
struct ConformanceTests {
  @Test("the fixture holds all 150 cases")
  func caseCount() {
    #expect(ConformanceCase.all.count == 150)
  }

  @Test("float64 result matches PyTorch", arguments: ConformanceCase.all)
  func matchesPyTorch(_ testCase: ConformanceCase) throws {
    let (stage, rtol, atol, tensors) = try testCase.load()
    let operation = try StageParameters.operation(fromJSON: stage, file: testCase.name)
    guard let input = tensors["input"], let expected = tensors["expected"] else {
      throw ConformanceFailure("case \(testCase.name) lacks input or expected")
    }
    let weight = tensors["weight"], bias = tensors["bias"]
    let plan = try operation.plan(input: input.shape, weight: weight?.shape, bias: bias?.shape)
    #expect(plan.outputShape == expected.shape, "planned shape")
    let actual = try plan.apply(input: input, weight: weight, bias: bias)
    #expect(actual.shape == expected.shape)
    #expect(actual.dtype == .float64)
    let worst = worstMismatch(actual, expected, rtol: rtol, atol: atol)
    #expect(worst == nil, "worst element \(String(describing: worst)) for \(stage)")
  }
}
