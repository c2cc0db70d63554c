import ConvCore

extension OperationPlan {
  /// Runs the operation on tensors of the planned shapes.
  public func apply(input: Tensor, weight: Tensor? = nil, bias: Tensor? = nil) throws(ShapeError) -> Tensor {
    switch self {
    case .convolution(let geometry):
      guard let weight else { throw ShapeError(["a weight is required"]) }
      return try geometry.apply(input: input, weight: weight, bias: bias)
    case .remap(let geometry):
      return try geometry.apply(input)
    case .permute(let permutation, _, _):
      return try permutation.apply(input)
    case .reshape(let shape, let output):
      guard input.shape == shape else {
        throw ShapeError(["input is \(input.shape.shapeDescription), the plan expects \(shape.shapeDescription)"])
      }
      do { return try input.reshaped(output) } catch { throw ShapeError([error.description]) }
    }
  }
}
