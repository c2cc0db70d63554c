import ConvCore
import ConvJob
import PNGIO

/// The pictures of one item, as HTML: the difference of each failed
/// comparison whose operands can be found (an `allclose` check's `actual` and
/// `expected` when both are kept, a golden report's tensor and the golden
/// file's), every kept tensor, and every saved matrix.
struct ItemFigures {
  let source: ReportSource

  /// Every figure of an item shown in full, differences first; a failed
  /// comparison that cannot be drawn is a note saying why.
  func full(_ item: ItemView) throws(RunFailure) -> [String] {
    var figures: [String] = []
    var tensors = item.tensors
    for report in item.failedReports {
      if let figure = try difference(report, tensors: &tensors) { figures.append(figure) }
    }
    for entry in item.entry.tensors {
      guard let tensor = try tensors.tensor(entry.name, in: source) else { continue }
      let title =
        "<code>\(escapeHTML(entry.name))</code> \(entry.shape.shapeDescription) \(escapeHTML(entry.storedType))"
        + (entry.op.map { " · \(escapeHTML($0))" } ?? "")
      figures.append(try figure(title: title, tensor.doubles, shape: tensor.shape, reduction: .mean))
    }
    for entry in item.entry.matrices {
      guard let matrix = try source.matrix(item: item.id, stage: entry.name) else { continue }
      let title = "unrolled matrix of <code>\(escapeHTML(entry.name))</code> \(entry.shape.shapeDescription)"
      figures.append(try figure(title: title, matrix.doubles, shape: matrix.shape, reduction: .mean))
    }
    return figures
  }

  /// Small pictures of an item's first `limit` kept tensors, without captions or colour bars.
  func thumbnails(_ item: ItemView, limit: Int) throws(RunFailure) -> [String] {
    var thumbnails: [String] = []
    var tensors = item.tensors
    for entry in item.entry.tensors.prefix(limit) {
      guard let tensor = try tensors.tensor(entry.name, in: source) else { continue }
      let values = tensor.doubles
      guard
        let picture = try draw(
          values, shape: tensor.shape, scale: ValueScale(fitting: values), style: .thumbnail, reduction: .mean)
      else { continue }
      thumbnails.append("<div>\(picture.svg)<span>\(escapeHTML(entry.name))</span></div>")
    }
    return thumbnails
  }

  /// The heat map of a failed `allclose` or golden comparison, or a note
  /// saying why it has numbers only; nil for the other checks, whose numbers
  /// are all there is.
  private func difference(_ report: ItemReport, tensors: inout ItemTensors) throws(RunFailure) -> String? {
    let name = "<b>\(escapeHTML(report.name))</b> (\(escapeHTML(report.check)))"
    /// `actual − expected` as the caption says it, and the two tensors.
    let (sides, actualTensor, expectedTensor): (String, Tensor?, Tensor?)
    switch report.check {
    case "allclose":
      guard let job = source.job else { return note("\(name): \(escapeHTML(source.jobNote ?? "no job recorded"))") }
      guard let stage = job.stage(id: report.name), let actual = stage.reference(.actual),
        let expected = stage.reference(.expected)
      else {
        return note("\(name): the recorded job has no allclose stage of that id: numbers only")
      }
      sides = "<code>\(escapeHTML(actual))</code> − <code>\(escapeHTML(expected))</code>"
      (actualTensor, expectedTensor) = (
        try tensors.tensor(actual, in: source), try tensors.tensor(expected, in: source)
      )
    case "golden":
      let tensor = String(report.name.dropFirst("golden:".count))
      guard let golden = source.golden else {
        return note(
          "\(name): \(escapeHTML(source.goldenNote ?? "give the golden file with --golden to draw the difference"))")
      }
      sides = "<code>\(escapeHTML(tensor))</code> − the same in <code>\(escapeHTML(golden.path))</code>"
      (actualTensor, expectedTensor) = (
        try tensors.tensor(tensor, in: source), try tensors.goldenTensor(tensor, in: source)
      )
    default:
      return nil
    }
    guard let actual = actualTensor, let expected = expectedTensor else {
      return note("\(name): \(sides): not both are kept in the files (outputs.tensors): numbers only")
    }
    guard let difference = Difference(actual: actual, expected: expected) else {
      return note(
        "\(name): \(sides): shapes \(actual.shape.shapeDescription) and \(expected.shape.shapeDescription) differ")
    }
    return try figure(
      title: "\(name): \(sides)", difference.values, shape: difference.shape, reduction: .largestMagnitude,
      scale: ValueScale(symmetric: difference.values), marking: difference.worst,
      notes: [escapeHTML(difference.worstDescription)])
  }

  /// A captioned picture of `values` with its colour bar.
  private func figure(
    title: String, _ values: [Double], shape: [Int], reduction: Reduction, scale: ValueScale? = nil,
    marking: Int? = nil,
    notes: [String] = []
  ) throws(RunFailure) -> String {
    let scale = scale ?? ValueScale(fitting: values)
    guard
      let picture = try draw(values, shape: shape, scale: scale, style: .full, reduction: reduction, marking: marking)
    else {
      return note("\(title): \(shape.isEmpty || shape.count > 5 ? "rank \(shape.count) is not drawn" : "empty")")
    }
    var lines = notes
    if picture.tilesShown < picture.tilesTotal {
      lines.append("\(picture.tilesShown) of \(picture.tilesTotal) slices shown")
    }
    if picture.reduction > 1 {
      let rule = reduction == .mean ? "the mean" : "the largest magnitude"
      lines.append("a pixel shows \(rule) of \(picture.reduction)x\(picture.reduction) cells")
    }
    let caption = ([title] + lines).joined(separator: "<br>")
    return "<figure><figcaption>\(caption)</figcaption>\(picture.svg)\(colorBar(scale))</figure>"
  }

  private func draw(
    _ values: [Double], shape: [Int], scale: ValueScale, style: PictureStyle, reduction: Reduction, marking: Int? = nil
  ) throws(RunFailure) -> Picture? {
    do {
      return try Picture.draw(values, shape: shape, scale: scale, style: style, reduction: reduction, marking: marking)
    } catch {
      throw RunFailure("cannot encode a picture: \(error.description)")
    }
  }

  private func colorBar(_ scale: ValueScale) -> String {
    "<div class=\"bar\"><span>\(formatNumber(scale.low))</span><span class=\"ramp \(scale.map.name)\"></span>"
      + "<span>\(formatNumber(scale.high))</span>\(scale.hasNaN ? "<span class=\"nan\">NaN</span>" : "")</div>"
  }

  private func note(_ html: String) -> String { "<p class=\"note\">\(html)</p>" }
}
