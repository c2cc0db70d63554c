import Foundation

/// Text made safe for HTML and SVG: every `&`, `<`, `>`, `"` and `'` becomes
/// its character reference, so that text taken from a file (item ids, names,
/// messages, the job's text) can never open an element or leave an attribute.
package func escapeHTML(_ text: String) -> String {
  var escaped = ""
  escaped.reserveCapacity(text.utf8.count)
  for character in text.unicodeScalars {
    switch character {
    case "&": escaped += "&amp;"
    case "<": escaped += "&lt;"
    case ">": escaped += "&gt;"
    case "\"": escaped += "&quot;"
    case "'": escaped += "&#39;"
    default: escaped.unicodeScalars.append(character)
    }
  }
  return escaped
}
