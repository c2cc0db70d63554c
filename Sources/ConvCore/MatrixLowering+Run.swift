extension MatrixLowering {
  /// Applies the lowered operator to `source` (the driver side when scattering,
  /// the other side when gathering) and returns the other side.
  func run<T: BLASElement>(source: [T], weight: [T]) -> [T] {
    let resultVolume = gathers ? driverPerGroup * driverVolume : otherPerGroup * otherVolume
    var result = [T](repeating: 0, count: batch * groups * resultVolume)
    source.withUnsafeBufferPointer { src in
      weight.withUnsafeBufferPointer { w in
        result.withUnsafeMutableBufferPointer { dst in
          guard let src = src.baseAddress, let w = w.baseAddress, let dst = dst.baseAddress else { return }
          let operands = Operands(source: src, weight: w, result: dst)
          if gathers { gather(operands) } else { scatter(operands) }
        }
      }
    }
    return result
  }

  /// Gather: work items are (n, g, chunk of driver cells); each writes its own
  /// columns of `driver[n,g]` with `W_g cols`.
  private func gather<T: BLASElement>(_ operands: Operands<T>) {
    let chunk = min(driverVolume, max(64, Self.scratchTarget / depth))
    let chunks = (driverVolume + chunk - 1) / chunk
    ComputeThreads.forEach(batch * groups * chunks, scratch: identity ? 0 : depth * chunk, of: T.self) { item, cols in
      let block = item / chunks, start = (item % chunks) * chunk
      let cells = start..<min(driverVolume, start + chunk)
      let other = operands.source + block * otherPerGroup * otherVolume
      if !identity {
        for channel in 0..<otherPerGroup {
          for k in 0..<kernelVolume {
            gatherRow(taps[k], plane: other + channel * otherVolume, cells: cells, into: cols + (channel * kernelVolume + k) * cells.count)
          }
        }
      }
      T.multiply(
        transposeA: false, m: driverPerGroup, n: cells.count, k: depth,
        operands.weight + (block % groups) * driverPerGroup * depth, lda: depth,
        identity ? other + start : UnsafePointer(cols), ldb: identity ? otherVolume : cells.count,
        into: operands.result + block * driverPerGroup * driverVolume + start, ldc: driverVolume)
    }
  }

  /// Scatter: work items are (n, g, block of other channels), so no two items
  /// add onto the same cell; each runs `cols = W_g^T driver[n,g]` for its
  /// channels' rows, chunk by chunk of driver cells, and adds `col2im(cols)`.
  private func scatter<T: BLASElement>(_ operands: Operands<T>) {
    let blocks = channelBlocks
    let perBlock = (otherPerGroup + blocks - 1) / blocks
    let rows = perBlock * kernelVolume
    let chunk = identity ? driverVolume : min(driverVolume, max(64, Self.scratchTarget / rows))
    ComputeThreads.forEach(batch * groups * blocks, scratch: identity ? 0 : rows * chunk, of: T.self) { item, cols in
      let block = item / blocks
      let channels = (item % blocks) * perBlock..<min(otherPerGroup, (item % blocks + 1) * perBlock)
      let driver = operands.source + block * driverPerGroup * driverVolume
      let other = operands.result + (block * otherPerGroup + channels.lowerBound) * otherVolume
      for start in stride(from: 0, to: driverVolume, by: chunk) {
        let cells = start..<min(driverVolume, start + chunk)
        T.multiply(
          transposeA: true, m: channels.count * kernelVolume, n: cells.count, k: driverPerGroup,
          operands.weight + (block % groups) * driverPerGroup * depth + channels.lowerBound * kernelVolume, lda: depth,
          driver + start, ldb: driverVolume,
          into: identity ? other + start : cols, ldc: identity ? otherVolume : cells.count)
        guard !identity else { continue }
        for channel in 0..<channels.count {
          for k in 0..<kernelVolume {
            guard let tap = taps[k] else { continue }
            scatterRow(tap, row: cols + (channel * kernelVolume + k) * cells.count, cells: cells, into: other + channel * otherVolume)
          }
        }
      }
    }
  }

  /// How many blocks the other channels of a group split into: as few as keep
  /// each block's `cols` near `scratchTarget` with whole driver rows, and enough
  /// that every worker has an item.
  private var channelBlocks: Int {
    let bySize = (otherPerGroup * kernelVolume * min(driverVolume, 256) + Self.scratchTarget - 1) / Self.scratchTarget
    let byWorkers = (ComputeThreads.perOperation + batch * groups - 1) / (batch * groups)
    return min(otherPerGroup, max(bySize, byWorkers, 1))
  }
}

/// The base addresses one lowered application reads and writes.
struct Operands<T: BLASElement> {
  let source: UnsafePointer<T>
  let weight: UnsafePointer<T>
  let result: UnsafeMutablePointer<T>
}
