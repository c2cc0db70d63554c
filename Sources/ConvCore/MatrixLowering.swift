/// A zero-padded convolution (or its transpose, or either one's adjoint) lowered
/// to matrix products per batch item `n` and group `g`.
///
/// "Driver" cells are the output of a forward geometry and the input of a
/// transposed one; "other" cells are the opposite side. Tap `k` connects driver
/// cell `p` with other cell `p*s + k*d - pb` in every spatial dimension. Both
/// weight layouts hold, per group, a `[D_g, O_g * prod(k)]` matrix `W_g`
/// (`D_g`, `O_g`: driver and other channels per group). With `cols` a matrix with
/// one row per (other channel, tap) and one column per driver cell:
/// - gather (conv; the adjoint of conv_transpose): `driver[n,g] = W_g cols`,
///   `cols = im2col(other[n,g])`;
/// - scatter (conv_transpose; the adjoint of conv): `cols = W_g^T driver[n,g]`,
///   `other[n,g] += col2im(cols)`, the zero-inserted input never built.
/// Crops, output padding and zero padding are cells the taps' boxes leave out.
/// When the only tap is the identity (1x1, stride 1, no shift, equal sizes),
/// `other[n,g]` is `cols` itself and no copy is made.
struct MatrixLowering {
  let gathers: Bool
  let batch: Int
  let groups: Int
  let driverPerGroup: Int
  let otherPerGroup: Int
  let kernelVolume: Int
  let driverVolume: Int
  let otherVolume: Int
  /// Each kernel position's box of driver cells, nil when no driver cell reaches the other side.
  let taps: [LoweredTap?]
  /// The identity case: `cols` is the other side's channel block itself.
  let identity: Bool
  /// Size of the last driver dimension: the length of one driver row.
  let rowLength: Int
  /// Stride along the last dimension: other cells between neighbouring driver cells of a row.
  let lastStride: Int
  /// For each driver row, its index along every dimension but the last, flattened.
  let rowIndices: [Int]
  /// For each driver row `(i_0, ..., i_{r-2})`: `sum_j i_j s_j otherStride_j`.
  let rowBases: [Int]

  /// Elements of the scratch matrix one work item aims for: about half a megabyte
  /// of float32, so `cols` stays in the core's L2 cache between its copy and its product.
  static let scratchTarget = 1 << 17

  /// The lowering of `geometry` (already zero-padded) as `A x` (`adjoint` false) or
  /// `A^T g`, or nil when the direct kernel serves better (one driver channel per
  /// group: depthwise) or a size exceeds BLAS's 32-bit dimensions.
  init?(_ geometry: ConvGeometry, adjoint: Bool) {
    let layout = geometry.tapLayout
    let forward = layout.forward
    let driverChannels = forward ? geometry.outputChannels : geometry.inputChannels
    let otherChannels = forward ? geometry.inputChannels : geometry.outputChannels
    let driverSizes = geometry.axes.map(forward ? \.output : \.input)
    gathers = forward != adjoint
    batch = geometry.batch
    groups = geometry.groups
    driverPerGroup = driverChannels / groups
    otherPerGroup = otherChannels / groups
    kernelVolume = geometry.axes.map(\.kernel).reduce(1, *)
    driverVolume = forward ? layout.outVolume : layout.inVolume
    otherVolume = forward ? layout.inVolume : layout.outVolume
    guard driverPerGroup > 1,
      [otherPerGroup * kernelVolume, driverVolume, otherVolume, driverChannels].allSatisfy({ $0 <= blasLimit })
    else { return nil }
    var taps = [LoweredTap?](repeating: nil, count: kernelVolume)
    for tap in layout.taps {
      taps[tap.kernelOffset] = LoweredTap(tap: tap, base: zip(tap.shift, layout.otherStrides).map(*).reduce(0, +))
    }
    self.taps = taps
    identity = geometry.axes.allSatisfy { $0.kernel == 1 && $0.stride == 1 && $0.padBegin == 0 && $0.input == $0.output }
    let outer = driverSizes.dropLast()
    rowLength = driverSizes.last ?? 1
    lastStride = geometry.axes.last?.stride ?? 1
    var indices: [Int] = [], bases: [Int] = []
    for row in 0..<outer.reduce(1, *) {
      var rest = row, base = 0, index = [Int](repeating: 0, count: outer.count)
      for j in outer.indices.reversed() {
        index[j] = rest % outer[j]
        rest /= outer[j]
        base += index[j] * geometry.axes[j].stride * layout.otherStrides[j]
      }
      indices += index
      bases.append(base)
    }
    rowIndices = indices
    rowBases = bases
  }

  /// Rows of `cols` per group: one per (other channel, tap).
  var depth: Int { otherPerGroup * kernelVolume }

  /// Calls `body(column, otherOffset, count)` for each run of `count` driver cells,
  /// among `cells` (flattened), that tap `tap` connects: `column` counts from
  /// `cells.lowerBound`, `otherOffset` is the first connected other cell within a
  /// plane, and the run's other cells are `lastStride` apart.
  @inline(__always)
  func forEachRun(_ tap: LoweredTap, cells: Range<Int>, _ body: (Int, Int, Int) -> Void) {
    let last = tap.tap.lower.count - 1
    let low = tap.tap.lower[last], high = tap.tap.upper[last]
    var cell = cells.lowerBound
    while cell < cells.upperBound {
      let row = cell / rowLength, start = cell - row * rowLength
      let end = min(rowLength, start + cells.upperBound - cell)
      defer { cell += end - start }
      var inside = true
      for j in 0..<last where !(tap.tap.lower[j]..<tap.tap.upper[j]).contains(rowIndices[row * last + j]) {
        inside = false
        break
      }
      let from = max(start, low), to = min(end, high)
      guard inside, from < to else { continue }
      body(cell - cells.lowerBound + from - start, rowBases[row] + tap.base + from * lastStride, to - from)
    }
  }

  /// Writes tap `tap`'s row of `cols` for `cells`: the connected other cells of
  /// `plane`, zero elsewhere.
  func gatherRow<T: BLASElement>(_ tap: LoweredTap?, plane: UnsafePointer<T>, cells: Range<Int>, into row: UnsafeMutablePointer<T>) {
    row.update(repeating: 0, count: cells.count)
    guard let tap else { return }
    let step = lastStride
    forEachRun(tap, cells: cells) { column, other, count in
      if step == 1 {
        (row + column).update(from: plane + other, count: count)
      } else {
        for t in 0..<count { row[column + t] = plane[other + t * step] }
      }
    }
  }

  /// Adds tap `tap`'s row of `cols` for `cells` onto the connected cells of `plane`.
  func scatterRow<T: BLASElement>(_ tap: LoweredTap, row: UnsafePointer<T>, cells: Range<Int>, into plane: UnsafeMutablePointer<T>) {
    let step = lastStride
    forEachRun(tap, cells: cells) { column, other, count in
      if step == 1 {
        for t in 0..<count { plane[other + t] += row[column + t] }
      } else {
        for t in 0..<count { plane[other + t * step] += row[column + t] }
      }
    }
  }
}

/// A kernel position's box of driver cells with the other-side offset of its
/// shift: `sum_j shift_j otherStride_j`.
struct LoweredTap {
  let tap: KernelTap
  let base: Int
}
