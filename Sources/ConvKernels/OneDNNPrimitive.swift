import COneDNN

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
  private var scratchpad: dnnl_memory_desc_t
  private let scratchpadBytes: Int

  /// Creates the primitive `descriptor` describes (which the caller destroys).
  init?(_ descriptor: dnnl_primitive_desc_t) {
    var made: dnnl_primitive_t?
    guard dnnl_primitive_create(&made, descriptor) == dnnl_success, let made else { return nil }
    handle = made
    scratchpad = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)?.pointee ?? dnnl_memory_desc_t()
    scratchpadBytes = dnnl_memory_desc_get_size(&scratchpad)
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

  /// Executes the primitive with `arguments` and a scratchpad of its own, and waits for it.
  func execute(_ arguments: [dnnl_exec_arg_t], stream: OneDNNStream) {
    var arguments = arguments
    var buffer: UnsafeMutableRawPointer?
    var memory: dnnl_memory_t?
    if scratchpadBytes > 0, let engine = OneDNNEngine.shared.handle {
      buffer = UnsafeMutableRawPointer.allocate(byteCount: scratchpadBytes, alignment: 64)
      if dnnl_memory_create(&memory, &scratchpad, engine, buffer) == dnnl_success {
        arguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: memory))
      }
    }
    dnnl_primitive_execute(handle, stream.handle, Int32(arguments.count), &arguments)
    dnnl_stream_wait(stream.handle)
    if let memory { dnnl_memory_destroy(memory) }
    buffer?.deallocate()
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
/// primitive chose, and the reorder between them (nil when they are the same).
struct OneDNNLayout: @unchecked Sendable {  // immutable descriptors
  let plain: dnnl_memory_desc_t
  let chosen: dnnl_memory_desc_t
  let reorder: OneDNNPrimitive?

  /// Nil when the layouts differ and oneDNN has no reorder between them;
  /// `toChosen` orients the reorder (inputs) or its reverse (results).
  init?(plain: dnnl_memory_desc_t, chosen: dnnl_memory_desc_t, toChosen: Bool) {
    (self.plain, self.chosen) = (plain, chosen)
    var (a, b) = (plain, chosen)
    if dnnl_memory_desc_equal(&a, &b) != 0 {
      reorder = nil
    } else if let made = toChosen
      ? OneDNNPrimitive.reorder(from: plain, to: chosen) : OneDNNPrimitive.reorder(from: chosen, to: plain)
    {
      reorder = made
    } else {
      return nil
    }
  }

  /// Bytes of a tensor in the chosen layout.
  var bytes: Int {
    var descriptor = chosen
    return dnnl_memory_desc_get_size(&descriptor)
  }

  /// Row-major float32 `shape` with the strides `strides` (row-major when nil).
  static func plain(_ shape: [Int], strides: [Int]? = nil) -> dnnl_memory_desc_t? {
    var descriptor = dnnl_memory_desc_t()
    let strides = strides ?? rowMajorStrides(shape)
    guard
      dnnl_memory_desc_init_by_strides(
        &descriptor, Int32(shape.count), shape.map(Int64.init), dnnl_f32, strides.map(Int64.init)) == dnnl_success
    else { return nil }
    return descriptor
  }

  /// float32 `shape` in whatever layout the primitive prefers.
  static func any(_ shape: [Int]) -> dnnl_memory_desc_t {
    var descriptor = dnnl_memory_desc_t()
    dnnl_memory_desc_init_by_tag(&descriptor, Int32(shape.count), shape.map(Int64.init), dnnl_f32, dnnl_format_tag_any)
    return descriptor
  }

  static func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    for index in stride(from: shape.count - 2, through: 0, by: -1) {
      strides[index] = strides[index + 1] * shape[index + 1]
    }
    return strides
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
  private let buffer: UnsafeMutableRawPointer?
  private let layout: OneDNNLayout

  init(_ layout: OneDNNLayout, plain: UnsafeMutableRawPointer?, into target: dnnl_memory_t? = nil) {
    self.layout = layout
    var plainDescriptor = layout.plain, chosenDescriptor = layout.chosen
    var memory: dnnl_memory_t?
    if let engine = OneDNNEngine.shared.handle { dnnl_memory_create(&memory, &plainDescriptor, engine, plain) }
    plainMemory = memory
    if layout.reorder == nil {
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

  /// Reorders from the plain layout to the chosen one (`toChosen`) or back;
  /// nothing when they are the same.
  func reorder(toChosen: Bool, stream: OneDNNStream) {
    guard let reorder = layout.reorder, let plainMemory, let chosen else { return }
    reorder.execute(
      [
        dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: toChosen ? plainMemory : chosen),
        dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: toChosen ? chosen : plainMemory),
      ], stream: stream)
  }

  deinit {
    if let plainMemory, plainMemory != chosen || !ownsChosen { dnnl_memory_destroy(plainMemory) }
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

  init(_ layout: OneDNNLayout, plain: [Float]) {
    self.plain = plain
    var chosen = layout.chosen
    buffer = UnsafeMutableRawPointer.allocate(byteCount: max(layout.bytes, 64), alignment: 64)
    var memory: dnnl_memory_t?
    guard let engine = OneDNNEngine.shared.handle, dnnl_memory_create(&memory, &chosen, engine, buffer) == dnnl_success,
      let memory, let stream = OneDNNStream()
    else {
      self.memory = nil
      return
    }
    self.memory = memory
    plain.withUnsafeBytes { bytes in
      guard layout.reorder != nil else {
        if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
        return
      }
      let staged = OneDNNStaged(layout, plain: UnsafeMutableRawPointer(mutating: bytes.baseAddress), into: memory)
      staged.reorder(toChosen: true, stream: stream)
    }
  }

  deinit {
    if let memory { dnnl_memory_destroy(memory) }
    buffer.deallocate()
  }
}
