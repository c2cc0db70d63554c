import COneDNN
import ConvCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A zero-padded float32 convolution or transposed convolution as one oneDNN
/// primitive (`dnnl_dilated_convolution_forward` or `..._deconvolution_forward`),
/// with the memory layouts oneDNN prefers for this processor (`format_tag_any`:
/// channel blocks of 8 or 16) and reorders from and to convpipe's plain
/// `[N, C, spatial...]`.
///
/// The parameters map one to one: oneDNN's dilation is `d - 1`; the forward
/// padding is `padBegin`, `padEnd`; the transposed one crops `padBegin` and
/// `padEnd - outputPadding` from the full result (oneDNN's
/// `dst = (src - 1) s + d(k - 1) + 1 - pl - pr`), which must not be negative.
/// Weights are described by their strides as stored: `[C_out, C_in/g, k...]`
/// forward and PyTorch's `[C_in, C_out/g, k...]` transposed, both oneDNN's
/// logical `(g,) oc, ic, k...`.
///
/// A primitive is made once per geometry and kept, with the weights reordered
/// into its layout once and reused while they stay the same: a dataset job
/// applies one weight to every item.
public final class OneDNNConvolution: @unchecked Sendable {  // immutable but for `packed`, which a lock guards
  private let primitive: OneDNNPrimitive
  private let source: OneDNNLayout
  private let result: OneDNNLayout
  private let weights: OneDNNLayout
  private let packed = Mutex<OneDNNPackedWeights?>(nil)

  /// Whether oneDNN is faster than convpipe's own lowering for `geometry` at
  /// the vector level `level`, as measured per level with `convpipe bench
  /// --engine own|onednn` on bench/layers.json (README "Speed"; Zen 5, 2 threads):
  /// - 8 or more channels per group on both sides: oneDNN (img-3x3 11.1 ms
  ///   against 25.1 at AVX-512, 19.5 against 22.7 at AVX2), but for 3-d
  ///   transposed layers at AVX2, where oneDNN 2.6 has no fast kernel
  ///   (volume-3d 7.1 ms against 3.1);
  /// - depthwise (one channel per group on both sides): oneDNN (0.9 ms against
  ///   2.3 at AVX2; 0.62-0.80 against 1.3 at AVX-512, in channel blocks,
  ///   ``OneDNNLayout/channelBlocked(_:)``);
  /// - fewer channels on one side: convpipe's loops (gray-image-5x5 0.57 ms
  ///   against 1.22 at AVX-512, 0.61-0.65 against 0.70-0.73 at AVX2), but at
  ///   AVX2 oneDNN below 2^20 multiply-adds, where its call costs less than
  ///   dividing the work among threads (seed-notebook 0.018 ms against 0.020-0.023;
  ///   at AVX-512 0.042 against 0.019).
  static func prefers(_ geometry: ConvGeometry, level: VectorInstructions) -> Bool {
    let perGroup = [geometry.inputChannels, geometry.outputChannels].map { $0 / geometry.groups }
    if perGroup == [1, 1] { return true }
    if perGroup.contains(where: { $0 < 8 }) { return level == .avx2 && geometry.multiplyAdds < 1 << 20 }
    return !(level == .avx2 && geometry.direction == .transposed && geometry.axes.count == 3)
  }

  /// `geometry` (zero-padded) applied to plain `input` with `weight` through
  /// oneDNN, as plain `[N, C_out, out...]`; nil when oneDNN does not implement it.
  ///
  /// With at least as many batch items as ``ComputeThreads/perOperation``, the
  /// batch is split into parts of about ``partBytes`` of input and result
  /// (a multiple of the workers where the batch allows, so none waits alone
  /// for a last part), each computed by one worker with a one-thread primitive, so a part's reordered copies stay in the core's
  /// cache between the reorders and the convolution; else one primitive uses
  /// the workers through OpenMP. OpenMP's threads wait for each other spinning,
  /// and on a machine busy with other work a primitive then takes several times
  /// as long; parts on convpipe's own workers slow down only by the share of
  /// the processors lost.
  static func apply(_ geometry: ConvGeometry, input: [Float], weight: [Float]) -> [Float]? {
    guard geometry.batch > 0 else { return [] }
    let threads = ComputeThreads.perOperation
    let inputItem = geometry.inputShape.dropFirst().reduce(1, *)
    let outputItem = geometry.outputShape.dropFirst().reduce(1, *)
    let itemBytes = 4 * (inputItem + outputItem)
    let parts =
      threads > 1 && geometry.batch >= threads
      ? min(geometry.batch, threads * ceilDivide(geometry.batch * itemBytes, partBytes * threads)) : 1
    let ompThreads = parts > 1 ? 1 : threads
    let sizes = (0..<parts).map { geometry.batch / parts + ($0 < geometry.batch % parts ? 1 : 0) }
    // Each primitive with its weights packed once for all its parts (kept alive
    // here: another call may replace them in the primitive meanwhile).
    var primitives: [Int: (OneDNNConvolution, OneDNNPackedWeights)] = [:]
    for size in Set(sizes) {
      guard let primitive = forGeometry(geometry, batch: size, threads: ompThreads) else { return nil }
      primitives[size] = (primitive, primitive.pack(weight))
    }
    let count = geometry.batch * outputItem
    let completed = Atomic<Int>(0)
    let output = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      input.withUnsafeBufferPointer { input in
        guard let input = input.baseAddress, let output = output.baseAddress else { return }
        ComputeThreads.forEach(parts, of: Float.self) { part, _ in
          let first = sizes[..<part].reduce(0, +)
          guard let (primitive, packed) = primitives[sizes[part]] else { return }
          let done = primitive.run(
            input: input + first * inputItem, weights: packed, output: output + first * outputItem,
            threads: ompThreads)
          if done { completed.add(1, ordering: .relaxed) }
        }
      }
      initialized = count
    }
    return completed.load(ordering: .relaxed) == parts ? output : nil
  }

  /// Input and result bytes of one part of a batch: what a core's L2 cache
  /// holds (1 MiB on Zen 4 and 5 and on Sapphire Rapids, 2 MiB on newer Xeons)
  /// twice over. Measured on bench/layers.json: img-3x3-s2 (1.5 MiB per item)
  /// 7.0 ms in 2 parts, 6.4 ms in 16; the others within 3% either way.
  static let partBytes = 2 << 20

  /// The primitive for `geometry` with `batch` items, dividing its work for
  /// `threads`, made on first use; nil when oneDNN does not implement it.
  static func forGeometry(_ geometry: ConvGeometry, batch: Int? = nil, threads: Int = 1) -> OneDNNConvolution? {
    let batch = batch ?? geometry.batch
    let key = GeometryKey(geometry, [batch, threads])
    if let known = cache.withLock({ $0[key] }) { return known }
    // oneDNN fixes a primitive's thread count when it is made, from the
    // calling thread's OpenMP setting.
    omp_set_num_threads(Int32(threads))
    let made = OneDNNConvolution(geometry, batch: batch)
    cache.withLock { entries in
      if entries.count >= 32 { entries.removeAll() }
      entries[key] = made
    }
    return made
  }

  private static let cache = Mutex<[GeometryKey: OneDNNConvolution?]>([:])

  private init?(_ geometry: ConvGeometry, batch: Int) {
    // oneDNN's deconvolution accepts a negative end padding (an output padding
    // beyond the end crop) for some sizes, and then computes wrong values and
    // writes outside its result: those layers stay convpipe's own.
    guard let engine = OneDNNEngine.shared.handle, geometry.axes.count <= 3,
      geometry.axes.allSatisfy({ $0.padBegin >= 0 && $0.padEnd - $0.outputPadding >= 0 })
    else { return nil }
    let forward = geometry.direction == .forward
    let groups = geometry.groups, kernel = geometry.axes.map(\.kernel), kernelVolume = kernel.reduce(1, *)
    let (inputPerGroup, outputPerGroup) = (geometry.inputChannels / groups, geometry.outputChannels / groups)
    // Logical weight dims (g,) oc, ic, k... with the strides of convpipe's storage.
    let (ocStride, icStride) =
      forward ? (inputPerGroup * kernelVolume, kernelVolume) : (kernelVolume, outputPerGroup * kernelVolume)
    let grouped = groups > 1
    let weightDims = (grouped ? [groups] : []) + [outputPerGroup, inputPerGroup] + kernel
    let weightStrides =
      (grouped ? [inputPerGroup * outputPerGroup * kernelVolume] : []) + [ocStride, icStride]
      + rowMajorStrides(kernel)
    let inputShape = [batch] + geometry.inputShape.dropFirst(), outputShape = [batch] + geometry.outputShape.dropFirst()
    guard let sourcePlain = OneDNNLayout.plain(inputShape), let resultPlain = OneDNNLayout.plain(outputShape),
      let weightPlain = OneDNNLayout.plain(weightDims, strides: weightStrides)
    else { return nil }
    let weightAny = OneDNNLayout.any(weightDims)
    let strides = geometry.axes.map { Int64($0.stride) }, dilations = geometry.axes.map { Int64($0.dilation - 1) }
    let begin = geometry.axes.map { Int64($0.padBegin) }
    let end = geometry.axes.map { Int64(forward ? $0.padEnd : $0.padEnd - $0.outputPadding) }
    /// The primitive's description for source and result in these layouts, the weights in oneDNN's choice.
    func describe(_ source: dnnl_memory_desc_t, _ result: dnnl_memory_desc_t) -> dnnl_primitive_desc_t? {
      var (source, result, weights) = (source, result, weightAny)
      var descriptor: dnnl_primitive_desc_t?
      let attributes = OneDNNEngine.userScratchpad.handle
      // oneDNN 2's deconvolution descriptor is its convolution descriptor (a typedef).
      var operation = dnnl_convolution_desc_t()
      let initialised =
        forward
        ? dnnl_dilated_convolution_forward_desc_init(
          &operation, dnnl_forward_inference, dnnl_convolution_direct, &source, &weights, nil, &result,
          strides, dilations, begin, end)
        : dnnl_dilated_deconvolution_forward_desc_init(
          &operation, dnnl_forward_inference, dnnl_deconvolution_direct, &source, &weights, nil, &result,
          strides, dilations, begin, end)
      guard initialised == dnnl_success,
        dnnl_primitive_desc_create(&descriptor, &operation, attributes, engine, nil) == dnnl_success
      else { return nil }
      return descriptor
    }
    // Forward layers with 16 or more channels on both sides in oneDNN's
    // channel blocks (nChw16c at AVX-512, nChw8c below), which `format_tag_any`
    // would not choose: see ``channelBlocked(_:)``.
    let blocked =
      forward
      ? OneDNNLayout.channelBlocked(inputShape).flatMap { source in
        OneDNNLayout.channelBlocked(outputShape).flatMap { describe(source, $0) }
      } : nil
    let descriptor = blocked ?? describe(OneDNNLayout.any(inputShape), OneDNNLayout.any(outputShape))
    guard let descriptor else { return nil }
    defer { dnnl_primitive_desc_destroy(descriptor) }
    func chosen(_ query: dnnl_query_t) -> dnnl_memory_desc_t? {
      dnnl_primitive_desc_query_md(descriptor, query, 0)?.pointee
    }
    guard let sourceChosen = chosen(dnnl_query_src_md), let resultChosen = chosen(dnnl_query_dst_md),
      let weightChosen = chosen(dnnl_query_weights_md),
      let source = OneDNNLayout(plain: sourcePlain, chosen: sourceChosen, toChosen: true, shape: inputShape),
      let result = OneDNNLayout(plain: resultPlain, chosen: resultChosen, toChosen: false, shape: outputShape),
      let weights = OneDNNLayout(plain: weightPlain, chosen: weightChosen, toChosen: true),
      let primitive = OneDNNPrimitive(descriptor)
    else { return nil }
    (self.primitive, self.source, self.result, self.weights) = (primitive, source, result, weights)
  }

  /// Runs the primitive on the plain tensors at `input` and `output` with
  /// `weights` (from ``pack(_:)``) and `threads` OpenMP threads; false when
  /// oneDNN could not set it up.
  private func run(
    input: UnsafePointer<Float>, weights: OneDNNPackedWeights, output: UnsafeMutablePointer<Float>, threads: Int
  ) -> Bool {
    omp_set_num_threads(Int32(threads))
    guard let weightMemory = weights.memory, let stream = OneDNNStream() else { return false }
    let sourceMemory = OneDNNStaged(source, plain: UnsafeMutableRawPointer(mutating: input))
    let resultMemory = OneDNNStaged(result, plain: UnsafeMutableRawPointer(output))
    guard sourceMemory.isComplete, resultMemory.isComplete else { return false }
    return withExtendedLifetime(weights) {
      sourceMemory.reorder(toChosen: true, stream: stream)
        && primitive.execute(
          [
            dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: sourceMemory.chosen),
            dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: weightMemory),
            dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: resultMemory.chosen),
          ], stream: stream)
        && resultMemory.reorder(toChosen: false, stream: stream)
    }
  }

  /// The weights in the primitive's layout: the kept ones when `weight` is the
  /// same array (one storage, which no one can change while it is shared) or
  /// has the same bytes as last time, else reordered anew (and kept).
  func pack(_ weight: [Float]) -> OneDNNPackedWeights {
    packed.withLock { kept in
      if let kept,
        kept.plain.withUnsafeBytes({ old in
          weight.withUnsafeBytes { new in
            guard old.count == new.count, let a = old.baseAddress, let b = new.baseAddress else {
              return old.count == new.count
            }
            return a == b || memcmp(a, b, old.count) == 0
          }
        })
      {
        return kept
      }
      let made = OneDNNPackedWeights(weights, plain: weight)
      kept = made
      return made
    }
  }

  /// The library and version in use: `oneDNN 2.6.3`.
  public static var version: String {
    guard let version = dnnl_version()?.pointee else { return "oneDNN" }
    return "oneDNN \(version.major).\(version.minor).\(version.patch)"
  }

  /// The instruction set of oneDNN's kernels here (after `CONVPIPE_VECTOR_LEVEL`):
  /// `avx512_core_bf16`, `avx2`, ...
  public static var instructionSet: String {
    _ = OneDNNEngine.shared
    let isa = dnnl_get_effective_cpu_isa()
    let names: [dnnl_cpu_isa_t: String] = [
      dnnl_cpu_isa_sse41: "sse41", dnnl_cpu_isa_avx: "avx", dnnl_cpu_isa_avx2: "avx2",
      dnnl_cpu_isa_avx2_vnni: "avx2_vnni", dnnl_cpu_isa_avx512_core: "avx512_core",
      dnnl_cpu_isa_avx512_core_vnni: "avx512_core_vnni", dnnl_cpu_isa_avx512_core_bf16: "avx512_core_bf16",
      dnnl_cpu_isa_avx512_core_amx: "avx512_core_amx",
    ]
    return names[isa] ?? "isa 0x\(String(isa.rawValue, radix: 16))"
  }
}
