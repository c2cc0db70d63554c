/// Builds a tensor whose element at multi-index `(o_0, ..., o_r)` is
/// `source[tables[0][o_0] + ... + tables[r][o_r]]`, or `fill` when any table
/// entry is -1. Every remapping op and `permute` run through this one loop.
package func gather<T>(_ source: [T], tables: [[Int]], fill: T) -> [T] {
  let shape = tables.map(\.count)
  let count = shape.reduce(1, *)
  var result = [T](repeating: fill, count: count)
  guard count > 0, let last = tables.last else { return result }
  let outer = tables.dropLast()
  source.withUnsafeBufferPointer { src in
    result.withUnsafeMutableBufferPointer { dst in
      var index = Array(repeating: 0, count: outer.count)
      var position = 0
      while position < count {
        var base = 0
        var filled = false
        for (axis, table) in outer.enumerated() {
          let offset = table[index[axis]]
          if offset < 0 { filled = true; break }
          base += offset
        }
        if !filled {
          for (o, offset) in last.enumerated() where offset >= 0 { dst[position + o] = src[base + offset] }
        }
        position += last.count
        var axis = outer.count - 1
        while axis >= 0 {
          index[axis] += 1
          if index[axis] < shape[axis] { break }
          index[axis] = 0
          axis -= 1
        }
      }
    }
  }
  return result
}

extension Tensor {
  /// Applies `gather` with the tensor's own element type.
  func gathered(tables: [[Int]], fill: Double) -> Tensor {
    let shape = tables.map(\.count)
    switch storage {
    case .float32(let values):
      return Tensor(uncheckedShape: shape, values: gather(values, tables: tables, fill: Float(fill)))
    case .float64(let values): return Tensor(uncheckedShape: shape, values: gather(values, tables: tables, fill: fill))
    }
  }
}
