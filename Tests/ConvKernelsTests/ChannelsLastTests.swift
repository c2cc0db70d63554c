@testable import ConvKernels
import Testing

@Suite("moving to channels last and back")
struct ChannelsLastTests {
  @Test(
    "every element lands at its transposed place, for sizes on and off the 8 x 8 blocks, at every level",
    arguments: VectorInstructions.allCases.filter { $0 <= VectorInstructions.available })
  func transposes(level: VectorInstructions) {
    VectorInstructions.$requested.withValue(level) { Self.transposes() }
  }

  static func transposes() {
    for rows in [1, 3, 8, 9, 16, 17, 24, 37] {
      for columns in [1, 7, 8, 15, 16, 33, 64] {
        let from = (0..<(rows * columns)).map(Float.init)
        var to = [Float](repeating: -1, count: rows * columns)
        from.withUnsafeBufferPointer { source in
          to.withUnsafeMutableBufferPointer { target in
            guard let source = source.baseAddress, let target = target.baseAddress else { return }
            ChannelsLast.transpose(source, into: target, rows: rows, columns: columns)
          }
        }
        let expected = (0..<(rows * columns)).map { Float(($0 % rows) * columns + $0 / rows) }
        #expect(to == expected, "\(rows) x \(columns)")
      }
    }
  }

  @Test("a batch moved there and back is unchanged")
  func roundTrip() {
    let move = ChannelsLast(items: 3, channels: 5, cells: 19)
    let planes = (0..<(3 * 5 * 19)).map(Float.init)
    var lines = [Float](repeating: 0, count: planes.count), back = lines
    planes.withUnsafeBufferPointer { planes in
      lines.withUnsafeMutableBufferPointer { lines in
        back.withUnsafeMutableBufferPointer { back in
          guard let planes = planes.baseAddress, let lines = lines.baseAddress, let back = back.baseAddress else {
            return
          }
          move.move(planes: planes, into: lines)
          move.moveBack(lines: UnsafePointer(lines), into: back)
        }
      }
    }
    #expect(back == planes)
    #expect(lines[1] == planes[19], "cell 0 of channel 1 follows cell 0 of channel 0")
  }
}
