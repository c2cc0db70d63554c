/// Every tensor operation of the job format, with its parameters: the one entry
/// point through which validation, execution and the printed plan agree.
public enum Operation: Sendable, Equatable {
  case conv(ConvParameters)
  case convTranspose(ConvTransposeParameters)
  case remap(RemapOperation)
  case permute(Permutation)
  /// The same elements in row-major order under another shape of the same
  /// element count (no job op writes it: framework lowerings use it to fold
  /// JAX's batch groups into channels).
  case reshape([Int])

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
    case .reshape(let shape):
      try requireBounded(input + shape, "size")
      guard shape.allSatisfy({ $0 >= 1 }), saturatingProduct(shape) == saturatingProduct(input) else {
        throw ShapeError([
          "cannot reshape \(input.shapeDescription) (\(saturatingProduct(input)) elements) to \(shape.shapeDescription)"
        ])
      }
      return .reshape(input: input, output: shape)
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
  case reshape(input: [Int], output: [Int])

  public var outputShape: [Int] {
    switch self {
    case .convolution(let geometry): geometry.outputShape
    case .remap(let geometry): geometry.outputShape
    case .permute(_, _, let output), .reshape(_, let output): output
    }
  }

  /// One line per spatial dimension with the size rule's numbers filled in.
  public var arithmetic: [String] {
    switch self {
    case .convolution(let geometry): geometry.axes.map(\.arithmetic)
    case .remap(let geometry): geometry.arithmetic
    case .permute(let permutation, let input, let output):
      ["axes \(permutation.axes): \(input.shapeDescription) -> \(output.shapeDescription)"]
    case .reshape(let input, let output):
      ["reshape \(input.shapeDescription) -> \(output.shapeDescription) (row-major order kept)"]
    }
  }
}
