import ConvCore

/// What a cell of the canvas (the cells the kernel slides over) holds.
package enum CanvasContent: Sendable, Equatable {
  /// The stage input's cell with this index along the axis.
  case input(Int)
  /// A zero inserted between input cells: a transposed convolution's stride, or JAX's `lhs_dilation`.
  case insertedZero
  /// A padding cell: a zero, or for a padding mode the copy of this input index.
  case padding(copyOf: Int?)
}

/// Whether any computed output cell reads a canvas cell.
package enum CanvasUse: Sendable, Equatable {
  case read
  /// Removed by a crop: a transposed convolution's `padding`, or negative padding.
  case cropped
  /// Past the last kernel position: the `floor` of the size rule leaves it out.
  case unread
}

/// A canvas cell: what it holds and whether it is read.
package struct CanvasCell: Sendable, Equatable {
  package let content: CanvasContent
  package let use: CanvasUse
}

/// What a cell of the convolution's result is.
package enum ResultCell: Sendable, Equatable {
  /// The output cell with this index, computed by the kernel.
  case output(Int)
  /// An output cell that exists only through `output_padding` (the last `output_padding` ones).
  case outputPadding(Int)
  /// Computed by the full transposed convolution and cropped away by its `padding`.
  case cropped
  /// For a transposed convolution with a padding mode (`A^T = P^T C^T`): a cell of
  /// `C^T`'s result that `P^T` adds onto the output cell it copied.
  case folded(onto: Int)
  /// A zero a framework's lowering adds around the convolution's result.
  case addedZero
}

/// One spatial axis of an arithmetic picture, drawn as the guide's direct
/// convolution: the canvas of cells the kernel slides over, the result's cells,
/// and which canvas cells each output cell's taps read. A picture of several
/// axes is their product (``ArithmeticPlane``): a cell's taps and the input
/// cells feeding it are the products of each axis's.
///
/// The result is the convolution's ("core") result with `added` zeros around it
/// (cells a framework's lowering pads the result with): result column `r` is
/// core column `r - added.begin`.
package protocol ArithmeticLane: Sendable {
  /// `H`, `W`, ...
  var name: String { get }
  var canvasCount: Int { get }
  /// The output cells the kernel computes, `0..<outputCount`.
  var outputCount: Int { get }
  /// The kernel's taps along the axis and their spacing on the canvas.
  var kernel: Int { get }
  var tapSpacing: Int { get }
  /// Zeros a framework's lowering adds before and after the convolution's result.
  var added: PadPair { get }
  var coreResultCount: Int { get }
  func canvasCell(_ column: Int) -> CanvasCell
  func coreResultCell(_ column: Int) -> ResultCell
  /// The core result columns whose values make output cell `output`: its own,
  /// and for a padding mode's adjoint the folded cells added onto it.
  func coreColumns(of output: Int) -> [Int]
  /// The canvas column of the first tap computing core result column `column`.
  func firstTap(ofCoreColumn column: Int) -> Int
  /// The canvas column holding input cell `index`.
  func canvasColumn(ofInput index: Int) -> Int
  /// How the canvas and the result come from the input, with numbers: caption lines.
  var construction: [String] { get }
}

extension ArithmeticLane {
  /// `added.begin + coreResultCount + added.end`.
  package var resultCount: Int { added.begin + coreResultCount + added.end }

  package func resultCell(_ column: Int) -> ResultCell {
    let core = column - added.begin
    return (0..<coreResultCount).contains(core) ? coreResultCell(core) : .addedZero
  }

  /// The result columns whose values make output cell `output`.
  package func resultColumns(of output: Int) -> [Int] { coreColumns(of: output).map { $0 + added.begin } }

  /// The canvas columns under the kernel for output cell `output`: for each of
  /// its core columns `q`, `firstTap(q) + t * tapSpacing` for `t` in `0..<kernel`.
  package func taps(of output: Int) -> [Int] {
    let columns = coreColumns(of: output).flatMap { column in
      let first = firstTap(ofCoreColumn: column)
      return (0..<kernel).map { first + $0 * tapSpacing }
    }
    return Array(Set(columns)).sorted()
  }

  /// The input indices whose cells reach output cell `output`: the input cells
  /// under its taps, and the cells the padding cells under them copy.
  package func fed(of output: Int) -> [Int] {
    let indices = taps(of: output).compactMap { column -> Int? in
      switch canvasCell(column).content {
      case .input(let index): index
      case .padding(let source): source
      case .insertedZero: nil
      }
    }
    return Array(Set(indices)).sorted()
  }
}

/// A lane of one axis of the core convolution, whose name, taps and output count are the axis's.
protocol ConvolutionAxisLane: ArithmeticLane {
  var axis: ConvAxis { get }
}

extension ConvolutionAxisLane {
  var name: String { axis.name }
  var kernel: Int { axis.kernel }
  var tapSpacing: Int { axis.dilation }
  var outputCount: Int { axis.output }
}
