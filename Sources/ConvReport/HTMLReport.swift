import ConvJob

/// `convpipe report`: one self-contained HTML page (no network, no other
/// file: pictures are embedded PNG `data:` URLs, styles and SVG inline)
/// showing what an output file holds.
///
/// The page has the run's summary (job, convpipe version, counts and the exit
/// status the run had: 1 when a check failed, else 4 when items failed, else
/// 0), the stage graph (from the recorded `job_json`), then the failures: a
/// table of every failed check and item, and each failing item in full with
/// the difference of each failed `allclose` or golden comparison as a heat
/// map (the worst cell circled), its kept tensors and its saved matrices;
/// then the passing items as thumbnails, the rest in a collapsed table.
/// Everything taken from the files is escaped. ``ReportLimits`` bounds its size.
package enum HTMLReport {
  /// What was built.
  package struct Page: Sendable {
    package let html: String
    package let items: Int
    /// Failing items shown in full.
    package let shownInFull: Int
  }

  /// The page for the output file `output`, drawing differences against
  /// `golden` when given (else against the golden file the run recorded, if
  /// it can be read). Fails (one line naming the file) when a file cannot be
  /// read or was not written by convpipe.
  package static func page(output: String, golden: String? = nil, limits: ReportLimits = ReportLimits())
    throws(RunFailure) -> Page
  {
    let source = try ReportSource(output: output, golden: golden)
    let items = try ItemView.all(source, outputName: output, limits: limits)
    let builder = ReportPage(source: source, path: output, items: items, limits: limits)
    let (html, shownInFull) = try builder.html()
    return Page(html: html, items: items.count, shownInFull: shownInFull)
  }
}
