import Foundation
import _HDF5Shims

#if canImport(Glibc)
  import Glibc
#endif

extension HDF5File {
  /// Where the characters of the scalar variable-length string attribute
  /// `name` of the object at `object` lie in the file, so that a string of the
  /// same length can replace them in place; nil for any other storage.
  ///
  /// Read from HDF5's own records as libhdf5 1.10 writes them by default
  /// (8-byte addresses and lengths): the object header (version 1, its chunks
  /// and continuations) holds the attribute message (version 1: name, datatype
  /// and dataspace, each padded to 8 bytes, then the value), whose value for a
  /// variable-length string is its global heap ID: length (4 bytes), collection
  /// address (8) and object index (4); the collection (`GCOL`, version 1) holds
  /// its objects one after the other, each index (2), reference count (2),
  /// reserved (4), size (8), then its bytes padded to 8.
  public func storedStringRange(attribute name: String, of object: String) throws(HDF5Error) -> Range<Int>? {
    let address = try HDF5Library.serialised { () throws(HDF5Error) in
      convpipe_object_header_address(try fileID(for: object), object)
    }
    guard address != convpipe_HADDR_UNDEF(), let header = Int(exactly: address),
      let file = StoredRecords(path: path)
    else { return nil }
    guard let (length, collection, index) = file.stringHeapID(attribute: name, header: header) else { return nil }
    return file.heapObject(index, in: collection, length: length)
  }
}

/// HDF5's own records of a file, read at their offsets.
private struct StoredRecords: ~Copyable {
  let descriptor: Int32

  init?(path: String) {
    descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
  }

  deinit { close(descriptor) }

  /// `count` bytes at `offset`, or nil past the end.
  func bytes(at offset: Int, count: Int) -> [UInt8]? {
    guard offset >= 0, count >= 0, count <= 1 << 20 else { return nil }
    var bytes = [UInt8](repeating: 0, count: count)
    let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
    return read == count ? bytes : nil
  }

  /// The heap ID of the variable-length string attribute `name` in the object header at `header`.
  func stringHeapID(attribute name: String, header: Int) -> (length: Int, collection: Int, index: Int)? {
    guard let prefix = bytes(at: header, count: 16), prefix[0] == 1 else { return nil }
    var chunks = [(start: header + 16, size: Self.integer(prefix, at: 8, width: 4))]
    let wanted = Array(name.utf8) + [0]
    var visited = 0
    while let chunk = chunks.popLast() {
      visited += 1
      guard visited <= 64, let data = bytes(at: chunk.start, count: chunk.size) else { return nil }
      var position = 0
      while position + 8 <= data.count {
        let type = Self.integer(data, at: position, width: 2), size = Self.integer(data, at: position + 2, width: 2)
        let body = position + 8
        guard body + size <= data.count else { return nil }
        if type == 0x10, size >= 16 {  // continuation: offset, length
          chunks.append((Self.integer(data, at: body, width: 8), Self.integer(data, at: body + 8, width: 8)))
        } else if type == 0x0C, data[body] == 1 {  // attribute, version 1
          let nameSize = Self.integer(data, at: body + 2, width: 2)
          let typeSize = Self.integer(data, at: body + 4, width: 2)
          let spaceSize = Self.integer(data, at: body + 6, width: 2)
          let typeStart = body + 8 + Self.padded(nameSize)
          let value = typeStart + Self.padded(typeSize) + Self.padded(spaceSize)
          if nameSize == wanted.count, Array(data[(body + 8)..<min(body + 8 + nameSize, data.count)]) == wanted {
            // Datatype class 9: variable-length; the value is the heap ID.
            guard typeStart < data.count, data[typeStart] & 0x0F == 9, value + 16 <= data.count else { return nil }
            return (
              Self.integer(data, at: value, width: 4), Self.integer(data, at: value + 4, width: 8),
              Self.integer(data, at: value + 12, width: 4)
            )
          }
        }
        position = body + size
      }
    }
    return nil
  }

  /// The bytes of object `index` of the global heap collection at `collection`, when it holds `length` of them.
  func heapObject(_ index: Int, in collection: Int, length: Int) -> Range<Int>? {
    guard let head = bytes(at: collection, count: 16), head[0..<4] == [0x47, 0x43, 0x4F, 0x4C], head[4] == 1 else {
      return nil
    }
    let size = Self.integer(head, at: 8, width: 8)
    guard size >= 16, let data = bytes(at: collection, count: size) else { return nil }
    var position = 16
    while position + 16 <= data.count {
      let found = Self.integer(data, at: position, width: 2),
        objectSize = Self.integer(data, at: position + 8, width: 8)
      if found == 0 { return nil }  // the free space that ends the collection
      if found == index {
        guard objectSize == length, position + 16 + length <= data.count else { return nil }
        return (collection + position + 16)..<(collection + position + 16 + length)
      }
      position += 16 + Self.padded(objectSize)
    }
    return nil
  }

  /// The little-endian unsigned integer of `width` bytes at `offset`.
  static func integer(_ bytes: [UInt8], at offset: Int, width: Int) -> Int {
    guard offset >= 0, offset + width <= bytes.count else { return -1 }
    var value = 0
    for index in (0..<width).reversed() where value < Int.max >> 8 { value = value << 8 | Int(bytes[offset + index]) }
    return value
  }

  /// `count` rounded up to a multiple of 8.
  static func padded(_ count: Int) -> Int { (count + 7) / 8 * 8 }
}
