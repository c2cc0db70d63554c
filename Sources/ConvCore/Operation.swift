/// Every tensor operation of the job format, with its parameters: the one entry
/// point through which validation, execution and the printed plan agree.
public enum Operation: Sendable, Equatable {
  case conv(ConvParameters)
  case convTranspose(ConvTransposeParameters)
  case remap(RemapOperation)
  case permute(Permutation)

  /// Resolves every size from the operand shapes, or throws every rule broken.
  public func plan(input: [Int], weight: [Int]? = nil, bias: [Int]? = nil) throws(ShapeError) -> OperationPlan {
    switch self {
    case .conv(let parameters):
      return .convolution(try parameters.geometry(input: input, weight: try Self.required(weight), bias: bias))
    case .convTranspose(let parameters):
      return .convolution(try parameters.geometry(input: input, weight: try Self.required(weight), bias: bias))
    case .remap(let operation):
      return .remap(try operation.geometry(input: input))
    case .permute(let permutation):
      return .permute(permutation, input: input, output: try permutation.outputShape(input: input))
    }
  }

  private static func required(_ weight: [Int]?) throws(ShapeError) -> [Int] {
    guard let weight else { throw ShapeError(["a weight is required"]) }
    return weight
  }
}

/// An operation with every size resolved for its operand shapes.
public enum OperationPlan: Sendable, Equatable {
  case convolution(ConvGeometry)
  case remap(RemapGeometry)
  case permute(Permutation, input: [Int], output: [Int])

  public var outputShape: [Int] {
    switch self {
    case .convolution(let geometry): geometry.outputShape
    case .remap(let geometry): geometry.outputShape
    case .permute(_, _, let output): output
    }
  }

  /// One line per spatial dimension with the size rule's numbers filled in.
  public var arithmetic: [String] {
    switch self {
    case .convolution(let geometry): geometry.axes.map(\.arithmetic)
    case .remap(let geometry): geometry.arithmetic
    case .permute(let permutation, let input, let output):
      ["axes \(permutation.axes): \(input.shapeDescription) -> \(output.shapeDescription)"]
    }
  }
}
