import ConvCore
import ConvKernels

/// The unrolled-matrix check: a convolution is `y = C vec(x) + b` for its dense
/// matrix `C` (`[outputs, inputs]`, from `ConvGeometry.unrolledMatrix`), and its
/// transposed operator is `C^T`.
///
/// Part (a): the stage's actual output equals `C vec(input) + bias[c]`, `c` the
/// output channel of each row. Part (b): for `y` drawn from ``CheckRandom``
/// seeded with `seed`, the transposed operator's `A^T y` equals `C^T vec(y)`.
/// Products are accumulated in Double; each part compares with
/// ``Allclose/recomputation(precision:expected:)``. The check holds when both parts do.
public struct MatrixCheck: Sendable, Equatable {
  /// The largest `rows * columns` the check builds.
  public var maxElements: Int
  public var seed: UInt64

  public init(maxElements: Int = 10_000_000, seed: UInt64 = 0) {
    self.maxElements = maxElements
    self.seed = seed
  }

  /// Both parts' outcomes, their combination and the matrix (for `save_matrix`).
  public struct Result: Sendable {
    /// Holds when both parts hold; its message reports each part.
    public let outcome: CheckOutcome
    /// Part (a): the actual output against `C vec(input) + bias`.
    public let outputOutcome: CheckOutcome
    /// Part (b): `A^T y` against `C^T vec(y)`.
    public let transposeOutcome: CheckOutcome
    /// `C`, `[outputs, inputs]`, in the input's element type.
    public let matrix: Tensor
  }

  /// The unrolled matrix's element count, `prod(output shape) * prod(input shape)`,
  /// or ``CheckError/matrixTooLarge(rows:columns:elements:maxElements:)`` when it
  /// exceeds `maxElements` (or `Int`): the rule validation and the check share.
  public func elements(inputShape: [Int], outputShape: [Int]) throws(CheckError) -> Int {
    let rows = saturatingProduct(outputShape), columns = saturatingProduct(inputShape)
    let (elements, overflow) = rows.multipliedReportingOverflow(by: columns)
    guard !overflow, elements <= maxElements else {
      throw CheckError.matrixTooLarge(
        rows: rows, columns: columns, elements: overflow ? nil : elements, maxElements: maxElements)
    }
    return elements
  }

  /// Checks `output` and the transposed operator against the unrolled matrix of
  /// `geometry` with `weight`, built in the input's element type (the type the
  /// core computes in). `transposed` is the operator under test for part (b);
  /// nil tests `geometry.applyTransposed` with `weight`.
  ///
  /// Throws ``CheckError`` when the matrix would exceed `maxElements` (`rows * columns`
  /// computed without overflow, refused before anything is built) or an operand
  /// has the wrong shape.
  public func check(
    geometry: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor? = nil, output: Tensor,
    transposed: ((Tensor) throws -> Tensor)? = nil
  ) throws -> Result {
    _ = try elements(inputShape: geometry.inputShape, outputShape: geometry.outputShape)
    let rows = saturatingProduct(geometry.outputShape), columns = saturatingProduct(geometry.inputShape)
    try CheckError.requireOperand("input", input, geometry.inputShape)
    try CheckError.requireOperand("weight", weight, geometry.weightShape)
    try CheckError.requireOperand("bias", bias, [geometry.outputChannels])
    let matrix = try geometry.unrolledMatrix(weight: weight.converted(to: input.dtype))
    let precision = DType.coarsest([input.dtype, weight.dtype, output.dtype] + (bias.map { [$0.dtype] } ?? []))

    var affine = try Self.product(matrix, input)
    if let bias {
      let perChannel = bias.doubles, volume = rows / max(geometry.batch * geometry.outputChannels, 1)
      for row in affine.indices { affine[row] += perChannel[(row / volume) % geometry.outputChannels] }
    }
    let expectedOutput = try Tensor(shape: geometry.outputShape, values: affine)
    let outputOutcome = Allclose.recomputation(precision: precision, expected: expectedOutput).compare(
      output, expectedOutput)

    var random = CheckRandom(seed: seed)
    let y = random.tensor(shape: geometry.outputShape, dtype: input.dtype)
    let transposedOperator = transposed ?? { try geometry.applyTransposed($0, weight: weight) }
    let expectedTranspose = try Tensor(
      shape: geometry.inputShape, values: try Self.product(matrix, y, transposed: true))
    let transposeOutcome = Allclose.recomputation(precision: precision, expected: expectedTranspose)
      .compare(try transposedOperator(y), expectedTranspose)

    let parts = [
      ("output = C vec(input) + bias", outputOutcome), ("A^T y = C^T vec(y) (seed \(seed))", transposeOutcome),
    ]
    let outcome = CheckOutcome(
      held: outputOutcome.held && transposeOutcome.held,
      maxAbsError: max(outputOutcome.maxAbsError, transposeOutcome.maxAbsError),
      maxRelError: max(outputOutcome.maxRelError, transposeOutcome.maxRelError),
      mismatched: outputOutcome.mismatched + transposeOutcome.mismatched,
      count: outputOutcome.count + transposeOutcome.count, rtol: outputOutcome.rtol, atol: outputOutcome.atol,
      message: "C is \(rows) x \(columns); "
        + parts.map { "\($0) \($1.held ? "held" : "FAILED"): \($1.message)" }.joined(separator: "; "))
    return Result(outcome: outcome, outputOutcome: outputOutcome, transposeOutcome: transposeOutcome, matrix: matrix)
  }

  /// `C vec(v)` (or `C^T vec(v)` when `transposed`) in Double, for a matrix
  /// `[rows, columns]` and a tensor of `columns` (or `rows`) elements.
  public static func product(_ matrix: Tensor, _ vector: Tensor, transposed: Bool = false) throws(CheckError)
    -> [Double]
  {
    guard matrix.rank == 2 else { throw .notAMatrix(shape: matrix.shape) }
    let rows = matrix.shape[0], columns = matrix.shape[1]
    guard vector.count == (transposed ? rows : columns) else {
      throw .operandShape(name: "vector", actual: vector.shape, expected: [transposed ? rows : columns])
    }
    let v = vector.doubles
    var result = [Double](repeating: 0, count: transposed ? columns : rows)
    let entries = matrix.doubles
    for row in 0..<rows {
      for column in 0..<columns where entries[row * columns + column] != 0 {
        let entry = entries[row * columns + column]
        if transposed { result[column] += entry * v[row] } else { result[row] += entry * v[column] }
      }
    }
    return result
  }
}
