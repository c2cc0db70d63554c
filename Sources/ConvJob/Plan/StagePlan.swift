import ConvCore

/// A tensor a stage reads: its role, its name and its shape.
public struct PlannedOperand: Sendable, Equatable {
  public let role: Role
  public let name: String
  public let info: TensorInfo
}

/// One stage with every shape resolved for one item.
public struct StagePlan: Sendable {
  public let stage: StageDefinition
  public let operands: [PlannedOperand]
  /// The operation's resolved sizes; nil for `verify` stages.
  public let operation: OperationPlan?
  /// The element type the stage computes in: float64 if any operand is.
  public let computeType: DType
  /// The result; nil for `verify` stages.
  public let output: TensorInfo?
  /// Extra memory the stage needs while it runs (a `matrix` check's dense matrix).
  public let workspaceBytes: Int

  public func operand(_ role: Role) -> PlannedOperand? { operands.first { $0.role == role } }
}

/// Every stage of one item planned, in execution order, and the memory it needs.
public struct ItemPlan: Sendable {
  public let stages: [StagePlan]
  /// Shapes of every input and stage result by name.
  public let tensors: [String: TensorInfo]
  /// Largest number of bytes alive at once, with the stage where that happens.
  public let peakBytes: Int
  public let peakStage: String?
  /// The largest single tensor, for messages.
  public let largestTensor: (name: String, info: TensorInfo)?

  public func stage(_ id: String) -> StagePlan? { stages.first { $0.stage.id == id } }
}
