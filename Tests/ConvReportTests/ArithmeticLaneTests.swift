import ConvCore
@testable import ConvReport
import FrameworkCalls
import TestSupport
import Testing

/// The geometry `explain --svg` draws, against independent computations: the
/// input cells feeding each output cell against naive loops over the taps and
/// against the rows of the unrolled matrix ConvCore builds; the cells of each
/// kind counted for asymmetric padding, crops and output_padding.
@Suite("Arithmetic pictures: the geometry drawn")
struct ArithmeticLaneTests {
  typealias Case = OperationCase

  static func conv(
    _ name: String, _ input: [Int], _ kernel: [Int], stride: [Int], padding: [PadPair], dilation: [Int],
    mode: PaddingMode = .zeros
  ) -> Case {
    Case(
      name: name,
      operation: .conv(
        ConvParameters(
          stride: .perDimension(stride), padding: .pairs(padding), dilation: .perDimension(dilation),
          paddingMode: mode)), input: [1, 1] + input, weight: [1, 1] + kernel)
  }

  static func transposed(
    _ name: String, _ input: [Int], _ kernel: [Int], stride: [Int], padding: [PadPair], outputPadding: [Int],
    dilation: [Int], mode: PaddingMode = .zeros
  ) -> Case {
    Case(
      name: name,
      operation: .convTranspose(
        ConvTransposeParameters(
          stride: .perDimension(stride), padding: .pairs(padding), outputPadding: .perDimension(outputPadding),
          dilation: .perDimension(dilation), paddingMode: mode)), input: [1, 1] + input, weight: [1, 1] + kernel)
  }

  static let cases: [Case] = [
    conv("conv 1-d stride 2, padding [0, 2]", [5], [3], stride: [2], padding: [PadPair(0, 2)], dilation: [1]),
    conv(
      "conv 2-d stride [2, 1], dilation [1, 2], padding [[1, 2], [3, 0]]", [7, 6], [3, 2], stride: [2, 1],
      padding: [PadPair(1, 2), PadPair(3, 0)], dilation: [1, 2]),
    conv(
      "conv 2-d reflect [[2, 1], [1, 1]], stride [2, 1]", [5, 6], [3, 3], stride: [2, 1],
      padding: [PadPair(2, 1), PadPair(1, 1)], dilation: [1, 1], mode: .reflect),
    conv("conv 1-d replicate 3", [4], [3], stride: [1], padding: [PadPair(3, 3)], dilation: [1], mode: .replicate),
    conv(
      "conv 2-d circular, dilation 2", [5, 4], [3, 2], stride: [1, 1], padding: [PadPair(1, 2), PadPair(2, 0)],
      dilation: [2, 2], mode: .circular),
    transposed(
      "conv_transpose 2-d stride 2 on 3x3", [3, 3], [3, 3], stride: [2, 2], padding: [PadPair(0, 0), PadPair(0, 0)],
      outputPadding: [0, 0], dilation: [1, 1]),
    transposed(
      "conv_transpose 2-d asymmetric crops, output_padding [1, 0]", [4, 3], [3, 3], stride: [2, 2],
      padding: [PadPair(2, 1), PadPair(0, 2)], outputPadding: [1, 0], dilation: [1, 1]),
    transposed(
      "conv_transpose 1-d stride 3, dilation 2, crops past d(k-1), output_padding 2", [4], [3], stride: [3],
      padding: [PadPair(5, 1)], outputPadding: [2], dilation: [2]),
    transposed(
      "conv_transpose 2-d reflect", [4, 3], [3, 3], stride: [2, 2], padding: [PadPair(1, 2), PadPair(2, 1)],
      outputPadding: [1, 0], dilation: [1, 1], mode: .reflect),
    transposed(
      "conv_transpose 1-d circular", [5], [3], stride: [2], padding: [PadPair(1, 2)], outputPadding: [0],
      dilation: [1], mode: .circular),
    transposed(
      "conv_transpose 1-d replicate, dilation 2", [4], [2], stride: [3], padding: [PadPair(3, 1)], outputPadding: [2],
      dilation: [2], mode: .replicate),
  ]

  /// Per output cell, the input cells with a non-zero entry in its row of the
  /// unrolled matrix of an all-ones kernel (entries only add up: none cancel).
  static func matrixFeeds(_ geometry: ConvGeometry) throws -> [Set<Int>] {
    let weight = try Tensor(
      shape: geometry.weightShape, values: [Double](repeating: 1, count: geometry.weightShape.reduce(1, *)))
    let matrix = try geometry.unrolledMatrix(weight: weight)
    let (rows, columns) = (matrix.shape[0], matrix.shape[1])
    let values = matrix.values(as: Double.self)
    return (0..<rows).map { row in Set((0..<columns).filter { values[row * columns + $0] != 0 }) }
  }

  @Test("each output cell's fed input cells are the non-zeros of its row of the unrolled matrix", arguments: cases)
  func fedMatchesMatrix(_ example: Case) throws {
    let geometry = try example.geometry
    let plane = try example.plane
    let feeds = try Self.matrixFeeds(geometry)
    let (outRows, outColumns) = (plane.rows.outputCount, plane.columns.outputCount)
    let inColumns = geometry.inputShape.last ?? 1
    #expect(outRows * outColumns == feeds.count)
    for row in 0..<outRows {
      for column in 0..<outColumns {
        let fed = Set(plane.fed(of: PlaneIndex(row, column)).map { $0.row * inColumns + $0.column })
        #expect(fed == feeds[row * outColumns + column], "output [\(row), \(column)]")
      }
    }
  }

  /// A zeros-padded convolution's input cells feeding output `o` along one axis, by the loop
  /// PyTorch's definition gives: forward, `i = o*s + k*d - pb` inside the input; transposed,
  /// every `i` and `k` with `i*s + k*d - pb = o`.
  static func naiveFeeds(_ axis: ConvAxis, direction: ConvDirection, output o: Int) -> [Int] {
    let taps = 0..<axis.kernel
    switch direction {
    case .forward:
      return taps.map { o * axis.stride + $0 * axis.dilation - axis.padBegin }.filter { (0..<axis.input).contains($0) }
    case .transposed:
      return (0..<axis.input).filter { i in
        taps.contains { i * axis.stride + $0 * axis.dilation - axis.padBegin == o }
      }
    }
  }

  @Test(
    "zeros padding: each axis's fed cells are the naive loop's, and an output's taps are k apart by d",
    arguments: cases.filter {
      $0.name.contains("reflect") == false && !$0.name.contains("circular") && !$0.name.contains("replicate")
    })
  func fedMatchesNaiveLoop(_ example: Case) throws {
    let geometry = try example.geometry
    for (axis, lane) in zip(
      geometry.axes, ArithmeticPicture.lanes(CanonicalConvolution(geometry: geometry, hasBias: false)))
    {
      for output in 0..<axis.output {
        #expect(
          lane.fed(of: output) == Self.naiveFeeds(axis, direction: geometry.direction, output: output),
          "\(axis.name) \(output)")
        let taps = lane.taps(of: output)
        #expect(taps.count == axis.kernel)
        #expect(zip(taps, taps.dropFirst()).allSatisfy { $1 - $0 == axis.dilation })
      }
    }
  }

  /// How many cells of the plane's canvas and result are of each kind.
  static func census(_ plane: ArithmeticPlane) -> [String: Int] {
    var counts: [String: Int] = [:]
    for row in 0..<plane.rows.canvasCount {
      for column in 0..<plane.columns.canvasCount {
        switch plane.canvas(row, column) {
        case .input: counts["input", default: 0] += 1
        case .insertedZero: counts["zero", default: 0] += 1
        case .zeroPadding: counts["padding", default: 0] += 1
        case .copy: counts["copy", default: 0] += 1
        }
        switch plane.use(row, column) {
        case .read: break
        case .cropped: counts["cropped canvas", default: 0] += 1
        case .unread: counts["unread", default: 0] += 1
        }
      }
    }
    for row in 0..<plane.rows.resultCount {
      for column in 0..<plane.columns.resultCount {
        switch plane.result(row, column) {
        case .output: counts["output", default: 0] += 1
        case .outputPadding: counts["output padding", default: 0] += 1
        case .cropped: counts["cropped result", default: 0] += 1
        case .folded: counts["folded", default: 0] += 1
        case .addedZero: counts["added", default: 0] += 1
        }
      }
    }
    return counts
  }

  @Test("conv_transpose stride 2 on 3x3: the zero-inserted input is 5x5, padded by d(k-1) = 2 on each side")
  func zeroInserted() throws {
    let plane = try Self.cases[5].plane
    #expect((plane.rows.canvasCount, plane.columns.canvasCount) == (9, 9))
    #expect(Self.census(plane) == ["input": 9, "zero": 16, "padding": 81 - 25, "output": 49])
    for column in 0..<9 {
      let expected: CanvasContent =
        (2...6).contains(column) ? (column % 2 == 0 ? .input((column - 2) / 2) : .insertedZero) : .padding(copyOf: nil)
      #expect(plane.columns.canvasCell(column) == CanvasCell(content: expected, use: .read))
    }
    #expect(plane.taps(of: PlaneIndex(0, 0)) == [0, 1, 2].flatMap { row in [0, 1, 2].map { PlaneIndex(row, $0) } })
    #expect(plane.fed(of: PlaneIndex(0, 0)) == [PlaneIndex(0, 0)])
    #expect(plane.fed(of: PlaneIndex(3, 2)).count == 2)
  }

  @Test("asymmetric crops and output_padding: each kind counted")
  func asymmetricTranspose() throws {
    // H: n 4, s 2, k 3, crops [2, 1], output_padding 1: full (4-1)*2 + 2 + 1 = 9, out 9 - 3 + 1 = 7; the direct
    // view pads d(k-1) - pb = 0 before and d(k-1) - pe + op = 2 after; canvas 9 + 2 = 11, its first 2 cropped.
    // W: n 3, crops [0, 2], output_padding 0: full 7, out 5; the last 2 result cells cropped and the last 2
    // canvas cells (only they read those); the direct view pads 2 before and 0 after.
    let plane = try Self.cases[6].plane
    #expect((plane.rows.canvasCount, plane.rows.resultCount, plane.rows.outputCount) == (11, 9, 7))
    #expect((plane.columns.canvasCount, plane.columns.resultCount, plane.columns.outputCount) == (9, 7, 5))
    let rows = (0..<9).map(plane.rows.resultCell)
    #expect(rows == [.cropped, .cropped] + (0..<6).map(ResultCell.output) + [.outputPadding(6)])
    let columns = (0..<7).map(plane.columns.resultCell)
    #expect(columns == (0..<5).map(ResultCell.output) + [.cropped, .cropped])
    #expect((0..<11).filter { plane.rows.canvasCell($0).use == .cropped } == [0, 1])
    #expect((0..<9).filter { plane.columns.canvasCell($0).use == .cropped } == [7, 8])
    let census = Self.census(plane)
    #expect(census["output"] == 6 * 5 && census["output padding"] == 5)
    #expect(census["cropped result"] == 9 * 7 - 7 * 5)
    #expect(census["cropped canvas"] == 11 * 9 - 9 * 7)
    #expect(census["input"] == 4 * 3 && census["zero"] == 7 * 5 - 12 && census["padding"] == 11 * 9 - 7 * 5)
  }

  @Test("crops past d(k-1) crop input cells; output_padding past the full result reads zeros")
  func cropsPastTheKernel() throws {
    // n 4, s 3, k 3, d 2: D = 4, full (4-1)*3 + 4 + 1 = 14; crops [5, 1], output_padding 2: out 14 - 6 + 2 = 10.
    let lane = try Self.cases[7].plane.columns
    #expect((lane.canvasCount, lane.resultCount, lane.outputCount) == (19, 15, 10))
    #expect((0..<19).filter { lane.canvasCell($0).use == .cropped } == [0, 1, 2, 3, 4])
    #expect(lane.canvasCell(4) == CanvasCell(content: .input(0), use: .cropped))
    #expect((0..<15).map(lane.resultCell).filter { $0 == .cropped }.count == 5)
    #expect(lane.resultCell(14) == .outputPadding(9) && lane.resultCell(13) == .outputPadding(8))
    #expect(lane.fed(of: 9).isEmpty)
  }

  @Test("a convolution's padding: zeros, or copies of the cells PyTorch's mode names; cells past the floor unread")
  func paddingCopies() throws {
    let forward = try Self.cases[0].plane.columns
    // n 5, padding [0, 2], k 3, s 2: 7 cells, out floor((7-3)/2) + 1 = 3, every cell read.
    #expect(
      (0..<7).map { forward.canvasCell($0).content } == (0..<5).map(CanvasContent.input) + [
        .padding(copyOf: nil), .padding(copyOf: nil),
      ])
    #expect((0..<7).allSatisfy { forward.canvasCell($0).use == .read })
    // H of the reflect case: n 5, padding [2, 1], s 2: 8 cells, out floor((8-3)/2) + 1 = 3, the last one unread.
    let reflect = try Self.cases[2].plane.rows
    let pytorchReflect = { (i: Int) in i < 0 ? -i : i >= 5 ? 2 * 4 - i : i }
    #expect(
      (0..<8).map { reflect.canvasCell($0).content }
        == (-2..<6).map { i in (0..<5).contains(i) ? .input(i) : .padding(copyOf: pytorchReflect(i)) })
    #expect((0..<8).filter { reflect.canvasCell($0).use == .unread } == [7])
    let replicate = try Self.cases[3].plane.columns
    #expect(
      (0..<10).map { replicate.canvasCell($0).content }
        == (-3..<7).map { i in (0..<4).contains(i) ? .input(i) : .padding(copyOf: min(max(i, 0), 3)) })
  }

  @Test("a padding mode's transpose: the padded result's cells fold onto the cells they copy")
  func folds() throws {
    // n 5, s 2, k 3, crops [1, 2], circular: full 11 = out 8 + 1 + 2; result cell 0 copies output 7, 9 and 10 copy 0 and 1.
    let lane = try Self.cases[9].plane.columns
    #expect(lane.resultCount == 11 && lane.outputCount == 8)
    #expect(
      lane.resultCell(0) == .folded(onto: 7) && lane.resultCell(9) == .folded(onto: 0)
        && lane.resultCell(10) == .folded(onto: 1))
    #expect(
      lane.resultColumns(of: 0) == [1, 9] && lane.resultColumns(of: 7) == [8, 0] && lane.resultColumns(of: 3) == [4])
    #expect(lane.taps(of: 0) == [1, 2, 3, 9, 10, 11])
  }
}

/// An output cell of a plane as the picture's highlights draw it (column stripes
/// clipped by row stripes): its taps, fed input cells and result cells are the
/// products of its row's and its column's.
extension ArithmeticPlane {
  func taps(of output: PlaneIndex) -> [PlaneIndex] {
    product(rows.taps(of: output.row), columns.taps(of: output.column))
  }

  func fed(of output: PlaneIndex) -> [PlaneIndex] {
    product(rows.fed(of: output.row), columns.fed(of: output.column))
  }

  func resultCells(of output: PlaneIndex) -> [PlaneIndex] {
    product(rows.resultColumns(of: output.row), columns.resultColumns(of: output.column))
  }

  private func product(_ rowIndices: [Int], _ columnIndices: [Int]) -> [PlaneIndex] {
    rowIndices.flatMap { row in columnIndices.map { PlaneIndex(row, $0) } }
  }
}

extension OperationCase {
  /// The picture's plane of the case's convolution.
  var plane: ArithmeticPlane {
    get throws {
      ArithmeticPlane(lanes: ArithmeticPicture.lanes(CanonicalConvolution(geometry: try geometry, hasBias: false)))
    }
  }
}
