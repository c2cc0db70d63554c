import ConvCore
import ConvJob
import ConvKernels
import Foundation
import PositionedJSON

/// One layer of a layers file (`bench/layers.json`): a conv or conv_transpose
/// with its input and weight shapes, timed on random float32 data.
struct BenchLayer: Sendable {
  let name: String
  let geometry: ConvGeometry
}

/// The median time of one call and the throughput it gives.
struct BenchTiming: Sendable, Encodable {
  let name: String
  let seconds: Double
  /// `2 * multiplyAdds / seconds / 1e9`.
  let gflops: Double
  /// How the layer was computed (``ConvGeometry/computePath(_:)``): `oneDNN`, `products`, `taps (cells)`, ...
  var path: String? = nil
}

/// Times convolution layers the way `bench/torch_reference.py` times PyTorch.
enum LayerBench {
  /// Reads `{"layers": [{"name", "op", "input", "weight", stride, padding, ...}]}`;
  /// every key but `name`, `input` and `weight` is a stage parameter of the job format.
  static func layers(path: String) throws(JobProblems) -> [BenchLayer] {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
      throw JobProblems([JobProblem(file: path, location: "", message: "cannot read: \(JobDecoder.describe(error))")])
    }
    let root: JSONValue
    do { root = try JSONParser.parse(text) } catch {
      throw JobProblems([
        JobProblem(file: path, location: "", message: error.message, line: error.line, column: error.column)
      ])
    }
    guard let entries = root["layers"]?.arrayValue else {
      throw JobProblems([JobProblem(file: path, location: "", message: "expected an object with a \"layers\" array")])
    }
    var layers: [BenchLayer] = []
    var problems: [JobProblem] = []
    for (index, entry) in entries.enumerated() {
      let location = "layers[\(index)]"
      guard let name = entry["name"]?.stringValue, let input = entry["input"]?.arrayValue?.compactMap(\.intValue),
        let weight = entry["weight"]?.arrayValue?.compactMap(\.intValue), let members = entry.objectMembers
      else {
        problems.append(
          JobProblem(file: path, location: location, message: "needs a name and integer input and weight shapes"))
        continue
      }
      let parameters = JSONValue(.object(members.filter { !["name", "input", "weight"].contains($0.key) })).jsonText
      do {
        let operation = try StageParameters.operation(fromJSON: parameters, file: path)
        guard case .convolution(let geometry) = try operation.plan(input: input, weight: weight) else {
          problems.append(
            JobProblem(file: path, location: location, message: "\(name): only conv and conv_transpose can be timed"))
          continue
        }
        let bytes = saturatingProduct([
          4,
          saturatingProduct(geometry.inputShape) &+ saturatingProduct(geometry.outputShape)
            &+ saturatingProduct(geometry.weightShape),
        ])
        guard bytes <= MemorySize.defaultLimit else {
          problems.append(
            JobProblem(
              file: path, location: location,
              message: "\(name): its tensors need \(MemorySize.format(bytes)), more than half of this machine's memory")
          )
          continue
        }
        layers.append(BenchLayer(name: name, geometry: geometry))
      } catch let error as JobProblems {
        // The stage parser names its place "stage" in text of its own: name the layer instead.
        problems += error.problems.map { JobProblem(file: path, location: location, message: "\(name): \($0.message)") }
      } catch {
        problems.append(JobProblem(file: path, location: location, message: "\(name): \(error)"))
      }
    }
    guard problems.isEmpty else { throw JobProblems(problems) }
    return layers
  }

  /// Times `layer.geometry.apply` on standard-normal input and weight in `dtype`
  /// (after one checked call, which also warms up).
  static func time(_ layer: BenchLayer, dtype: DType = .float32) throws(ShapeError) -> BenchTiming {
    let geometry = layer.geometry
    var random = SeededRandom(seed: 6)
    func tensor(_ shape: [Int]) -> Tensor {
      Tensor(shape: shape, of: Double.self) {
        _ = $0.update(fromContentsOf: random.values(saturatingProduct(shape), distribution: .normal))
      }.converted(to: dtype)
    }
    let input = tensor(geometry.inputShape), weight = tensor(geometry.weightShape)
    _ = try geometry.apply(input: input, weight: weight)
    let seconds = medianSeconds { _ = try? geometry.apply(input: input, weight: weight) }
    return BenchTiming(
      name: layer.name, seconds: seconds, gflops: 2 * Double(geometry.multiplyAdds) / seconds / 1e9,
      path: geometry.computePath(dtype))
  }

  /// Times OpenBLAS's `sgemm` on a `size x size` square product with `threads` threads.
  static func timeSquareProduct(size: Int, threads: Int) -> BenchTiming {
    let product = SquareProduct(size: size)
    let seconds = medianSeconds { product.run(threads: threads) }
    return BenchTiming(name: "sgemm-\(product.size)", seconds: seconds, gflops: product.flops / seconds / 1e9)
  }

  /// The repetition rule of `torch_reference.py`: one warm-up call, one timed call
  /// `t`, then `max(3, min(50, floor(1 / max(t, 1e-6))))` timed calls, of which the
  /// median (the mean of the middle two for an even count).
  static func medianSeconds(_ call: () -> Void) -> Double {
    call()
    let once = seconds(call)
    let repetitions = max(3, min(50, Int(1.0 / max(once, 1e-6))))
    let times = (0..<repetitions).map { _ in seconds(call) }.sorted()
    let middle = times.count / 2
    return times.count % 2 == 1 ? times[middle] : (times[middle - 1] + times[middle]) / 2
  }

  private static func seconds(_ call: () -> Void) -> Double {
    let duration = ContinuousClock().measure(call)
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }
}
