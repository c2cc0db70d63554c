import ConvCore
import FrameworkCalls

/// A tensor a stage reads: its role, its name and its shape.
package struct PlannedOperand: Sendable, Equatable {
  package let role: Role
  package let name: String
  package let info: TensorInfo
}

/// One stage with every shape resolved for one item.
package struct StagePlan: Sendable {
  package let stage: StageDefinition
  package let operands: [PlannedOperand]
  /// The operation's resolved sizes; nil for `verify` and framework stages.
  package let operation: OperationPlan?
  /// A framework stage's call lowered onto the core operations.
  package var framework: FrameworkLowering? = nil
  /// The element type the stage computes in: float64 if any operand is.
  package let computeType: DType
  /// The result; nil for `verify` stages.
  package let output: TensorInfo?
  /// Extra memory the stage needs while it runs (a `matrix` check's dense matrix).
  package let workspaceBytes: Int

  package func operand(_ role: Role) -> PlannedOperand? { operands.first { $0.role == role } }
}

/// Every stage of one item planned, in execution order, and the memory it needs.
package struct ItemPlan: Sendable {
  package let stages: [StagePlan]
  /// Shapes of every input and stage result by name.
  package let tensors: [String: TensorInfo]
  /// Largest number of bytes alive at once, with the stage where that happens.
  package let peakBytes: Int
  package let peakStage: String?
  /// The largest single tensor, for messages.
  package let largestTensor: (name: String, info: TensorInfo)?

  package func stage(_ id: String) -> StagePlan? { stages.first { $0.stage.id == id } }
}
