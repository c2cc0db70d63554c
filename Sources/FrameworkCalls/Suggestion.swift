/// Levenshtein distance, for "did you mean" hints.
package func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a), b = Array(b)
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous = Array(0...b.count)
  for i in 1...a.count {
    var current = [i] + Array(repeating: 0, count: b.count)
    for j in 1...b.count {
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.count]
}

/// The candidate nearest to `text` by ``editDistance(_:_:)``, when at most
/// `within` edits away: the name a "did you mean" hint offers.
package func closest(to text: String, among candidates: some Sequence<String>, within: Int) -> String? {
  candidates.min { editDistance($0, text) < editDistance($1, text) }.flatMap {
    editDistance($0, text) <= within ? $0 : nil
  }
}
