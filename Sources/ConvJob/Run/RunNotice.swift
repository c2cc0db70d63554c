/// A run's word on how it goes, for standard error and the log: why an earlier
/// output or resume store is not used, an interrupted update put back, an
/// update written another way.
package struct RunNotice: Sendable {
  package let text: String
  /// Whether it only explains work a changed job makes (the job or its shared
  /// inputs changed since the earlier output or resume store), which `--quiet`
  /// leaves to the log: a scheduled run prints only what needs attention.
  package let isExpected: Bool

  init(_ text: String, isExpected: Bool = false) {
    self.text = text
    self.isExpected = isExpected
  }
}
