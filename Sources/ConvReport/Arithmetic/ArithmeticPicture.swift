import ConvCore
import ConvJob
import FrameworkCalls

/// What `convpipe explain JOB STAGE --svg` draws for one conv-like stage: the
/// core convolution it comes to (a framework stage's lowering, after its layout
/// permutes), on its real sizes, as the convolution-arithmetic guide's figures
/// do. A convolution is the padded input under the kernel moved by the stride;
/// a transposed convolution is the guide's direct convolution of the
/// zero-inserted, padded input with the flipped kernel at stride 1, its crops
/// drawn hatched around it.
///
/// The last two spatial axes make the plane (a 1-d stage: one row); every axis
/// before them (a 3-d stage's D) is drawn on its own as a strip, for output
/// index 0, and the plane is output depth slice 0. Each axis draws at most
/// ``LaneSelection/cap`` cells, the middle elided.
package struct ArithmeticPicture: Sendable {
  package let plane: ArithmeticPlane
  package let rows: LaneSelection
  package let columns: LaneSelection
  /// The axes before the plane's, each with its selection.
  package let strips: [(lane: any ArithmeticLane, selection: LaneSelection)]
  /// The stage's heading and the arithmetic, one line each.
  package let caption: [String]
  /// What the canvas is, for its label: `zero-inserted, padded input` when a stride or JAX's
  /// `lhs_dilation` inserts zeros, else `padded input`.
  package let canvasName: String

  /// The output cells drawn in the plane, row by row: the animation's steps.
  package var steps: [PlaneIndex] { rows.outputs.flatMap { row in columns.outputs.map { PlaneIndex(row, $0) } } }

  package init(_ stage: JobExplanation.Stage) {
    let canonical = stage.canonical
    let lanes = Self.lanes(canonical)
    let selections = lanes.map { LaneSelection($0) }
    plane = ArithmeticPlane(lanes: lanes)
    rows = lanes.count >= 2 ? selections[lanes.count - 2] : LaneSelection(plane.rows)
    columns = selections.last ?? LaneSelection(plane.columns)
    strips = Array(zip(lanes, selections).dropLast(2))
    let geometry = canonical.geometry
    let inserted =
      (geometry.direction == .transposed && geometry.axes.contains { $0.stride > 1 })
      || canonical.inputDilation?.contains { $0 > 1 } == true
    canvasName = inserted ? "zero-inserted, padded input" : "padded input"
    caption = ArithmeticCaption.lines(stage, lanes: lanes, selections: selections)
  }

  /// One lane per spatial axis of the core convolution.
  static func lanes(_ canonical: CanonicalConvolution) -> [any ArithmeticLane] {
    let geometry = canonical.geometry
    let none = PadPair(0, 0)
    return geometry.axes.enumerated().map { j, axis -> any ArithmeticLane in
      let added = canonical.outputPad?[j] ?? none
      switch geometry.direction {
      case .forward:
        return ForwardLane(
          axis: axis, inputSize: canonical.inputShape[j + 2], inputDilation: canonical.inputDilation?[j] ?? 1,
          crop: canonical.inputCrop?[j] ?? none, mode: geometry.paddingMode, added: added)
      case .transposed:
        return TransposedLane(axis: axis, mode: geometry.paddingMode, added: added)
      }
    }
  }
}
