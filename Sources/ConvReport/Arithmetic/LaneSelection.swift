/// Which cells of a lane a picture draws, so that large sizes stay readable:
/// every cell when the canvas and the result each take at most `cap` slots; else the
/// `m` outputs at each end with the canvas and result cells from each end to
/// their taps, one marker for the middle, for the largest `m` that fits in `cap`
/// slots; else (a widely dilated kernel, a long crop) those outputs' taps alone
/// with a marker in every gap, for the largest `m` that fits; else the first and
/// last output's taps, at most `cap` of them.
package struct LaneSelection: Sendable, Equatable {
  /// A drawn place: a cell, or a marker standing for the cells it elides.
  package enum Slot: Sendable, Equatable {
    case cell(Int)
    case elided(ClosedRange<Int>)
  }

  /// The output cells drawn, in order: the animation's steps along the axis.
  package let outputs: [Int]
  package let canvas: [Slot]
  package let result: [Slot]

  /// The cells one axis of a plane draws at most, markers included.
  package static let cap = 32

  package init(_ lane: any ArithmeticLane, cap: Int = LaneSelection.cap) {
    let count = lane.outputCount
    func ends(_ m: Int) -> [Int] { Array(Set(Array(0..<min(m, count)) + Array(max(count - m, 0)..<count))).sorted() }
    func taps(_ outputs: [Int]) -> [Int] { outputs.flatMap { lane.taps(of: $0) } }
    func results(_ outputs: [Int]) -> [Int] { outputs.flatMap { lane.resultColumns(of: $0) } }
    /// The `m` outputs at each end, and the canvas and result cells drawn with them.
    typealias Candidate = (outputs: [Int], canvas: [ClosedRange<Int>], result: [ClosedRange<Int>])
    let windows = { (m: Int) -> Candidate in
      let drawn = ends(m), head = drawn.filter { $0 < m }, tail = drawn.filter { $0 >= count - m }
      return (
        drawn, Self.window(taps(head), taps(tail), count: lane.canvasCount),
        Self.window(results(head), results(tail), count: lane.resultCount)
      )
    }
    let tapsAlone = { (m: Int) -> Candidate in
      let drawn = ends(m)
      return (
        drawn, (taps(drawn) + [0, lane.canvasCount - 1]).map { $0...$0 },
        (results(drawn) + [0, lane.resultCount - 1]).map { $0...$0 }
      )
    }
    if let canvas = Self.slots([0...(lane.canvasCount - 1)], count: lane.canvasCount, cap: cap),
      let result = Self.slots([0...(lane.resultCount - 1)], count: lane.resultCount, cap: cap)
    {
      (outputs, self.canvas, self.result) = (Array(0..<count), canvas, result)
      return
    }
    for candidate in [windows, tapsAlone] {
      for m in stride(from: min((count + 1) / 2, cap / 2), through: 1, by: -1) {
        let (drawn, canvasCells, resultCells) = candidate(m)
        if let canvas = Self.slots(canvasCells, count: lane.canvasCount, cap: cap),
          let result = Self.slots(resultCells, count: lane.resultCount, cap: cap)
        {
          (outputs, self.canvas, self.result) = (drawn, canvas, result)
          return
        }
      }
    }
    outputs = ends(1)
    canvas = Self.bounded(taps(outputs) + [0, lane.canvasCount - 1], count: lane.canvasCount, cap: cap)
    result = Self.bounded(results(outputs) + [0, lane.resultCount - 1], count: lane.resultCount, cap: cap)
  }

  /// The cells from the start to the last of `head` and from the first of `tail` to the end.
  private static func window(_ head: [Int], _ tail: [Int], count: Int) -> [ClosedRange<Int>] {
    [0...(head.max() ?? 0), min(tail.min() ?? (count - 1), count - 1)...(count - 1)]
  }

  /// The distinct `cells`, at most `cap / 4` from each end, with their markers: at most `cap` slots.
  private static func bounded(_ cells: [Int], count: Int, cap: Int) -> [Slot] {
    let sorted = Array(Set(cells)).sorted()
    let kept = sorted.count <= cap / 2 ? sorted : Array(sorted.prefix(cap / 4) + sorted.suffix(cap / 4))
    return slots(kept.map { $0...$0 }, count: count, cap: cap) ?? []
  }

  /// The cells of `ranges` (within `0..<count`) with a marker for each run of cells left out between
  /// them; nil when that makes more than `cap` slots. Counted before a slot is made, so that a long
  /// lane costs nothing.
  private static func slots(_ ranges: [ClosedRange<Int>], count: Int, cap: Int) -> [Slot]? {
    var merged: [ClosedRange<Int>] = []
    for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      if let last = merged.last, range.lowerBound <= last.upperBound + 1 {
        merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
      } else {
        merged.append(range)
      }
    }
    var gaps = zip(merged, merged.dropFirst()).filter { $1.lowerBound > $0.upperBound + 1 }.count
    gaps += (merged.first?.lowerBound ?? 0) > 0 ? 1 : 0
    gaps += (merged.last?.upperBound ?? count - 1) < count - 1 ? 1 : 0
    guard merged.reduce(gaps, { $0 + $1.count }) <= cap else { return nil }
    var slots: [Slot] = []
    var next = 0
    for range in merged {
      if range.lowerBound > next { slots.append(.elided(next...(range.lowerBound - 1))) }
      slots += range.map { .cell($0) }
      next = range.upperBound + 1
    }
    if next < count { slots.append(.elided(next...(count - 1))) }
    return slots
  }

  /// The slot drawing canvas column `column`: its cell's, or the marker eliding it.
  package func canvasSlot(of column: Int) -> Int? { Self.slot(of: column, in: canvas) }
  package func resultSlot(of column: Int) -> Int? { Self.slot(of: column, in: result) }

  private static func slot(of column: Int, in slots: [Slot]) -> Int? {
    slots.firstIndex { slot in
      switch slot {
      case .cell(let cell): cell == column
      case .elided(let range): range.contains(column)
      }
    }
  }

  /// Whether any cell is left out.
  package var elides: Bool {
    (canvas + result).contains { if case .elided = $0 { true } else { false } }
  }
}
