import ConvCore

/// A named operation on input and weight shapes: one argument of a parameterised test.
public struct OperationCase: CustomStringConvertible, Sendable {
  public let name: String
  public let operation: Operation
  public let input: [Int]
  public let weight: [Int]

  public init(name: String, operation: Operation, input: [Int], weight: [Int]) {
    self.name = name
    self.operation = operation
    self.input = input
    self.weight = weight
  }

  public var description: String { name }

  /// The convolution the operation plans for these shapes; throws for any other plan.
  public var geometry: ConvGeometry {
    get throws {
      guard case .convolution(let geometry) = try operation.plan(input: input, weight: weight) else {
        throw ShapeError(["\(name): not a convolution"])
      }
      return geometry
    }
  }
}
