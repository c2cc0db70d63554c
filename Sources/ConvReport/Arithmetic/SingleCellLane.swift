import ConvCore

/// The rows of a 1-d stage's picture: one input cell, one output cell, one tap.
struct SingleCellLane: ArithmeticLane {
  var name: String { "" }
  var canvasCount: Int { 1 }
  var outputCount: Int { 1 }
  var kernel: Int { 1 }
  var tapSpacing: Int { 1 }
  var added: PadPair { PadPair(0, 0) }
  var coreResultCount: Int { 1 }
  func canvasCell(_ column: Int) -> CanvasCell { CanvasCell(content: .input(column), use: .read) }
  func coreResultCell(_ column: Int) -> ResultCell { .output(column) }
  func coreColumns(of output: Int) -> [Int] { [output] }
  func firstTap(ofCoreColumn column: Int) -> Int { column }
  func canvasColumn(ofInput index: Int) -> Int { index }
  var construction: [String] { [] }
}
