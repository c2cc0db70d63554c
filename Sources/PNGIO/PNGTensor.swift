import ConvCore

/// Where one tensor channel's values come from, per pixel.
private enum ChannelSource {
  /// Sample `index` of the pixel.
  case sample(Int)
  /// BT.601 luma of samples 0, 1, 2: `0.299 R + 0.587 G + 0.114 B`.
  case luma
  /// The maximum sample value (opaque alpha).
  case opaque

  /// The sources that turn `stored` channels into the channels `option` asks for.
  static func recipe(for option: PNGChannels, stored: Int) -> [ChannelSource] {
    let all = (0..<stored).map(ChannelSource.sample)
    switch (option, stored) {
    case (.auto, _), (.gray, 1), (.rgb, 3), (.rgba, 4): return all
    case (.gray, 2): return [.sample(0)]
    case (.gray, _): return [.luma]
    case (.rgb, 1), (.rgb, 2): return [.sample(0), .sample(0), .sample(0)]
    case (.rgb, _): return [.sample(0), .sample(1), .sample(2)]
    case (.rgba, 1): return [.sample(0), .sample(0), .sample(0), .opaque]
    case (.rgba, 2): return [.sample(0), .sample(0), .sample(0), .sample(1)]
    case (.rgba, _): return [.sample(0), .sample(1), .sample(2), .opaque]
    }
  }
}

extension PNGImage {
  /// The image as a float32 tensor of shape `[1, C, H, W]`, channel-planar:
  /// `tensor[0, c, y, x]` is channel `c` of the pixel at row `y`, column `x`.
  ///
  /// `channels` picks C and how it is derived (see ``PNGChannels``: BT.601
  /// luma `0.299 R + 0.587 G + 0.114 B` for gray from colour, repeated gray,
  /// dropped or opaque alpha); `range` gives the values of samples 0 and
  /// ``maxValue`` (``PNGValueRange``, `0...1` by default; see ``PNGScale``).
  /// Arithmetic is in `Double`, stored as `Float`.
  public func tensor(channels option: PNGChannels = .auto, range: PNGValueRange = .unit) -> Tensor {
    let sources = ChannelSource.recipe(for: option, stored: channels)
    let pixelCount = width * height, channels = channels, maxValue = maxValue
    // Every sample value's float, computed once.
    let scaled = (0...maxValue).map { Float(range.value(sample: $0, maxValue: maxValue)) }
    return Tensor(shape: [1, sources.count, height, width], of: Float.self) { values in
      guard let base = values.baseAddress else { return }
      samples.withUnsafeBufferPointer { samples in
        scaled.withUnsafeBufferPointer { scaled in
          for (plane, source) in sources.enumerated() {
            let out = base + plane * pixelCount
            switch source {
            case .sample(let index):
              for pixel in 0..<pixelCount { out[pixel] = scaled[Int(samples[pixel * channels + index])] }
            case .luma:
              for pixel in 0..<pixelCount {
                let first = pixel * channels
                let luma =
                  0.299 * Double(samples[first]) + 0.587 * Double(samples[first + 1]) + 0.114
                  * Double(samples[first + 2])
                out[pixel] = Float(range.lower + (range.upper - range.lower) * (luma / Double(maxValue)))
              }
            case .opaque:
              for pixel in 0..<pixelCount { out[pixel] = scaled[maxValue] }
            }
          }
        }
      }
    }
  }

  /// ``tensor(channels:range:)`` with the range `scale` gives for this image
  /// (``PNGScale/range(of:)``): an error only for `recorded` without a valid chunk.
  public func tensor(channels option: PNGChannels = .auto, scale: PNGScale) throws(PNGError) -> Tensor {
    tensor(channels: option, range: try scale.range(of: self))
  }

  /// Creates an image from a tensor of shape `[1, C, H, W]` or `[C, H, W]`,
  /// C in 1...4 (gray, gray+alpha, RGB, RGBA), at `bitDepth` 8 or 16, with `text` chunks.
  ///
  /// Each value becomes the sample ``PNGValueRange/sample(value:maxValue:)``
  /// gives: `round(clamp((value - lower) / (upper - lower), 0, 1) * max)`, max
  /// 255 or 65535; NaN gives 0.
  public init(tensor: Tensor, bitDepth: Int, range: PNGValueRange = .unit, text: [PNGText] = []) throws(PNGError) {
    let shape =
      tensor.shape.count == 4 && tensor.shape[0] == 1 ? Array(tensor.shape.dropFirst()) : tensor.shape
    guard shape.count == 3, (1...4).contains(shape[0]) else {
      throw .invalidInput(
        "tensor shape \(tensor.shape.shapeDescription) is not [1, C, H, W] or [C, H, W] with C in 1...4")
    }
    try Self.checkBitDepth(bitDepth)
    let (channels, height, width) = (shape[0], shape[1], shape[2])
    let maxValue = Self.maxValue(bitDepth: bitDepth)
    let values = tensor.doubles
    let pixelCount = width * height
    var samples = [UInt16](repeating: 0, count: values.count)
    for plane in 0..<channels {
      for pixel in 0..<pixelCount {
        samples[pixel * channels + plane] = range.sample(value: values[plane * pixelCount + pixel], maxValue: maxValue)
      }
    }
    try self.init(width: width, height: height, channels: channels, bitDepth: bitDepth, samples: samples, text: text)
  }
}
