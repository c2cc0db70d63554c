import COneDNN
import ConvCore

/// oneDNN's CPU engine, made once, its instruction set first held to the
/// process's vector level (`CONVPIPE_VECTOR_LEVEL`; oneDNN allows that only
/// before its first primitive).
struct OneDNNEngine: @unchecked Sendable {  // an engine is used from any thread
  let handle: dnnl_engine_t?

  static let shared: OneDNNEngine = {
    if VectorInstructions.available < VectorInstructions.processor {
      dnnl_set_max_cpu_isa(VectorInstructions.available == .avx2 ? dnnl_cpu_isa_avx2 : dnnl_cpu_isa_sse41)
    }
    var handle: dnnl_engine_t?
    return OneDNNEngine(handle: dnnl_engine_create(&handle, dnnl_cpu, 0) == dnnl_success ? handle : nil)
  }()

  /// Primitive attributes asking for a scratchpad per execution from the caller
  /// (``OneDNNPrimitive/execute(_:stream:)``), so that any number of threads may
  /// execute primitives at once whatever oneDNN's build shares.
  static let userScratchpad: OneDNNAttributes = {
    var attributes: dnnl_primitive_attr_t?
    guard dnnl_primitive_attr_create(&attributes) == dnnl_success, let attributes,
      dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user) == dnnl_success
    else { return OneDNNAttributes(handle: nil) }
    return OneDNNAttributes(handle: attributes)
  }()
}

struct OneDNNAttributes: @unchecked Sendable {  // never changed after it is made
  let handle: dnnl_primitive_attr_t?
}

/// A oneDNN primitive with the scratchpad it needs, which each execution
/// allocates for itself.
final class OneDNNPrimitive: @unchecked Sendable {  // immutable; oneDNN primitives may execute concurrently
  let handle: dnnl_primitive_t
  private let scratchpad: dnnl_memory_desc_t
  private let scratchpadBytes: Int

  /// Creates the primitive `descriptor` describes (which the caller destroys).
  init?(_ descriptor: dnnl_primitive_desc_t) {
    var made: dnnl_primitive_t?
    guard dnnl_primitive_create(&made, descriptor) == dnnl_success, let made else { return nil }
    handle = made
    var scratchpad =
      dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)?.pointee ?? dnnl_memory_desc_t()
    scratchpadBytes = dnnl_memory_desc_get_size(&scratchpad)
    self.scratchpad = scratchpad
  }

  /// The reorder from `from` to `to`.
  static func reorder(from: dnnl_memory_desc_t, to: dnnl_memory_desc_t) -> OneDNNPrimitive? {
    var (from, to) = (from, to)
    guard let engine = OneDNNEngine.shared.handle else { return nil }
    var descriptor: dnnl_primitive_desc_t?
    guard
      dnnl_reorder_primitive_desc_create(
        &descriptor, &from, engine, &to, engine, OneDNNEngine.userScratchpad.handle) == dnnl_success,
      let descriptor
    else { return nil }
    defer { dnnl_primitive_desc_destroy(descriptor) }
    return OneDNNPrimitive(descriptor)
  }

  /// Executes the primitive with `arguments` and a scratchpad of its own, and
  /// waits for it; false when oneDNN could not.
  func execute(_ arguments: [dnnl_exec_arg_t], stream: OneDNNStream) -> Bool {
    var arguments = arguments, scratchpad = scratchpad
    var buffer: UnsafeMutableRawPointer?
    var memory: dnnl_memory_t?
    defer {
      if let memory { dnnl_memory_destroy(memory) }
      buffer?.deallocate()
    }
    if scratchpadBytes > 0 {
      buffer = UnsafeMutableRawPointer.allocate(byteCount: scratchpadBytes, alignment: 64)
      guard let engine = OneDNNEngine.shared.handle,
        dnnl_memory_create(&memory, &scratchpad, engine, buffer) == dnnl_success
      else { return false }
      arguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: memory))
    }
    return dnnl_primitive_execute(handle, stream.handle, Int32(arguments.count), &arguments) == dnnl_success
      && dnnl_stream_wait(stream.handle) == dnnl_success
  }

  deinit { dnnl_primitive_destroy(handle) }
}

/// A stream for one call's executions.
final class OneDNNStream {
  let handle: dnnl_stream_t

  init?() {
    var stream: dnnl_stream_t?
    guard let engine = OneDNNEngine.shared.handle,
      dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream
    else { return nil }
    handle = stream
  }

  deinit { dnnl_stream_destroy(handle) }
}

/// A tensor's plain layout (convpipe's row-major storage), the layout the
/// primitive chose, and how a tensor moves between them.
struct OneDNNLayout: @unchecked Sendable {  // immutable descriptors
  let plain: dnnl_memory_desc_t
  let chosen: dnnl_memory_desc_t
  let move: Move

  /// How a tensor gets from the plain layout to the chosen one and back.
  enum Move {
    /// The layouts are the same.
    case none
    /// The chosen layout is channels last, which convpipe's transposition does.
    case channelsLast(ChannelsLast)
    /// oneDNN's reorder, oriented as the layout's `toChosen` says.
    case reorder(OneDNNPrimitive)
  }

  /// Nil when the layouts differ and oneDNN has no reorder between them;
  /// `toChosen` orients the reorder (inputs) or its reverse (results). `shape`,
  /// given for row-major activations `[N, C, spatial...]`, lets a channels-last
  /// choice move by ``ChannelsLast``.
  init?(plain: dnnl_memory_desc_t, chosen: dnnl_memory_desc_t, toChosen: Bool, shape: [Int]? = nil) {
    (self.plain, self.chosen) = (plain, chosen)
    var (a, b) = (plain, chosen)
    if dnnl_memory_desc_equal(&a, &b) != 0 {
      move = .none
    } else if let shape, var last = Self.channelsLast(shape), dnnl_memory_desc_equal(&last, &b) != 0 {
      move = .channelsLast(ChannelsLast(items: shape[0], channels: shape[1], cells: shape.dropFirst(2).reduce(1, *)))
    } else if let made = toChosen
      ? OneDNNPrimitive.reorder(from: plain, to: chosen) : OneDNNPrimitive.reorder(from: chosen, to: plain)
    {
      move = .reorder(made)
    } else {
      return nil
    }
  }

  /// float32 `shape` (`[N, C, spatial...]`, 1 to 3 spatial dimensions) channels last.
  private static func channelsLast(_ shape: [Int]) -> dnnl_memory_desc_t? {
    [3: dnnl_acb, 4: dnnl_acdb, 5: dnnl_acdeb][shape.count].flatMap { tagged(shape, $0) }
  }

  /// float32 `shape` in oneDNN's layout `tag`; nil when oneDNN refuses it.
  private static func tagged(_ shape: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t? {
    var descriptor = dnnl_memory_desc_t()
    guard
      dnnl_memory_desc_init_by_tag(&descriptor, Int32(shape.count), shape.map(Int64.init), dnnl_f32, tag)
        == dnnl_success
    else { return nil }
    return descriptor
  }

  /// Bytes of a tensor in the chosen layout.
  var bytes: Int {
    var descriptor = chosen
    return dnnl_memory_desc_get_size(&descriptor)
  }

  /// Row-major float32 `shape` with the strides `strides` (row-major when nil).
  static func plain(_ shape: [Int], strides: [Int]? = nil) -> dnnl_memory_desc_t? {
    var descriptor = dnnl_memory_desc_t()
    let strides = strides ?? ConvCore.rowMajorStrides(shape)
    guard
      dnnl_memory_desc_init_by_strides(
        &descriptor, Int32(shape.count), shape.map(Int64.init), dnnl_f32, strides.map(Int64.init)) == dnnl_success
    else { return nil }
    return descriptor
  }

  /// float32 `shape` (`[N, C, spatial...]`, 1 to 3 spatial dimensions, `C` at
  /// least 16) in channel blocks of the vector width, 16 at AVX-512 and 8 below
  /// (oneDNN's `aBcd16b`, nChw16c): nil otherwise. oneDNN 2.6 chooses channels
  /// last for forward layers by itself, and blocks were faster here for every
  /// forward layer measured (`convpipe bench --engine onednn`, Zen 5, 2
  /// threads, alternating): img-3x3 10.7-11.0 ms against 11.5-11.8, img-3x3-s2
  /// 5.6-6.1 against 6.1-6.5, depthwise-3x3 0.62-0.80 against 0.94-1.07; with
  /// fewer channels they are padded and oneDNN's kernels are slow (gray-image-5x5, 1 to 8 channels: 470 ms).
  static func channelBlocked(_ shape: [Int]) -> dnnl_memory_desc_t? {
    let wide = VectorInstructions.active == .avx512
    let tags =
      wide ? [3: dnnl_aBc16b, 4: dnnl_aBcd16b, 5: dnnl_aBcde16b] : [3: dnnl_aBc8b, 4: dnnl_aBcd8b, 5: dnnl_aBcde8b]
    guard shape.count > 1, shape[1] >= 16, let tag = tags[shape.count] else { return nil }
    return tagged(shape, tag)
  }

  /// float32 `shape` in whatever layout the primitive prefers.
  static func any(_ shape: [Int]) -> dnnl_memory_desc_t {
    tagged(shape, dnnl_format_tag_any) ?? dnnl_memory_desc_t()
  }
}

/// A tensor as oneDNN memory for one call: over convpipe's plain buffer, and
/// (when the primitive's layout differs) over a buffer of that layout, its own
/// or `target`.
final class OneDNNStaged {
  let plainMemory: dnnl_memory_t?
  /// The memory in the primitive's layout: the plain one when the layouts agree.
  let chosen: dnnl_memory_t?
  private let ownsChosen: Bool
  private let plain: UnsafeMutableRawPointer?
  private let buffer: UnsafeMutableRawPointer?
  private let layout: OneDNNLayout

  init(_ layout: OneDNNLayout, plain: UnsafeMutableRawPointer?, into target: dnnl_memory_t? = nil) {
    self.layout = layout
    self.plain = plain
    var plainDescriptor = layout.plain, chosenDescriptor = layout.chosen
    var memory: dnnl_memory_t?
    if let engine = OneDNNEngine.shared.handle { dnnl_memory_create(&memory, &plainDescriptor, engine, plain) }
    plainMemory = memory
    if case .none = layout.move {
      (buffer, chosen, ownsChosen) = (nil, memory, false)
    } else if let target {
      (buffer, chosen, ownsChosen) = (nil, target, false)
    } else {
      let allocated = UnsafeMutableRawPointer.allocate(byteCount: max(layout.bytes, 64), alignment: 64)
      var own: dnnl_memory_t?
      if let engine = OneDNNEngine.shared.handle { dnnl_memory_create(&own, &chosenDescriptor, engine, allocated) }
      (buffer, chosen, ownsChosen) = (allocated, own, true)
    }
  }

  /// Whether both memories exist (oneDNN made them).
  var isComplete: Bool { plainMemory != nil && chosen != nil }

  /// Moves the tensor from the plain layout to the chosen one (`toChosen`) or
  /// back; nothing when they are the same. False when oneDNN could not.
  func reorder(toChosen: Bool, stream: OneDNNStream) -> Bool {
    switch layout.move {
    case .none: return true
    case .channelsLast(let move):
      guard let plain = plain?.assumingMemoryBound(to: Float.self),
        let lines = buffer?.assumingMemoryBound(to: Float.self)
      else { return false }
      if toChosen { move.move(planes: plain, into: lines) } else { move.moveBack(lines: lines, into: plain) }
      return true
    case .reorder(let reorder):
      guard let plainMemory, let chosen else { return false }
      return reorder.execute(
        [
          dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: toChosen ? plainMemory : chosen),
          dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: toChosen ? chosen : plainMemory),
        ], stream: stream)
    }
  }

  deinit {
    if let plainMemory { dnnl_memory_destroy(plainMemory) }
    if ownsChosen, let chosen { dnnl_memory_destroy(chosen) }
    buffer?.deallocate()
  }
}

/// Weights in the primitive's layout in a buffer of their own (freed with the
/// last call using them), and the plain values they came from.
final class OneDNNPackedWeights: @unchecked Sendable {  // immutable once made
  let plain: [Float]
  let memory: dnnl_memory_t?
  private let buffer: UnsafeMutableRawPointer

  /// `memory` is nil when oneDNN could not make or fill it.
  init(_ layout: OneDNNLayout, plain: [Float]) {
    self.plain = plain
    var chosen = layout.chosen
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(layout.bytes, 64), alignment: 64)
    self.buffer = buffer
    var memory: dnnl_memory_t?
    guard let engine = OneDNNEngine.shared.handle, dnnl_memory_create(&memory, &chosen, engine, buffer) == dnnl_success,
      let made = memory
    else {
      self.memory = nil
      return
    }
    let filled = plain.withUnsafeBytes { bytes in
      guard case .reorder = layout.move else {
        if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
        return true
      }
      guard let stream = OneDNNStream() else { return false }
      let staged = OneDNNStaged(layout, plain: UnsafeMutableRawPointer(mutating: bytes.baseAddress), into: made)
      return staged.reorder(toChosen: true, stream: stream)
    }
    if !filled { dnnl_memory_destroy(made) }
    self.memory = filled ? made : nil
  }

  deinit {
    if let memory { dnnl_memory_destroy(memory) }
    buffer.deallocate()
  }
}
