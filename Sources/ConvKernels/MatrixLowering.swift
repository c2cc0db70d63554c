import ConvCore
import Synchronization
/// A zero-padded convolution (or its transpose, or either one's adjoint) lowered
/// to matrix products: per group `g` and phase `p`,
/// `result[n,g] cells of p = A_{g,p} cols_p(source[n,g])`.
///
/// "Driver" cells are the output of a forward geometry and the input of a
/// transposed one; "other" cells are the opposite side. Tap `k` connects driver
/// cell `i` with other cell `i*s + k*d - pb` in every spatial dimension. Both
/// weight layouts hold, per group, a `[D_g][O_g][prod(k)]` array `W_g` (`D_g`,
/// `O_g`: driver and other channels per group).
/// - Gather form (conv; the adjoint of conv_transpose): the result is the driver
///   side, one phase, `A = W_g` as stored, `cols` one row per (other channel, tap).
/// - Phase form (conv_transpose; the adjoint of conv): the result is the other
///   side, split into `prod(s)` sub-pixel phases of cells `q = m*s + ρ`. Only the
///   taps with `ρ + pb - k*d ≡ 0 (mod s)` reach phase `ρ`, each from driver cell
///   `m + (ρ + pb - k*d)/s`, so every phase is a stride-1 forward convolution of
///   the driver side with `A_p[o, (d, t)] = W_g[d, o, k_t]`.
///
/// Three ways run it, chosen per layer: one product per phase over gathered
/// `cols` (the gather form, and phase forms with an identity phase); in the
/// phase form otherwise, one product of every tap's rows and a scatter-add
/// (``runScatter(source:weight:)``); and, for layers with few result channels
/// per group (``prefersProducts(resultPerGroup:phases:elementBytes:level:)``), no `cols` or product
/// at all, tap by tap over a zero-padded copy of the source
/// (``runTapByTap(source:weight:)``). Crops, output padding and zero padding
/// are cells the taps' boxes leave out.
struct MatrixLowering {
  let batch: Int
  let groups: Int
  /// Channels per group of the result side and of the source side.
  let resultPerGroup: Int
  let sourcePerGroup: Int
  let kernelVolume: Int
  let resultVolume: Int
  let sourceVolume: Int
  /// The source and result sides' spatial sizes, and the geometry's axes.
  let sourceSizes: [Int]
  let resultSizes: [Int]
  let axes: [ConvAxis]
  /// Phase form: the phases' matrices are packed from the weight.
  let phaseForm: Bool
  /// The phases with at least one cell.
  let phases: [LoweredPhase]

  /// Elements of one work item's `cols` matrix it aims for: about half a megabyte
  /// of float32, so `cols` stays in the core's L2 cache between its copy and its product.
  static let scratchTarget = 1 << 17
  /// Fewest columns of one product when the phase has them: below this, OpenBLAS's
  /// packing of `A` for every call outweighs the product.
  static let minimumColumns = 256

  /// Whether the phases run as `im2col` and matrix products rather than tap by
  /// tap (``runTapByTap(source:weight:)``); see ``prefersProducts``.
  let usesProducts: Bool
  /// Taps of all phases together, and where each phase's matrix starts within a
  /// group's packed block (phase form).
  let tapTotal: Int
  let phaseStarts: [Int]

  /// The lowering of `geometry` (already zero-padded) as `A x` (`adjoint` false)
  /// or `A^T g`, for elements of `elementBytes` bytes computed at vector level `level`.
  init(
    _ geometry: ConvGeometry, adjoint: Bool, elementBytes: Int = 4,
    level: VectorInstructions = VectorInstructions.active
  ) {
    let forward = geometry.direction == .forward
    let gathers = forward != adjoint
    let driverChannels = forward ? geometry.outputChannels : geometry.inputChannels
    let otherChannels = forward ? geometry.inputChannels : geometry.outputChannels
    let driverSizes = geometry.axes.map(forward ? \.output : \.input)
    let otherSizes = geometry.axes.map(forward ? \.input : \.output)
    let resultSizes = gathers ? driverSizes : otherSizes, sourceSizes = gathers ? otherSizes : driverSizes
    batch = geometry.batch
    groups = geometry.groups
    resultPerGroup = (gathers ? driverChannels : otherChannels) / groups
    sourcePerGroup = (gathers ? otherChannels : driverChannels) / groups
    kernelVolume = geometry.axes.map(\.kernel).reduce(1, *)
    resultVolume = resultSizes.reduce(1, *)
    sourceVolume = sourceSizes.reduce(1, *)
    self.sourceSizes = sourceSizes
    self.resultSizes = resultSizes
    axes = geometry.axes
    phaseForm = !gathers
    let withinBLASLimits = [
      sourcePerGroup * kernelVolume, batch * max(resultVolume, sourceVolume), driverChannels, otherChannels,
    ]
    .allSatisfy { $0 <= blasLimit }
    phases = LoweredPhase.phases(
      geometry.axes, resultSizes: resultSizes, sourceSizes: sourceSizes, gathers: gathers)
    // Taps that reach no cell (a dilation far beyond the source) would make the
    // loops' zero-padded copy many times the source: such layers run as products.
    let tapsFit = TapPadding.paddedVolume(phases, sourceSizes: sourceSizes) <= 16 * sourceVolume + (1 << 16)
    switch LoweringChoice.requested {
    case .automatic:
      usesProducts =
        withinBLASLimits
        && (!tapsFit
          || Self.prefersProducts(
            resultPerGroup: resultPerGroup, phases: phases, elementBytes: elementBytes, level: level))
    case .products: usesProducts = withinBLASLimits
    case .taps: usesProducts = withinBLASLimits && !tapsFit
    }
    tapTotal = phases.map(\.tapCount).reduce(0, +)
    var starts: [Int] = [], start = 0
    for phase in phases {
      starts.append(start)
      start += resultPerGroup * sourcePerGroup * phase.tapCount
    }
    phaseStarts = starts
  }

  /// ``init(_:adjoint:elementBytes:level:)`` at the active level and lowering
  /// choice, made once per geometry and kept (the last 64): a dataset job
  /// lowers the same geometry for every item, and making the phases' tables
  /// cost a tenth of an item of 96x96.
  static func cached(_ geometry: ConvGeometry, adjoint: Bool, elementBytes: Int) -> MatrixLowering {
    let level = VectorInstructions.active, choice = LoweringChoice.requested
    let key = GeometryKey(
      geometry,
      [
        geometry.batch, adjoint ? 1 : 0, elementBytes, level.rawValue,
        LoweringChoice.allCases.firstIndex(of: choice) ?? 0,
      ])
    if let known = cache.withLock({ $0[key] }) { return known }
    let made = MatrixLowering(geometry, adjoint: adjoint, elementBytes: elementBytes, level: level)
    cache.withLock { entries in
      if entries.count >= 64 { entries.removeAll() }
      entries[key] = made
    }
    return made
  }

  private static let cache = Mutex<[GeometryKey: MatrixLowering]>([:])

  /// Rows of phase `phase`'s `cols`: one per (source channel, tap).
  func depth(_ phase: LoweredPhase) -> Int { sourcePerGroup * phase.tapCount }
}
