import _PNGShims

/// Runs one `_PNGShims` function, giving it a buffer for libpng's detail
/// message, and turns a failure status into a ``PNGError`` naming `path`.
func callLibPNG(
  path: String,
  _ call: (_ message: UnsafeMutablePointer<CChar>, _ messageSize: Int) -> convpipe_png_status
) throws(PNGError) {
  let messageSize = 512
  var message = [CChar](repeating: 0, count: messageSize)
  let status = call(&message, messageSize)
  if status == CONVPIPE_PNG_OK { return }
  let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  throw PNGError(path: path, message: describe(status, detail: detail))
}

private func describe(_ status: convpipe_png_status, detail: String) -> String {
  switch status {
  case CONVPIPE_PNG_OPEN_FAILED: "cannot open: \(detail)"
  case CONVPIPE_PNG_EMPTY_FILE: "not a PNG file (empty file)"
  case CONVPIPE_PNG_BAD_SIGNATURE: "not a PNG file (bad signature)"
  case CONVPIPE_PNG_TRUNCATED: "truncated or corrupt PNG data: \(detail)"
  case CONVPIPE_PNG_LIBPNG_ERROR: "libpng: \(detail)"
  case CONVPIPE_PNG_TOO_LARGE: "image too large: \(detail)"
  case CONVPIPE_PNG_OUT_OF_MEMORY: "out of memory"
  case CONVPIPE_PNG_WRITE_FAILED: "cannot write: \(detail)"
  default: "unknown libpng shim status \(status.rawValue)"
  }
}
