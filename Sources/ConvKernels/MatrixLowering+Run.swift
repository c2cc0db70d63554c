import ConvCore
extension MatrixLowering {
  /// Applies the lowered operator to `source` and returns the result side, by
  /// one of the three ways (tap by tap, scatter-add, or one product per phase,
  /// here). Per phase, every result cell lies in exactly one phase, and each
  /// work item writes all cells of its columns, so the result needs no zeroing.
  /// An empty batch gives an empty result.
  func run<T: BLASElement>(source: [T], weight: [T]) -> [T] {
    guard batch > 0 else { return [] }
    guard usesProducts else { return runTapByTap(source: source, weight: weight) }
    if scatters { return runScatter(source: source, weight: weight) }
    let count = batch * groups * resultPerGroup * resultVolume
    let chunks = phases.map(chunking)
    let itemsPerGroup = chunks.map(\.items).reduce(0, +)
    let scratch =
      zip(phases, chunks).map { phase, chunk in
        (phase.identity ? 0 : depth(phase) * chunk.length) + (phase.writesInPlace ? 0 : resultPerGroup * chunk.length)
      }.max() ?? 0
    let matrices = phaseForm ? packed(weight) : weight
    return [T](unsafeUninitializedCapacity: count) { result, initialized in
      source.withUnsafeBufferPointer { src in
        matrices.withUnsafeBufferPointer { w in
          guard let src = src.baseAddress, let w = w.baseAddress, let dst = result.baseAddress else { return }
          ComputeThreads.forEach(groups * itemsPerGroup, scratch: scratch, of: T.self) { item, buffer in
            var index = item % itemsPerGroup, p = 0
            while index >= chunks[p].items {
              index -= chunks[p].items
              p += 1
            }
            let group = item / itemsPerGroup
            runChunk(
              phases[p], chunks[p].columns(index), group: group,
              Operands(source: src, weight: w + matrixOffset(group: group, phase: p), result: dst), scratch: buffer)
          }
        }
      }
      initialized = count
    }
  }

  /// One product `A_{g,p} cols` over `columns` (flattened as `n * volume + cell`):
  /// `cols` built in `scratch` (or the source itself for an identity phase), the
  /// product written in place (writesInPlace) or after `cols` and copied out.
  private func runChunk<T: BLASElement>(
    _ phase: LoweredPhase, _ columns: Range<Int>, group: Int, _ operands: Operands<T>,
    scratch: UnsafeMutablePointer<T>
  ) {
    let n = columns.lowerBound / phase.volume, cell = columns.lowerBound - n * phase.volume
    let sourcePlanes = operands.source + group * sourcePerGroup * sourceVolume
    let cols = UnsafePointer(scratch)
    let product =
      phase.writesInPlace
      ? operands.result + ((n * groups + group) * resultPerGroup) * resultVolume + cell
      : scratch + (phase.identity ? 0 : depth(phase) * columns.count)
    if phase.identity {
      // Identity phases never cross a batch item: cols is the source at its own stride.
      T.multiply(
        m: resultPerGroup, n: columns.count, k: sourcePerGroup,
        operands.weight, lda: sourcePerGroup, transposedA: false,
        sourcePlanes + n * groups * sourcePerGroup * sourceVolume + cell,
        ldb: sourceVolume, into: product, ldc: phase.writesInPlace ? resultVolume : columns.count)
    } else if phase.tapCount == 0 {
      product.update(repeating: 0, count: resultPerGroup * columns.count)
    } else {
      gatherColumns(phase, columns, planes: sourcePlanes, into: scratch)
      T.multiply(
        m: resultPerGroup, n: columns.count, k: depth(phase),
        operands.weight, lda: depth(phase), transposedA: false, cols, ldb: columns.count,
        into: product, ldc: phase.writesInPlace ? resultVolume : columns.count)
    }
    if !phase.writesInPlace {
      scatterProduct(phase, columns, product: product, into: operands.result + group * resultPerGroup * resultVolume)
    }
  }

  /// Offset of `A_{g,p}` in the weight (gather form: `W_g`) or the packed matrices.
  func matrixOffset(group: Int, phase: Int) -> Int {
    guard phaseForm else { return group * resultPerGroup * sourcePerGroup * kernelVolume }
    return group * resultPerGroup * sourcePerGroup * tapTotal + phaseStarts[phase]
  }

  /// The phase form's matrices `A_{g,p}[o, d*T + t] = W_g[d, o, k_t]`, one after the other.
  func packed<T: BLASElement>(_ weight: [T]) -> [T] {
    let count = groups * resultPerGroup * sourcePerGroup * tapTotal
    return [T](unsafeUninitializedCapacity: count) { matrices, initialized in
      weight.withUnsafeBufferPointer { w in
        guard let w = w.baseAddress, let dst = matrices.baseAddress else { return }
        ComputeThreads.forEach(groups * phases.count, of: T.self) { item, _ in
          let group = item / phases.count, phase = phases[item % phases.count]
          let into = dst + matrixOffset(group: group, phase: item % phases.count)
          let from = w + group * sourcePerGroup * resultPerGroup * kernelVolume
          phase.kernelOffsets.withUnsafeBufferPointer { taps in
            for o in 0..<resultPerGroup {
              for d in 0..<sourcePerGroup {
                let row = into + (o * sourcePerGroup + d) * taps.count,
                  plane = from + (d * resultPerGroup + o) * kernelVolume
                for t in taps.indices { row[t] = plane[taps[t]] }
              }
            }
          }
        }
      }
      initialized = count
    }
  }

  /// How phase `phase`'s columns split into products.
  private func chunking(_ phase: LoweredPhase) -> Chunking {
    // A product writing in place or reading the source as cols stays within one batch item.
    let span = phase.writesInPlace || phase.identity ? phase.volume : batch * phase.volume
    let wanted = max(Self.minimumColumns, Self.scratchTarget / max(depth(phase), 1))
    let perSpan = (span + wanted - 1) / wanted
    let length = (span + perSpan - 1) / perSpan
    return Chunking(span: span, perSpan: perSpan, length: length, items: perSpan * (batch * phase.volume / span))
  }
}

/// Products of one phase: each span of `span` columns (one batch item, or all)
/// splits into `perSpan` chunks of at most `length` columns.
struct Chunking {
  let span: Int
  let perSpan: Int
  let length: Int
  let items: Int

  /// Columns of chunk `index`.
  func columns(_ index: Int) -> Range<Int> {
    let start = (index / perSpan) * span + (index % perSpan) * length
    return start..<min((index / perSpan + 1) * span, start + length)
  }
}

/// The base addresses one lowered application reads and writes.
struct Operands<T: BLASElement> {
  let source: UnsafePointer<T>
  let weight: UnsafePointer<T>
  let result: UnsafeMutablePointer<T>
}
