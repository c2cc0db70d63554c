import ConvCore
import ConvJob
import FrameworkCalls
import Testing
import TestSupport

/// `explain`'s computation on the jobs `generate.py --check-explain` runs against
/// the real frameworks (which checks the numbers): every conv-like stage gets one
/// answer per framework, a call where one exists and a reason where none does.
@Suite("explain: every framework's call for each conv-like stage")
struct ExplainTests {
  static let jobs = [
    "Tests/Fixtures/frameworks/explain/core.json", "Tests/Fixtures/frameworks/explain/frameworks.json",
    "pipelines/porting-tf-same-transpose.json", "pipelines/padding-mode-transpose.json",
  ]

  static func explain(_ job: String, stage: String? = nil) throws -> JobExplanation {
    let prepared = try PreparedJob.prepare(path: Fixtures.path(job), maxMemory: 1 << 30)
    return try JobExplanation.explain(prepared, stage: stage)
  }

  @Test("one answer per framework, a call or a reason", arguments: jobs)
  func everyFramework(_ job: String) throws {
    let explanation = try Self.explain(job)
    #expect(!explanation.stages.isEmpty)
    for stage in explanation.stages {
      #expect(stage.calls.map(\.framework) == Framework.allCases, "\(stage.plan.stage.id)")
      for call in stage.calls {
        let where_ = "\(stage.plan.stage.id) \(call.framework)"
        switch call.kind {
        case .impossible:
          #expect(call.call == nil && (call.reason?.count ?? 0) > 30, "\(where_): says why")
        case .exact:
          #expect(call.reason == nil || call.dtype != stage.plan.computeType || call.backend == .jax, "\(where_)")
          #expect(call.call?.isEmpty == false, "\(where_)")
        case .composition:
          #expect(call.call?.isEmpty == false && call.reason != nil, "\(where_): a composition says why")
        }
        if call.kind != .impossible {
          #expect(call.bindings.map(\.name).prefix(2) == ["x", "w"], "\(where_)")
          #expect(
            call.bindings.contains { $0.name == "b" } == (stage.plan.operand(.bias) != nil)
              || call.call?.contains("+ b") == true)
        }
      }
    }
  }

  @Test("TensorFlow's SAME transpose: one call in TensorFlow, Keras, JAX and ONNX, a slice after in PyTorch")
  func tensorFlowSame() throws {
    let calls = try Self.explain("pipelines/porting-tf-same-transpose.json", stage: "up").stages[0].calls
    let byFramework = Dictionary(uniqueKeysWithValues: calls.map { ($0.framework, $0) })
    #expect(byFramework[.torch]?.kind == .composition)
    #expect(byFramework[.torch]?.call == "torch.nn.functional.conv_transpose2d(x, w, stride=(2, 2))[:, :, :32, :32]")
    #expect(byFramework[.torch]?.bindings[0].transforms == [.permute([0, 3, 1, 2])])
    #expect(byFramework[.torch]?.bindings[1].transforms == [.permute([3, 2, 0, 1])])
    #expect(byFramework[.torch]?.result == [.permute([0, 2, 3, 1])])
    #expect(
      byFramework[.tensorflow]?.call
        == "tf.nn.conv2d_transpose(x, w, output_shape=[1, 32, 32, 4], strides=[2, 2], padding=\"SAME\")")
    #expect(byFramework[.tensorflow]?.bindings.allSatisfy(\.transforms.isEmpty) == true)
    #expect(byFramework[.keras]?.kind == .exact)
    #expect(byFramework[.jax]?.kind == .exact)
    #expect(byFramework[.onnx]?.call == "onnx_run(\"ConvTranspose\", x, w, pads=[0, 0, 1, 1], strides=[2, 2])")
    #expect(byFramework[.onnx]?.dtype == .float32)
  }

  @Test(
    "a grouped transposed convolution at stride 1: JAX's conv_general_dilated without zeros to insert, the kernel flipped and swapped within groups, a crop as negative padding"
  )
  func jaxGroupedAtStrideOne() throws {
    let calls = try Self.explain("Tests/Fixtures/frameworks/explain/core.json", stage: "ct_groups_s1").stages[0].calls
    let jax = try #require(calls.first { $0.framework == .jax })
    #expect(jax.kind == .composition)
    #expect(
      jax.call
        == "jax.lax.conv_general_dilated(x, w, window_strides=(1, 1), padding=((1, 0), (-1, 0)), dimension_numbers=(\"NCHW\", \"OIHW\", \"NCHW\"), feature_group_count=2) + b.reshape((1, -1, 1, 1))"
    )
    #expect(
      jax.bindings[1].transforms == [
        .reshape(from: [4, 3, 2, 3], to: [2, 2, 3, 2, 3]), .permute([0, 2, 1, 3, 4]),
        .reshape(from: [2, 3, 2, 2, 3], to: [6, 2, 2, 3]), .flip([2, 3]),
      ])
  }

  @Test("the adjoint of a padded convolution: through autograd in PyTorch and JAX, no call elsewhere")
  func paddingModeTranspose() throws {
    let calls = try Self.explain("pipelines/padding-mode-transpose.json", stage: "small_reflect").stages[0].calls
    #expect(calls[0].call?.hasPrefix("torch.func.vjp(lambda t: torch.nn.functional.conv2d(") == true)
    #expect(calls[0].call?.contains("mode=\"reflect\"") == true)
    #expect(calls[3].call?.hasPrefix("jax.vjp(") == true)
    #expect([calls[1].kind, calls[2].kind, calls[4].kind] == [.impossible, .impossible, .impossible])
  }
}
