/// Runs of cells along `rows` evenly spaced rows of a convolution phase,
/// computed tap by tap in vector registers, without `im2col` or a matrix
/// product: for result channel `o < outputs`, row `r < rows` and cell `m` in `cells`,
///
///     result[o * resultStride + r * resultRowStep + m * resultStep] =
///       sum_{c < channels, t < taps} weights[(o * channels + c) * taps + t]
///         * source[c * channelStride + r * sourceRowStep + tapOffsets[t] + m * sourceStep]
///
/// With ``TapLanes/channels``, `weights` holds the transpose instead, taps outer:
/// the weight of output `o` at `(c, t)` is `weights[(t * channels + c) * channelLanes(outputs) + o]`
/// (which reads the source in order when its channels are interleaved, `channelStride` 1).
///
/// The source is read without bounds tests, so it must be zero-padded wide
/// enough for every tap at every cell, and readable for ``maximumLanes``
/// `* sourceStep` elements past the run's last cell: a run ends in a block
/// whose lanes past the last cell are computed and never stored.
///
/// The loops are `@inlinable` so each module that calls ``compute(_:_:)``
/// compiles them for its own instruction set.
@frozen
public struct TapRun<T: FloatingPoint & SIMDScalar> {
  public var source: UnsafePointer<T>
  public var channelStride: Int
  public var sourceStep: Int
  public var tapOffsets: UnsafePointer<Int>
  public var taps: Int
  public var channels: Int
  public var weights: UnsafePointer<T>
  public var outputs: Int
  public var result: UnsafeMutablePointer<T>
  public var resultStride: Int
  public var resultStep: Int
  public var cells: Range<Int>
  public var rows: Int
  public var sourceRowStep: Int
  public var resultRowStep: Int
  public var lanes: TapLanes

  /// A bound on the cells a block reads past a run's last cell (under two
  /// vectors of at most 16 lanes, rounded up generously): the slack a source
  /// needs after its last cell, times `sourceStep`.
  public static var maximumLanes: Int { 64 }

  @inlinable
  public init(
    source: UnsafePointer<T>, channelStride: Int, sourceStep: Int, tapOffsets: UnsafePointer<Int>, taps: Int,
    channels: Int, weights: UnsafePointer<T>, outputs: Int,
    result: UnsafeMutablePointer<T>, resultStride: Int, resultStep: Int, cells: Range<Int>,
    rows: Int = 1, sourceRowStep: Int = 0, resultRowStep: Int = 0, lanes: TapLanes = .cells
  ) {
    self.source = source
    self.channelStride = channelStride
    self.sourceStep = sourceStep
    self.tapOffsets = tapOffsets
    self.taps = taps
    self.channels = channels
    self.weights = weights
    self.outputs = outputs
    self.result = result
    self.resultStride = resultStride
    self.resultStep = resultStep
    self.cells = cells
    self.rows = rows
    self.sourceRowStep = sourceRowStep
    self.resultRowStep = resultRowStep
    self.lanes = lanes
  }

  /// Output channels rounded up to a multiple of 16: the row length of the
  /// transposed weights of ``TapLanes/channels`` (every `V` has at most 16 lanes, dividing 16).
  public static func channelLanes(_ outputs: Int) -> Int { (outputs + 15) / 16 * 16 }

  /// Computes the runs in blocks of four vector accumulators (two registers each
  /// on AVX2) that share their loads: result channels four at a time over one vector of `V` cells, then
  /// each remaining channel over four vectors while more than two vectors of
  /// cells are left, then one. (Swift lowers `SIMD16` well on AVX2, but not
  /// `SIMD32` and `SIMD64`: wider blocks are several vectors, not wider ones.)
  @inlinable @inline(__always)
  public func compute<V: SIMD, Add: MultiplyAdd>(_ vector: V.Type, _ add: Add.Type) where V.Scalar == T {
    if lanes == .channels { return computeAcrossChannels(V.self, Add.self) }
    var row = self
    for _ in 0..<rows {
      if sourceStep == 1 {
        row.computeBlocks(V.self, Add.self, ContiguousLoad.self)
      } else {
        row.computeBlocks(V.self, Add.self, StridedLoad.self)
      }
      row.source += sourceRowStep
      row.result += resultRowStep
    }
  }

  @inlinable @inline(__always)
  func computeBlocks<V: SIMD, Add: MultiplyAdd, Load: VectorLoad>(_: V.Type, _: Add.Type, _: Load.Type)
  where V.Scalar == T {
    let lanes = V.scalarCount
    var o = 0
    while o + 4 <= outputs {
      var m = cells.lowerBound
      while m < cells.upperBound {
        fourChannels(o, m, V.self, Add.self, Load.self)
        m += lanes
      }
      o += 4
    }
    while o < outputs {
      var m = cells.lowerBound
      while cells.upperBound - m > 2 * lanes {
        fourVectors(o, m, V.self, Add.self, Load.self)
        m += 4 * lanes
      }
      while m < cells.upperBound {
        oneVector(o, m, V.self, Add.self, Load.self)
        m += lanes
      }
      o += 1
    }
  }

  @inlinable @inline(__always)
  func fourChannels<V: SIMD, Add: MultiplyAdd, Load: VectorLoad>(
    _ o: Int, _ m: Int, _: V.Type, _: Add.Type, _: Load.Type
  ) where V.Scalar == T {
    let depth = channels &* taps
    var s0 = V(), s1 = V(), s2 = V(), s3 = V()
    for c in 0..<channels {
      let plane = source + (c &* channelStride &+ m &* sourceStep)
      let w = weights + (o &* depth &+ c &* taps)
      for t in 0..<taps {
        let x: V = Load.load(plane + tapOffsets[t], step: sourceStep)
        s0 = Add.add(s0, V(repeating: w[t]), x)
        s1 = Add.add(s1, V(repeating: w[t &+ depth]), x)
        s2 = Add.add(s2, V(repeating: w[t &+ 2 &* depth]), x)
        s3 = Add.add(s3, V(repeating: w[t &+ 3 &* depth]), x)
      }
    }
    store(s0, channel: o, at: m)
    store(s1, channel: o &+ 1, at: m)
    store(s2, channel: o &+ 2, at: m)
    store(s3, channel: o &+ 3, at: m)
  }

  @inlinable @inline(__always)
  func fourVectors<V: SIMD, Add: MultiplyAdd, Load: VectorLoad>(
    _ o: Int, _ m: Int, _: V.Type, _: Add.Type, _: Load.Type
  ) where V.Scalar == T {
    let lanes = V.scalarCount &* sourceStep
    var s0 = V(), s1 = V(), s2 = V(), s3 = V()
    for c in 0..<channels {
      let plane = source + (c &* channelStride &+ m &* sourceStep)
      let w = weights + (o &* channels &+ c) &* taps
      for t in 0..<taps {
        let x = plane + tapOffsets[t], weight = V(repeating: w[t])
        s0 = Add.add(s0, weight, Load.load(x, step: sourceStep))
        s1 = Add.add(s1, weight, Load.load(x + lanes, step: sourceStep))
        s2 = Add.add(s2, weight, Load.load(x + 2 &* lanes, step: sourceStep))
        s3 = Add.add(s3, weight, Load.load(x + 3 &* lanes, step: sourceStep))
      }
    }
    store(s0, channel: o, at: m)
    store(s1, channel: o, at: m &+ V.scalarCount)
    store(s2, channel: o, at: m &+ 2 &* V.scalarCount)
    store(s3, channel: o, at: m &+ 3 &* V.scalarCount)
  }

  @inlinable @inline(__always)
  func oneVector<V: SIMD, Add: MultiplyAdd, Load: VectorLoad>(
    _ o: Int, _ m: Int, _: V.Type, _: Add.Type, _: Load.Type
  ) where V.Scalar == T {
    var sum = V()
    for c in 0..<channels {
      let plane = source + (c &* channelStride &+ m &* sourceStep)
      let w = weights + (o &* channels &+ c) &* taps
      for t in 0..<taps {
        sum = Add.add(sum, V(repeating: w[t]), Load.load(plane + tapOffsets[t], step: sourceStep))
      }
    }
    store(sum, channel: o, at: m)
  }

  /// ``TapLanes/channels``: the lanes of `V` are output channels, and the run's
  /// cells of all its rows, taken in order as one list, go six at a time (six
  /// accumulators, twelve registers on AVX2), in tiles of 96 cells that every
  /// block of channels visits in turn; each source value is broadcast once per
  /// cell for all the channels of a vector.
  @inlinable @inline(__always)
  func computeAcrossChannels<V: SIMD, Add: MultiplyAdd>(_: V.Type, _: Add.Type) where V.Scalar == T {
    let rowLength = Self.channelLanes(outputs), perRow = cells.count, total = rows &* perRow
    guard perRow > 0 else { return }
    /// Source and result offsets of the run's cell `i` (the last cell's for `i` past the end).
    func offsets(_ i: Int) -> (source: Int, result: Int) {
      let cell = min(i, total &- 1), r = cell / perRow, m = cells.lowerBound &+ cell % perRow
      return (r &* sourceRowStep &+ m &* sourceStep, r &* resultRowStep &+ m &* resultStep)
    }
    // Tiles of 16 blocks: each tile's source cells stay in cache while every
    // block of channels passes over them with its weights.
    var tile = 0
    while tile < total {
      let tileEnd = min(total, tile &+ 96)
      var o = 0
      while o < outputs {
        var first = tile
        while first < tileEnd {
          let c0 = offsets(first), c1 = offsets(first &+ 1), c2 = offsets(first &+ 2)
          let c3 = offsets(first &+ 3), c4 = offsets(first &+ 4), c5 = offsets(first &+ 5)
          var s0 = V(), s1 = V(), s2 = V(), s3 = V(), s4 = V(), s5 = V()
          for t in 0..<taps {
            let tap = source + tapOffsets[t]
            let w = weights + (t &* channels &* rowLength &+ o)
            for c in 0..<channels {
              let x = tap + c &* channelStride, weight = UnsafeRawPointer(w + c &* rowLength).loadUnaligned(as: V.self)
              s0 = Add.add(s0, weight, V(repeating: x[c0.source]))
              s1 = Add.add(s1, weight, V(repeating: x[c1.source]))
              s2 = Add.add(s2, weight, V(repeating: x[c2.source]))
              s3 = Add.add(s3, weight, V(repeating: x[c3.source]))
              s4 = Add.add(s4, weight, V(repeating: x[c4.source]))
              s5 = Add.add(s5, weight, V(repeating: x[c5.source]))
            }
          }
          let channelsLeft = min(V.scalarCount, outputs &- o), out = result + o &* resultStride, block = first
          /// Stores the channels of cell `block + j` at result offset `offset`, if it is a cell of the tile.
          func store(_ sum: V, _ j: Int, at offset: Int) {
            guard block &+ j < tileEnd else { return }
            for lane in 0..<channelsLeft { out[offset &+ lane &* resultStride] = sum[lane] }
          }
          store(s0, 0, at: c0.result)
          store(s1, 1, at: c1.result)
          store(s2, 2, at: c2.result)
          store(s3, 3, at: c3.result)
          store(s4, 4, at: c4.result)
          store(s5, 5, at: c5.result)
          first += 6
        }
        o += V.scalarCount
      }
      tile = tileEnd
    }
  }

  /// Stores the lanes of `sum` that are cells of the row's run (none when `m` is past its end).
  @inlinable @inline(__always)
  func store<V: SIMD>(_ sum: V, channel o: Int, at m: Int) where V.Scalar == T {
    let out = result + o &* resultStride
    if resultStep == 1 && m &+ V.scalarCount <= cells.upperBound {
      UnsafeMutableRawPointer(out + m).storeBytes(of: sum, as: V.self)
    } else {
      for lane in 0..<max(0, min(V.scalarCount, cells.upperBound &- m)) { out[(m &+ lane) &* resultStep] = sum[lane] }
    }
  }
}

/// What the lanes of a ``TapRun``'s vectors hold.
public enum TapLanes: Sendable {
  /// Neighbouring cells of a row (result channels in registers side by side):
  /// suits long rows and few channels, and stores whole vectors.
  case cells
  /// Output channels (the weights transposed): suits many taps per output and
  /// result cells that are not neighbours in memory, such as sub-pixel phases.
  case channels
}
