import ConvCore
import ConvKernels
import FrameworkCalls

extension FrameworkLowering {
  /// Runs the lowering on tensors of the planned native shapes: the input's and
  /// the weight's steps, the core convolution (with the bias when it goes there),
  /// the result's steps, and a bias placed along another axis.
  package func apply(input: Tensor, weight: Tensor, bias: Tensor?) throws(ShapeError) -> Tensor {
    var x = input
    for step in inputSteps { x = try step.plan.apply(input: x) }
    var w = weight
    for step in weightSteps { w = try step.plan.apply(input: w) }
    var y = try convolution.apply(input: x, weight: w, bias: self.bias == .convolution ? bias : nil)
    for step in outputSteps { y = try step.plan.apply(input: y) }
    if case .axis(let axis) = self.bias, let bias { y = try y.adding(bias, along: axis) }
    return y
  }
}

extension Tensor {
  /// Adds `vector[i]` to every element whose index along `axis` is `i`.
  fileprivate func adding(_ vector: Tensor, along axis: Int) throws(ShapeError) -> Tensor {
    guard shape.indices.contains(axis), vector.shape == [shape[axis]] else {
      throw ShapeError([
        "a bias \(vector.shape.shapeDescription) cannot be added along axis \(axis) of \(shape.shapeDescription)"
      ])
    }
    let inner = shape[(axis + 1)...].reduce(1, *), size = shape[axis]
    func add<T: TensorElement>(_ type: T.Type) -> Tensor {
      var values = self.values(as: T.self)
      let addend = vector.values(as: T.self)
      for i in values.indices { values[i] += addend[(i / inner) % size] }
      return Tensor(uncheckedShape: shape, values: values)
    }
    return dtype == .float32 ? add(Float.self) : add(Double.self)
  }
}
