/// How much of an output the page draws: what keeps a page of thousands of
/// items usable and its size bounded.
///
/// Page size budget, whatever the file: about 10 MiB at most. The styles,
/// colour bars and stage graph take under 64 KiB; the pictures of the
/// failing items shown in full at most ``fullPictureBytes`` (6 MiB; one
/// picture is at most 512 x 512 pixels, see ``PictureStyle/full``), after
/// which further failing items show numbers only; the thumbnails of at most
/// ``thumbnails`` passing items, each of at most ``thumbnailTensors`` tensors
/// of at most 48 x 48 pixels, under 1.5 MiB; at most ``failureRows`` rows of
/// failed checks and ``listedItems`` rows of the other passing items, about
/// 2 MiB, beyond which only a count is given. An output of 1,000 small items
/// with a few failures gives well under 1 MiB.
package struct ReportLimits: Sendable {
  /// Failing items shown in full: their checks, differences, tensors and matrices.
  package var fullItems = 20
  /// Bytes of pictures of the items shown in full.
  package var fullPictureBytes = 6 << 20
  /// Passing items shown as thumbnails, the first in the file's order.
  package var thumbnails = 50
  /// Kept tensors per thumbnail.
  package var thumbnailTensors = 3
  /// Rows of failed checks in the failures table.
  package var failureRows = 2_000
  /// Rows of the collapsed table of the passing items without a thumbnail.
  package var listedItems = 10_000

  package init() {}
}
