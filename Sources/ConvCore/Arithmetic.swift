// Integer arithmetic the shape rules and the kernels share: bounds, saturating
// counts and division that rounds toward minus infinity.

/// The largest size, stride, dilation, padding or count the shape rules accept:
/// 2^31 - 1, so that every rule's arithmetic (products of two such values plus a
/// few more) stays far inside `Int`'s range.
public let largestAcceptedValue = Int(Int32.max)

/// Throws unless every value is at most ``largestAcceptedValue`` in magnitude.
func requireBounded(_ values: [Int], _ name: String) throws(ShapeError) {
  if let value = values.first(where: { $0.magnitude > UInt(largestAcceptedValue) }) {
    throw ShapeError(["\(name) \(value) is larger than \(largestAcceptedValue)"])
  }
}

/// The product of `values`, or `Int.max` when it would overflow: element and
/// byte counts of absurd shapes saturate, so a memory limit refuses them.
public func saturatingProduct(_ values: [Int]) -> Int {
  var product = 1
  for value in values {
    let (next, overflow) = product.multipliedReportingOverflow(by: value)
    if overflow { return Int.max }
    product = next
  }
  return product
}

/// The sum of `values`, or `Int.max` when it would overflow.
public func saturatingSum(_ values: [Int]) -> Int {
  var sum = 0
  for value in values {
    let (next, overflow) = sum.addingReportingOverflow(value)
    if overflow { return Int.max }
    sum = next
  }
  return sum
}

/// `floor(a / b)` for a positive `b`, also for negative `a` (Swift's `/` truncates).
@inlinable
package func floorDivide(_ a: Int, _ b: Int) -> Int {
  let q = a / b
  return (a % b != 0 && a < 0) ? q - 1 : q
}

/// `ceil(a / b)` for a positive `b`.
@inlinable
package func ceilDivide(_ a: Int, _ b: Int) -> Int { -floorDivide(-a, b) }
