import ConvCore

/// What something made for a zero-padded geometry depends on, as a hashable
/// key for the caches that keep what was made: the direction, channels,
/// groups and every axis's sizes and parameters, and `extra` numbers of the
/// maker's own (batch, threads, element size, ...).
struct GeometryKey: Hashable {
  let numbers: [Int]

  init(_ geometry: ConvGeometry, _ extra: [Int]) {
    numbers =
      [geometry.direction == .forward ? 0 : 1, geometry.inputChannels, geometry.outputChannels, geometry.groups]
      + extra
      + geometry.axes.flatMap {
        [$0.input, $0.kernel, $0.stride, $0.dilation, $0.padBegin, $0.padEnd, $0.outputPadding, $0.output]
      }
  }
}
