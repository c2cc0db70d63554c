import ConvCore

/// An operator under test returned a tensor of the wrong shape: its claim does not hold.
struct WrongOperatorShape: Error {
  let outcome: CheckOutcome
}

/// `tensor` when it has `shape`; otherwise throws ``WrongOperatorShape`` naming `name`.
func requireShape(_ tensor: Tensor, _ shape: [Int], of name: String) throws(WrongOperatorShape) -> Tensor {
  guard tensor.shape != shape else { return tensor }
  throw WrongOperatorShape(
    outcome: CheckOutcome(
      held: false, mismatched: 1, count: 1,
      message: "\(name) is \(tensor.shape.shapeDescription), expected \(shape.shapeDescription)"))
}

extension CheckOutcome {
  /// Runs a check's body, turning a ``WrongOperatorShape`` into its failed outcome.
  static func catchingWrongShape(_ body: () throws -> CheckOutcome) throws -> CheckOutcome {
    do { return try body() } catch let wrong as WrongOperatorShape { return wrong.outcome }
  }
}

/// `<a, b>`: the sum of the products of equally shaped tensors' elements, in Double.
func innerProduct(_ a: Tensor, _ b: Tensor) -> Double {
  zip(a.doubles, b.doubles).reduce(0) { $0 + $1.0 * $1.1 }
}
