import ConvJob
import HDF5IO

/// The HTML of the page, section by section (see ``HTMLReport``).
struct ReportPage {
  let source: ReportSource
  /// The output file as the user named it.
  let path: String
  let items: [ItemView]
  let limits: ReportLimits

  /// The page, and how many failing items it shows in full.
  func html() throws(RunFailure) -> (String, Int) {
    let failing = items.filter(\.isFailing)
    let shown = Array(failing.prefix(limits.fullItems))
    var page = try head() + summary(failing: failing.count) + graph()
    page += "<section id=\"failures\"><h2>Failures</h2>\n" + failureTable(failing, shown: Set(shown.map(\.index)))
    var spent = 0
    for item in shown { page += try fullBlock(item, spent: &spent) }
    if failing.count > shown.count {
      page +=
        "<p class=\"note\">\(counted(failing.count - shown.count, "more failing item")) in the table above, without pictures.</p>\n"
    }
    page += "</section>\n" + (try passing(items.filter { !$0.isFailing }))
    page +=
      "<footer><p class=\"note\">made by convpipe \(ConvPipeVersion.current) report from \(escapeHTML(path))</p></footer>\n"
    return (page + "</body></html>\n", shown.count)
  }

  private var jobName: String { text("job_name") ?? "?" }

  private func text(_ attribute: String) -> String? {
    if case .string(let value)? = source.summary.attributes[attribute] { return value }
    return nil
  }

  private func count(_ attribute: String, otherwise: Int) -> Int {
    if case .int(let value)? = source.summary.attributes[attribute] { return value }
    return otherwise
  }

  private func head() throws(RunFailure) -> String {
    let css: String
    do { css = try PageStyle.css() } catch { throw RunFailure("cannot encode the colour bars: \(error.description)") }
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
      <title>convpipe report: \(escapeHTML(jobName))</title>
      <style>
      \(css)</style></head><body>

      """
  }

  /// The items written, and with failed items, of how many in all: `319 (of 320: 1 failed)`.
  private func itemsWritten(failed: Int) -> String {
    let written = count("items", otherwise: items.count)
    return failed > 0 ? "\(written) (of \(written + failed): \(failed) failed)" : "\(written)"
  }

  /// The job, the counts and the exit status the run had (from the root attributes).
  private func summary(failing: Int) -> String {
    let reports = source.summary.items.flatMap(\.reports)
    let checksFailed = count("checks_failed", otherwise: reports.filter { !$0.passed }.count)
    let itemsFailed = count("items_failed", otherwise: source.summary.failedItems.count)
    let (status, meaning) =
      checksFailed > 0
      ? (1, "a check failed") : itemsFailed > 0 ? (4, "items could not be computed") : (0, "every check passed")
    var rows: [(String, String)] = [
      ("file", "<code>\(escapeHTML(path))</code>"), ("job", escapeHTML(jobName)),
    ]
    if let description = text("description") { rows.append(("description", escapeHTML(description))) }
    rows += [
      ("written by", "convpipe \(escapeHTML(text("convpipe_version") ?? "?"))"),
      ("items written", itemsWritten(failed: itemsFailed)),
    ]
    if let shard = text("shard") {
      let total = count("items_total", otherwise: 0)
      rows.append(
        ("shard", "\(escapeHTML(shard)) of a job of \(total) items: a part file for <code>convpipe merge</code>"))
    }
    rows += [
      ("checks", "\(count("checks", otherwise: reports.count))"),
      ("failed checks", "\(checksFailed)"), ("failed items", "\(itemsFailed)"),
    ]
    if let golden = source.golden {
      let how =
        golden.explicit
        ? "compared by this report, exactly: \(counted(failing, "item")) with a failure or difference"
        : "recorded by the run"
      rows.append(("golden", "<code>\(escapeHTML(golden.path))</code> (\(how))"))
    }
    var html = "<header><h1>convpipe report: \(escapeHTML(jobName))</h1>\n"
    html +=
      "<p><span class=\"status exit-\(status)\">exit status \(status): \(meaning)</span></p>\n<dl class=\"summary\">"
    for (term, value) in rows { html += "<dt>\(term)</dt><dd>\(value)</dd>" }
    html += "</dl>\n"
    for note in [source.jobNote, source.goldenNote].compactMap({ $0 }) {
      html += "<p class=\"note\">\(escapeHTML(note))</p>\n"
    }
    return html + "</header>\n"
  }

  private func graph() -> String {
    guard let job = source.job else { return "" }
    let failed = Set(items.flatMap { $0.failedReports.map(\.name) })
    return
      "<section id=\"graph\"><h2>Stage graph</h2>\n\(StageGraphPicture.svg(job: job, failedChecks: failed))</section>\n"
  }

  /// Every failed check (up to the limit), then the items that could not be computed or are missing.
  private func failureTable(_ failing: [ItemView], shown: Set<Int>) -> String {
    let missing = source.summary.goldenMissing
    guard !failing.isEmpty || !source.summary.failedItems.isEmpty || !missing.isEmpty else {
      return "<p>No failures: every check passed.</p>\n"
    }
    var html = "<table class=\"checks\">\(checksHeader(withItem: true))"
    let rows = failing.flatMap { item in item.failedReports.map { (item, $0) } }
    for (item, report) in rows.prefix(limits.failureRows) {
      html += checkRow(report, item: itemCell(item.id, anchor: shown.contains(item.index) ? item.index : nil))
    }
    if rows.count > limits.failureRows {
      html +=
        "<tr><td colspan=\"7\" class=\"note\">and \(rows.count - limits.failureRows) more failed checks (convpipe inspect --failed lists them all)</td></tr>\n"
    }
    for failed in source.summary.failedItems {
      html += plainRow(itemCell(failed.item, anchor: nil), result: "NOT COMPUTED", message: failed.error)
    }
    for id in missing {
      html += plainRow(
        itemCell(id, anchor: nil), result: "MISSING", message: "in the golden file only, not in this run")
    }
    return html + "</table>\n"
  }

  private func itemCell(_ id: String, anchor: Int?) -> String {
    let code = "<code>\(escapeHTML(id))</code>"
    return anchor.map { "<a href=\"#item-\($0)\">\(code)</a>" } ?? code
  }

  private func checksHeader(withItem: Bool) -> String {
    (withItem ? "<tr><th>item</th>" : "<tr>")
      + "<th>stage</th><th>check</th><th>result</th><th>max abs error</th><th>max rel error</th><th>message</th></tr>\n"
  }

  /// One report's row, after the item's cell when `item` is given.
  private func checkRow(_ report: ItemReport, item: String?) -> String {
    let result = report.passed ? "PASS" : "FAIL"
    let expectation = report.expect == .fail ? " (expected to fail)" : ""
    return
      "<tr>\(item.map { "<td>\($0)</td>" } ?? "")<td><code>\(escapeHTML(report.name))</code></td><td>\(escapeHTML(report.check))</td>"
      + "<td class=\"\(result)\">\(result)\(expectation)</td><td class=\"number\">\(formatNumber(report.outcome.maxAbsError))</td>"
      + "<td class=\"number\">\(formatNumber(report.outcome.maxRelError))</td><td class=\"message\">\(escapeHTML(report.outcome.message))</td></tr>\n"
  }

  private func plainRow(_ item: String, result: String, message: String) -> String {
    "<tr><td>\(item)</td><td></td><td></td><td class=\"\(result.replacingOccurrences(of: " ", with: "-"))\">\(result)</td>"
      + "<td></td><td></td><td class=\"message\">\(escapeHTML(message))</td></tr>\n"
  }

  /// A failing item in full: its checks, then its pictures while the budget lasts.
  private func fullBlock(_ item: ItemView, spent: inout Int) throws(RunFailure) -> String {
    var html =
      "<section class=\"item failing\" id=\"item-\(item.index)\"><h3>item <code>\(escapeHTML(item.id))</code>: "
      + "\(item.failedReports.count) of \(item.reports.count) checks failed</h3>\n<table class=\"checks\">\(checksHeader(withItem: false))"
    for report in item.reports { html += checkRow(report, item: nil) }
    html += "</table>\n"
    if spent >= limits.fullPictureBytes {
      html +=
        "<p class=\"note\">The page's picture budget is spent: numbers only (convpipe inspect --item shows the rest).</p>\n"
    } else {
      let figures = try ItemFigures(source: source).full(item)
      spent += figures.reduce(0) { $0 + $1.utf8.count }
      html += "<div class=\"figures\">\n" + figures.joined(separator: "\n") + "\n</div>\n"
    }
    return html + "</section>\n"
  }

  /// The passing items: the first as thumbnails, the rest in a collapsed table.
  private func passing(_ passing: [ItemView]) throws(RunFailure) -> String {
    guard !passing.isEmpty else { return "" }
    var html = "<section id=\"passing\"><h2>Passing items (\(passing.count))</h2>\n<div class=\"thumbs\">\n"
    let figures = ItemFigures(source: source)
    for item in passing.prefix(limits.thumbnails) {
      let thumbnails = try figures.thumbnails(item, limit: limits.thumbnailTensors)
      html +=
        "<figure class=\"thumb\"><figcaption><code>\(escapeHTML(item.id))</code> \(checksPassed(item))</figcaption>"
        + "<div class=\"tensors\">\(thumbnails.joined())</div></figure>\n"
    }
    html += "</div>\n"
    let rest = passing.dropFirst(limits.thumbnails)
    guard !rest.isEmpty else { return html + "</section>\n" }
    html +=
      "<details><summary>\(counted(rest.count, "more passing item"))</summary>\n<table><tr><th>item</th><th>checks</th><th>tensors</th></tr>\n"
    for item in rest.prefix(limits.listedItems) {
      let tensors = item.entry.tensors.map { "\(escapeHTML($0.name)) \($0.shape.shapeDescription)" }.joined(
        separator: ", ")
      html += "<tr><td><code>\(escapeHTML(item.id))</code></td><td>\(checksPassed(item))</td><td>\(tensors)</td></tr>\n"
    }
    if rest.count > limits.listedItems {
      html +=
        "<tr><td colspan=\"3\" class=\"note\">and \(rest.count - limits.listedItems) more (convpipe inspect lists them all)</td></tr>\n"
    }
    return html + "</table></details>\n</section>\n"
  }

  private func checksPassed(_ item: ItemView) -> String {
    item.reports.isEmpty ? "no checks" : "\(counted(item.reports.count, "check")) passed"
  }
}
