import Foundation
import HDF5IO
import Testing

@Suite("String lists: written and read back whole")
struct StringListTests {
  /// Lengths on each side of the transfer buffer sized to the list (16 bytes a
  /// string, at most 1 MiB: 65,536 strings, beyond which libhdf5 converts in parts).
  @Test("lists of every length read back unchanged", arguments: [1, 3, 1000, 65_536, 70_000])
  func roundTrip(count: Int) throws {
    let scratch = try ScratchDirectory()
    let texts = (0..<count).map { $0 % 7 == 0 ? "élément \($0)" : "item/\($0)" }
    let file = try HDF5File.create(scratch.path("strings.h5"))
    try file.writeStrings(texts, to: "/lists/names")
    try file.writeStrings([], to: "/lists/none")
    try file.close()
    let reopened = try HDF5File.open(scratch.path("strings.h5"))
    #expect(try reopened.readStrings("/lists/names") == texts)
    #expect(try reopened.readStrings("/lists/none") == [])
  }
}
