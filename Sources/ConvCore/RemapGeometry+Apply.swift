extension RemapGeometry {
  /// Applies the remapping to a tensor of `inputShape`.
  public func apply(_ input: Tensor) throws(ShapeError) -> Tensor {
    guard input.shape == inputShape else {
      throw ShapeError(["input is \(input.shape.shapeDescription), the plan expects \(inputShape.shapeDescription)"])
    }
    return input.gathered(tables: offsetTables(), fill: fill)
  }
}

extension Permutation {
  /// Reorders the tensor's axes.
  public func apply(_ input: Tensor) throws(ShapeError) -> Tensor {
    _ = try outputShape(input: input.shape)
    return input.gathered(tables: offsetTables(input: input.shape), fill: 0)
  }
}
