import Foundation

/// File name patterns: `*` and `?` within one path component, `[...]` character
/// classes (`[!...]` negated), and `**` for any number of directories.
/// Matches come in sorted order.
package enum FileGlob {
  /// Whether `path` contains a pattern character.
  package static func isPattern(_ path: String) -> Bool {
    path.contains { "*?[".contains($0) }
  }

  /// The directory part before the first component with a pattern character.
  package static func fixedDirectory(_ pattern: String) -> String {
    let components = pattern.split(separator: "/", omittingEmptySubsequences: false)
    let fixed = components.prefix { !isPattern(String($0)) }
    let directory = fixed.count == components.count ? fixed.dropLast() : fixed
    let joined = directory.joined(separator: "/")
    return joined.isEmpty ? (pattern.hasPrefix("/") ? "/" : ".") : joined
  }

  /// Every regular file matching the absolute or relative `pattern`, sorted.
  package static func expand(_ pattern: String) -> [String] {
    let base = fixedDirectory(pattern)
    let prefixLength = base == "." && !pattern.hasPrefix("./") ? 0 : base.count + (base.hasSuffix("/") ? 0 : 1)
    let rest = String(pattern.dropFirst(min(prefixLength, pattern.count)))
    let parts = rest.split(separator: "/").map(String.init)
    var results: [String] = []
    walk(directory: base, parts: parts[...], results: &results)
    return results.map { base == "." && !pattern.hasPrefix("./") ? String($0.dropFirst(2)) : $0 }.sorted()
  }

  /// The item id of `path` matched by `pattern`: relative to the pattern's fixed
  /// directory, without the file extension (`cats/001`).
  package static func itemID(path: String, pattern: String) -> String {
    itemID(path: path, base: fixedDirectory(pattern))
  }

  /// ``itemID(path:pattern:)`` for the pattern's ``fixedDirectory(_:)`` `base`.
  package static func itemID(path: String, base: String) -> String {
    var relative = path
    if base != ".", path.hasPrefix(base) {
      relative = String(path.dropFirst(base.count))
      while relative.hasPrefix("/") { relative.removeFirst() }
    }
    if let dot = relative.lastIndex(of: "."), !relative[dot...].contains("/") { relative = String(relative[..<dot]) }
    return relative
  }

  private static func walk(directory: String, parts: ArraySlice<String>, results: inout [String]) {
    guard let part = parts.first else { return }
    let entries = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    let remaining = parts.dropFirst()
    if part == "**" {
      // A trailing `**` matches every file below, as `**/*` would.
      walk(directory: directory, parts: remaining.isEmpty ? ["*"] : remaining, results: &results)
      for entry in entries where !entry.hasPrefix(".") && kind(join(directory, entry)) == .directory {
        walk(directory: join(directory, entry), parts: parts, results: &results)
      }
      return
    }
    let pattern = Array(part)[...]
    for entry in entries where matches(Array(entry)[...], pattern) && (!entry.hasPrefix(".") || part.hasPrefix(".")) {
      let path = join(directory, entry)
      switch kind(path) {
      case .file? where remaining.isEmpty: results.append(path)
      case .directory? where !remaining.isEmpty: walk(directory: path, parts: remaining, results: &results)
      default: break
      }
    }
  }

  /// What `path` is, following symbolic links; nil when it does not exist
  /// (one `stat`: a folder of 1,200 images was 3 through FileManager).
  private static func kind(_ path: String) -> Kind? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & S_IFMT == S_IFDIR ? .directory : .file
  }

  private enum Kind { case file, directory }

  private static func join(_ directory: String, _ entry: String) -> String {
    directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
  }

  /// Whether one path component `name` matches the component pattern `pattern`.
  static func matches(_ name: String, _ pattern: String) -> Bool {
    matches(Array(name)[...], Array(pattern)[...])
  }

  private static func matches(_ name: ArraySlice<Character>, _ pattern: ArraySlice<Character>) -> Bool {
    guard let first = pattern.first else { return name.isEmpty }
    switch first {
    case "*":
      var rest = name
      while true {
        if matches(rest, pattern.dropFirst()) { return true }
        guard !rest.isEmpty else { return false }
        rest = rest.dropFirst()
      }
    case "?":
      return !name.isEmpty && matches(name.dropFirst(), pattern.dropFirst())
    case "[":
      guard let character = name.first, let close = pattern.dropFirst(2).firstIndex(of: "]") else {
        return name.first == "[" && matches(name.dropFirst(), pattern.dropFirst())
      }
      var set = pattern[(pattern.startIndex + 1)..<close]
      let negated = set.first == "!" || set.first == "^"
      if negated { set = set.dropFirst() }
      var found = false
      var index = set.startIndex
      while index < set.endIndex {
        if index + 2 < set.endIndex, set[index + 1] == "-" {
          if set[index] <= character && character <= set[index + 2] { found = true }
          index += 3
        } else {
          if set[index] == character { found = true }
          index += 1
        }
      }
      return found != negated && matches(name.dropFirst(), pattern[(close + 1)...])
    default:
      return name.first == first && matches(name.dropFirst(), pattern.dropFirst())
    }
  }
}
