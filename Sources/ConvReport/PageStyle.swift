import PNGIO

/// The page's one `<style>` element. `.item.failing` draws a failing item's
/// block with a border of ``failureBorder``, a red no colour map contains
/// (the browser test looks for it); each colour map's bar is a 256 x 1 PNG
/// embedded once, as the background of `.ramp.<map name>`.
package enum PageStyle {
  /// The border of a failing item's block: #e60000.
  package static let failureBorder = RGB(230, 0, 0)

  static func css() throws(PNGError) -> String {
    var ramps = ""
    for map in [ColorMap.viridis, ColorMap.redBlue] {
      var raster = RGBRaster(width: 256, height: 1)
      for x in 0..<256 { raster[x, 0] = map.color(at: Double(x) / 255) }
      ramps += ".ramp.\(map.name){background-image:url(\(try raster.dataURL()))}\n"
    }
    return rules + ramps + ".item.failing{border:5px solid \(failureBorder)}\n"
  }

  private static let rules = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px 24px;color:#1f2328;background:#fff}
    h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
    h3{font-size:15px;margin:0 0 8px}code{font:12.5px ui-monospace,"DejaVu Sans Mono",monospace}
    .status{display:inline-block;padding:2px 12px;border-radius:12px;font-weight:600}
    .exit-0{background:#dafbe1;color:#116329}.exit-1,.exit-4{background:#ffebe9;color:#a40e26}
    dl.summary{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:10px 0}dt{color:#57606a}dd{margin:0}
    table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
    th{background:#f6f8fa}td code{white-space:nowrap}td.message{max-width:640px;overflow-wrap:anywhere}td.number{text-align:right;font-variant-numeric:tabular-nums}
    .FAIL,.MISSING,.NOT-COMPUTED{color:#a40e26;font-weight:700}.PASS{color:#116329}
    .note{color:#57606a;font-style:italic}
    .item{border:2px solid #d0d7de;border-radius:8px;padding:12px 14px;margin:16px 0}
    .figures{display:flex;flex-wrap:wrap;gap:18px 28px;align-items:flex-start;margin-top:10px}
    figure{margin:0}figcaption{font-size:12.5px;margin-bottom:4px;max-width:1000px}
    svg.mosaic{display:block;overflow:visible}svg.mosaic image{image-rendering:pixelated}
    svg.mosaic text{font:11px ui-monospace,"DejaVu Sans Mono",monospace;fill:#1f2328}
    .worst circle{fill:none;stroke:#000;stroke-width:2}.worst circle.halo{stroke:#fff;stroke-width:5}.worst line{stroke:#000;stroke-width:1}
    .bar{display:flex;align-items:center;gap:6px;font:11px ui-monospace,"DejaVu Sans Mono",monospace;margin-top:3px}
    .ramp{display:inline-block;width:160px;height:10px;background-size:100% 100%;border:1px solid #d0d7de}
    .nan{background:#ff00ff;color:#fff;padding:0 4px}
    .thumbs{display:flex;flex-wrap:wrap;gap:10px}.thumb{border:1px solid #d0d7de;border-radius:6px;padding:6px 8px}
    .thumb .tensors{display:flex;gap:8px;align-items:flex-start}.thumb span{font-size:11px;color:#57606a}
    svg.graph{display:block;font:12px system-ui,sans-serif}svg.graph .name{font-weight:600}
    svg.graph .node rect{fill:#eef2f7;stroke:#7a8799;stroke-width:1.5}svg.graph .stage rect{fill:#e8f0fe;stroke:#3367d6}
    svg.graph .check rect{fill:#e6f4ea;stroke:#188038}svg.graph .check.failed rect{fill:#fde7e9;stroke:#b3261e;stroke-width:2.5}
    svg.graph .edge{fill:none;stroke:#57606a;stroke-width:1.3}svg.graph marker path{fill:#57606a}svg.graph .role{font-size:10px;fill:#57606a;text-anchor:end;paint-order:stroke;stroke:#fff;stroke-width:3px}

    """
}
