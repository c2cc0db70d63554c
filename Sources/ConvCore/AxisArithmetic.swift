// The size rules of one spatial axis: one place for the core's shape rules and
// the frameworks' lowerings.

/// The dilated kernel's extent: `d(k-1) + 1`.
package func dilatedExtent(kernel k: Int, dilation d: Int) -> Int { d * (k - 1) + 1 }

/// The full size of a transposed convolution, before any crop or appended zero:
/// `(in-1)s + d(k-1) + 1`.
package func transposedFullSize(input: Int, kernel: Int, stride s: Int, dilation: Int) -> Int {
  (input - 1) * s + dilatedExtent(kernel: kernel, dilation: dilation)
}

/// A convolution's "same" padding: `out = ceil(in / s)` and the total padding
/// `max((out-1)s + d(k-1) + 1 - in, 0)`, which ``PadPair/init(splitting:oddCellAtStart:)`` splits.
package func samePadding(input: Int, kernel: Int, stride s: Int, dilation: Int) -> (output: Int, total: Int) {
  let output = ceilDivide(input, s)
  return (output, max((output - 1) * s + dilatedExtent(kernel: kernel, dilation: dilation) - input, 0))
}

extension PadPair {
  /// `total` split in two: `total / 2` rounded down before and the rest after (the
  /// odd cell at the end, TensorFlow's SAME and ONNX's SAME_UPPER), or mirrored
  /// with `oddCellAtStart` (SAME_LOWER).
  package init(splitting total: Int, oddCellAtStart: Bool = false) {
    let half = total / 2
    self.init(oddCellAtStart ? total - half : half, oddCellAtStart ? half : total - half)
  }
}
