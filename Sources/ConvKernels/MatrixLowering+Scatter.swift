import ConvCore
extension MatrixLowering {
  /// Whether the products run as ``runScatter(source:weight:)``: in the phase
  /// form unless a phase reads the source in place (an identity phase, as in a
  /// 2x2 stride-2 conv_transpose), which one product per phase does without
  /// `cols` and measured faster, and while the product's `R * prod(k)` rows fit BLAS's 32-bit sizes.
  var scatters: Bool { phaseForm && !phases.contains(where: \.identity) && resultPerGroup * kernelVolume <= blasLimit }

  /// The phase form as one product and a scatter-add (col2im) instead of one
  /// product per phase: per group,
  /// `cols[(r, k), (n, i)] = sum_c W_g[c][r][k] * source[n, c, i]`, a product of
  /// `R * prod(k)` rows, `C` deep (`A = W_g^T`, read by BLAS as stored), over
  /// every source cell of every batch item,
  /// then `result[n, r, i*s + k*d - pb] += cols[(r, k), (n, i)]` where that cell
  /// lies inside the result (crops and output padding are cells left out or
  /// never reached). Work items are blocks of result channels: each multiplies
  /// its rows of `cols` in its scratch (over as many batch items at once as
  /// about 2 MB allows, at least one) and adds them into its own channels, which
  /// it zeroes first.
  func runScatter<T: BLASElement>(source: [T], weight: [T]) -> [T] {
    let count = batch * groups * resultPerGroup * resultVolume
    let columns = batch * sourceVolume, rowsPerChannel = kernelVolume, target = 1 << 19
    // About 2 MB of float32 cols per item, at least two items per worker when there
    // are channels for it; products over fewer batch items when one channel's rows are larger.
    let perItem = max(
      1,
      min(
        target / max(rowsPerChannel * columns, 1), ceilDivide(resultPerGroup * groups, 2 * ComputeThreads.perOperation))
    )
    let imagesPerProduct = max(1, min(batch, target / max(perItem * rowsPerChannel * sourceVolume, 1)))
    let blocks = ceilDivide(resultPerGroup, perItem)
    let taps = (0..<kernelVolume).map(scatterTap)
    let sources = batch == 1 ? source : channelMajor(source)
    return [T](unsafeUninitializedCapacity: count) { result, initialized in
      sources.withUnsafeBufferPointer { src in
        weight.withUnsafeBufferPointer { a in
          guard let src = src.baseAddress, let a = a.baseAddress, let dst = result.baseAddress else { return }
          let scratch = perItem * rowsPerChannel * imagesPerProduct * sourceVolume
          ComputeThreads.forEach(groups * blocks, scratch: scratch, of: T.self) { item, cols in
            let group = item / blocks, first = (item % blocks) * perItem
            let channels = first..<min(resultPerGroup, first + perItem)
            for images in stride(from: 0, to: batch, by: imagesPerProduct).map({
              $0..<min(batch, $0 + imagesPerProduct)
            }) {
              let width = images.count * sourceVolume
              // A's rows (r, k) for r in `channels` are columns of W_g, stored [c][r][k].
              T.multiply(
                m: channels.count * rowsPerChannel, n: width, k: sourcePerGroup,
                a + group * sourcePerGroup * resultPerGroup * rowsPerChannel + first * rowsPerChannel,
                lda: resultPerGroup * rowsPerChannel, transposedA: true,
                src + group * sourcePerGroup * columns + images.lowerBound * sourceVolume, ldb: columns,
                into: cols, ldc: width)
              for r in channels {
                for n in images {
                  let plane = dst + ((n * groups + group) * resultPerGroup + r) * resultVolume
                  plane.update(repeating: 0, count: resultVolume)
                  for (k, tap) in taps.enumerated() {
                    let row = cols + ((r - first) * rowsPerChannel + k) * width + (n - images.lowerBound) * sourceVolume
                    tap.lines.withUnsafeBufferPointer { lines in
                      for line in lines {
                        for m in 0..<tap.length { plane[line.to + m * tap.step] += row[line.from + m] }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      initialized = count
    }
  }

  /// Where tap `k`'s `cols` row goes: for each line of source cells (along the
  /// last dimension) whose targets `i*s + k*d - pb` lie inside the result, the
  /// first source cell and its target; the cells of a line and the target step.
  private func scatterTap(_ k: Int) -> ScatterTap {
    let rank = axes.count, last = rank - 1
    var kernelIndex = [Int](repeating: 0, count: rank), rest = k
    for j in stride(from: last, through: 0, by: -1) {
      kernelIndex[j] = rest % axes[j].kernel
      rest /= axes[j].kernel
    }
    // Per dimension: the source cells whose target lies inside, and the target of cell 0.
    let spans = (0..<rank).map { j -> (range: Range<Int>, offset: Int) in
      let axis = axes[j], offset = kernelIndex[j] * axis.dilation - axis.padBegin
      let low = max(0, ceilDivide(-offset, axis.stride))
      let high = min(sourceSizes[j], floorDivide(resultSizes[j] - 1 - offset, axis.stride) + 1)
      return (low..<max(low, high), offset)
    }
    let step = axes[last].stride
    guard spans.allSatisfy({ !$0.range.isEmpty }) else { return ScatterTap(lines: [], length: 0, step: step) }
    let sourceStrides = rowMajorStrides(sourceSizes), resultStrides = rowMajorStrides(resultSizes)
    let lines = allChoices(spans.dropLast().map(\.range.count)).map { outer -> (from: Int, to: Int) in
      var from = spans[last].range.lowerBound, to = spans[last].range.lowerBound * step + spans[last].offset
      for j in 0..<last {
        let i = spans[j].range.lowerBound + outer[j]
        from += i * sourceStrides[j]
        to += (i * axes[j].stride + spans[j].offset) * resultStrides[j]
      }
      return (from, to)
    }
    return ScatterTap(lines: lines, length: spans[last].range.count, step: step)
  }

  /// The source reordered `[n][g][c][cell]` to `[g][c][n][cell]`, so each group's
  /// channels are rows over every batch item's cells.
  private func channelMajor<T: BLASElement>(_ source: [T]) -> [T] {
    let rows = groups * sourcePerGroup
    return [T](unsafeUninitializedCapacity: source.count) { reordered, initialized in
      source.withUnsafeBufferPointer { src in
        guard let src = src.baseAddress, let dst = reordered.baseAddress else { return }
        ComputeThreads.forEach(rows, of: T.self) { row, _ in
          for n in 0..<batch {
            (dst + (row * batch + n) * sourceVolume).update(
              from: src + (n * rows + row) * sourceVolume, count: sourceVolume)
          }
        }
      }
      initialized = source.count
    }
  }
}

/// One tap's scatter: lines of `length` source cells from `from`, added to
/// result cells `to + m * step`.
struct ScatterTap {
  let lines: [(from: Int, to: Int)]
  let length: Int
  let step: Int
}
