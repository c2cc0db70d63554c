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
  /// dropped or opaque alpha); `scale` maps `0...maxValue` to `0...1` (`unit`)
  /// or keeps the integer values (`raw`). Arithmetic is in `Double`, stored as `Float`.
  public func tensor(channels option: PNGChannels = .auto, scale: PNGScale = .unit) -> Tensor {
    let sources = ChannelSource.recipe(for: option, stored: channels)
    let divisor = scale.divisor(maxValue: maxValue)
    let pixelCount = width * height, channels = channels
    // Every sample value's float, computed once as `Float(Double(value) / divisor)`.
    let scaled = (0...maxValue).map { Float(Double($0) / divisor) }
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
                out[pixel] = Float(luma / divisor)
              }
            case .opaque:
              for pixel in 0..<pixelCount { out[pixel] = scaled[maxValue] }
            }
          }
        }
      }
    }
  }

  /// Creates an image from a tensor of shape `[1, C, H, W]` or `[C, H, W]`,
  /// C in 1...4 (gray, gray+alpha, RGB, RGBA), at `bitDepth` 8 or 16.
  ///
  /// Each value is multiplied by the maximum sample value (255 or 65535) for
  /// `unit` scale or taken as is for `raw`, then clamped to `0...max` and
  /// rounded to nearest (halves away from zero). NaN values are an error.
  public init(tensor: Tensor, bitDepth: Int, scale: PNGScale) throws(PNGError) {
    let shape =
      tensor.shape.count == 4 && tensor.shape[0] == 1 ? Array(tensor.shape.dropFirst()) : tensor.shape
    guard shape.count == 3, (1...4).contains(shape[0]) else {
      throw .invalidInput(
        "tensor shape \(tensor.shape.shapeDescription) is not [1, C, H, W] or [C, H, W] with C in 1...4")
    }
    try Self.checkBitDepth(bitDepth)
    let (channels, height, width) = (shape[0], shape[1], shape[2])
    let maxValue = Double(Self.maxValue(bitDepth: bitDepth))
    let multiplier = scale == .unit ? maxValue : 1
    let values = tensor.doubles
    if let index = values.firstIndex(where: \.isNaN) {
      throw .invalidInput("tensor value at index \(index) is NaN")
    }
    let pixelCount = width * height
    var samples = [UInt16](repeating: 0, count: values.count)
    for plane in 0..<channels {
      for pixel in 0..<pixelCount {
        let clamped = min(max(values[plane * pixelCount + pixel] * multiplier, 0), maxValue)
        samples[pixel * channels + plane] = UInt16(clamped.rounded())
      }
    }
    try self.init(width: width, height: height, channels: channels, bitDepth: bitDepth, samples: samples)
  }
}
