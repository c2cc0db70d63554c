/// For one axis of a panel, the slots each drawn output highlights, one list per
/// output of ``LaneSelection/outputs``: its taps and the input cells feeding it
/// on the canvas, its result cells. Cells the selection leaves out highlight
/// the marker standing for them.
struct StepSlots: Sendable {
  let taps: [[Int]]
  let fed: [[Int]]
  let result: [[Int]]

  init(_ lane: any ArithmeticLane, _ selection: LaneSelection) {
    func slots(_ cells: [Int], _ slot: (Int) -> Int?) -> [Int] { Array(Set(cells.compactMap(slot))).sorted() }
    taps = selection.outputs.map { slots(lane.taps(of: $0), selection.canvasSlot) }
    fed = selection.outputs.map { slots(lane.fed(of: $0).map(lane.canvasColumn), selection.canvasSlot) }
    result = selection.outputs.map { slots(lane.resultColumns(of: $0), selection.resultSlot) }
  }
}
