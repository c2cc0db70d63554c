import Foundation
import Testing

/// The loops of each vector level are compiled in a module of their own, for
/// their level. A specialisation of ConvLoops' generic code defined by two of
/// them under one name is code the linker keeps once for both: the AVX-512
/// loops once ran as AVX2 code that way, and the other choice runs AVX-512
/// instructions on AVX2 processors.
@Suite("vector-level modules")
struct LoopModuleSymbolTests {
  /// The object files beside the test bundle's executable, as SwiftPM builds them.
  static let buildDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    .deletingLastPathComponent()

  static func codeSymbols(_ module: String, _ file: String) throws -> Set<String> {
    let object = buildDirectory.appendingPathComponent("\(module).build/\(file).swift.o").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["nm", "--defined-only", object]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileReadUnknown, userInfo: ["path": object]) }
    // `address type name`: T/t and W/w are code, the rest data; `$s9ConvLoops`
    // starts the specialisations of ConvLoops' generic code (the standard
    // library's small conformance accessors each module also defines are the same code at every level).
    return Set(
      output.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ")
        guard fields.count == 3, "TtWw".contains(fields[1]), fields[2].hasPrefix("$s9ConvLoops") else { return nil }
        return String(fields[2])
      })
  }

  @Test("the AVX2 and AVX-512 loop modules define no code under the same name", .enabled(if: isX86))
  func noSharedCode() throws {
    let avx2 = try Self.codeSymbols("ConvLoopsAVX2", "TapRunAVX2")
    let avx512 = try Self.codeSymbols("ConvLoopsAVX512", "TapRunAVX512")
    #expect(!avx2.isEmpty && !avx512.isEmpty)
    #expect(avx2.intersection(avx512).isEmpty, "\(avx2.intersection(avx512).sorted())")
  }

  static var isX86: Bool {
    #if arch(x86_64)
      true
    #else
      false
    #endif
  }
}
