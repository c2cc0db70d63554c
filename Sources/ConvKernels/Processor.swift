import _SystemShims

/// The processor this process runs on, as CPUID describes it.
public struct Processor: Sendable, Encodable {
  /// The brand string, e.g. `AMD EPYC 9R45 96-Core Processor`; `unknown` without CPUID.
  public let name: String
  /// Family and model numbers as /proc/cpuinfo gives them (26 and 2 for Zen 5).
  public let family: Int
  public let model: Int
  /// The widest vector level it executes.
  public let vectorLevel: String

  /// This machine's processor.
  public static let current: Processor = {
    var family: Int32 = 0, model: Int32 = 0
    var bytes = [CChar](repeating: 0, count: 49)
    convpipe_processor_identity(&bytes, &family, &model)
    let brand = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      .split(separator: " ").joined(separator: " ")
    return Processor(
      name: brand.isEmpty ? "unknown" : brand, family: Int(family), model: Int(model),
      vectorLevel: VectorInstructions.processor.name)
  }()
}
