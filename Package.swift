// swift-tools-version:6.0
import PackageDescription

/// The numeric code is compiled with optimisation in debug builds too: its
/// kernels and the tests' reference loops are hundreds of times slower without,
/// which would make `swift test` take minutes instead of seconds.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

/// The loops of `ConvLoopsAVX2` are compiled for the x86-64-v3 level (AVX2, FMA),
/// those of `ConvLoopsAVX512` for x86-64-v4 (AVX-512); ConvKernels calls each
/// only on processors that have it (`_SystemShims`).
#if arch(x86_64)
  let x86_64_v3: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3"])]
  let x86_64_v4: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v4", "-Xcc", "-mprefer-vector-width=512"])]
#else
  let x86_64_v3: [SwiftSetting] = []
  let x86_64_v4: [SwiftSetting] = []
#endif

let package = Package(
  name: "convpipe",
  products: [
    .executable(name: "convpipe", targets: ["convpipe"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // MARK: - C libraries
    .systemLibrary(
      name: "CPNG",
      pkgConfig: "libpng",
      providers: [.apt(["libpng-dev"])]
    ),
    .systemLibrary(
      name: "CHDF5",
      pkgConfig: "hdf5-serial",
      providers: [.apt(["libhdf5-dev"])]
    ),
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),
    .systemLibrary(name: "COneDNN", providers: [.apt(["libdnnl-dev"])]),
    .systemLibrary(
      name: "CCrypto",
      pkgConfig: "libcrypto",
      providers: [.apt(["libssl-dev"])]
    ),
    .target(
      name: "_PNGShims",
      dependencies: ["CPNG"]
    ),
    .target(
      name: "_HDF5Shims",
      dependencies: ["CHDF5"]
    ),
    .target(name: "_SystemShims"),
    .target(name: "_KernelShims"),

    // MARK: - Vector loops, compiled by each caller for its instruction set
    .target(name: "ConvLoops"),
    .target(name: "ConvLoopsAVX2", dependencies: ["ConvLoops"], swiftSettings: optimizedInDebug + x86_64_v3),
    .target(name: "ConvLoopsAVX512", dependencies: ["ConvLoops"], swiftSettings: optimizedInDebug + x86_64_v4),

    // MARK: - Core: tensors, parameters, shape arithmetic, plans and index ops; knows nothing of files
    .target(name: "ConvCore", swiftSettings: optimizedInDebug),

    // MARK: - Kernels: the convolutions computed, through BLAS or the vector loops, on every core
    .target(
      name: "ConvKernels",
      dependencies: [
        "ConvCore", "COpenBLAS", "COneDNN", "_SystemShims", "_KernelShims", "ConvLoops", "ConvLoopsAVX2", "ConvLoopsAVX512",
      ],
      swiftSettings: optimizedInDebug
    ),

    // MARK: - The frameworks' convolution calls, lowered onto the core's operations
    .target(name: "FrameworkCalls", dependencies: ["ConvCore"]),

    // MARK: - Verification checks over the core's operators
    .target(name: "ConvChecks", dependencies: ["ConvCore", "ConvKernels"]),

    // MARK: - I/O beside the core
    .target(name: "PNGIO", dependencies: ["ConvCore", "CPNG", "_PNGShims"]),
    .target(name: "HDF5IO", dependencies: ["ConvCore", "CHDF5", "_HDF5Shims", "_SystemShims"]),

    // MARK: - A JSON reader that remembers where each value stood
    .target(name: "PositionedJSON"),

    // MARK: - Job format and executor on top
    .target(
      name: "ConvJob",
      dependencies: [
        "ConvCore", "ConvKernels", "ConvChecks", "FrameworkCalls", "PNGIO", "HDF5IO", "CCrypto", "PositionedJSON",
        "_SystemShims",
      ]),

    // MARK: - Pictures: the HTML report over output files, explain's SVG pictures of the arithmetic
    .target(name: "ConvReport", dependencies: ["ConvCore", "ConvJob", "FrameworkCalls", "HDF5IO", "PNGIO"]),

    // MARK: - The command last
    .target(
      name: "ConvPipeCommand",
      dependencies: [
        "ConvJob", "ConvKernels", "ConvReport", "FrameworkCalls", "PositionedJSON",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "convpipe", dependencies: ["ConvPipeCommand", "_SystemShims"],
      // The Swift runtime and Foundation linked in (as `swift build --static-swift-stdlib`
      // does, with the static Foundation's own libraries named): the binary starts
      // 4-5 ms sooner (14 shared Swift libraries fewer to load and relocate) and runs
      // on machines with only Debian's C libraries, such as cluster nodes.
      // lld, because GNU ld warns at every link about a mktemp in the static Foundation.
      linkerSettings: [
        .unsafeFlags([
          "-static-stdlib", "-use-ld=lld", "-Xlinker", "--start-group", "-lFoundation",
          "-lFoundationInternationalization", "-lFoundationEssentials", "-lCoreFoundation", "-l_FoundationICU",
          "-l_FoundationCShims", "-l_FoundationCollections", "-lswiftSynchronization", "-Xlinker", "--end-group",
        ])
      ]),

    // MARK: - Tests
    .target(name: "TestScratch", path: "Tests/TestScratch"),
    .target(name: "TestSupport", dependencies: ["ConvCore", "HDF5IO", "TestScratch"], path: "Tests/TestSupport"),
    .testTarget(
      name: "ConvCoreTests", dependencies: ["ConvCore", "ConvKernels", "TestSupport"], swiftSettings: optimizedInDebug),
    .testTarget(
      name: "ConvKernelsTests", dependencies: ["ConvCore", "ConvKernels", "TestSupport"],
      swiftSettings: optimizedInDebug),
    .testTarget(name: "ConvChecksTests", dependencies: ["ConvChecks"]),
    .testTarget(name: "PNGIOTests", dependencies: ["PNGIO", "TestScratch"], resources: [.copy("Fixtures")]),
    .testTarget(name: "HDF5IOTests", dependencies: ["HDF5IO", "TestScratch"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "ConvJobTests", dependencies: ["ConvJob", "ConvChecks", "ConvKernels", "FrameworkCalls", "TestSupport"],
      exclude: ["seeded_random_reference.py"]),
    .testTarget(name: "PositionedJSONTests", dependencies: ["PositionedJSON"]),
    .testTarget(
      name: "ConvReportTests",
      dependencies: ["ConvReport", "ConvCore", "ConvJob", "FrameworkCalls", "PNGIO", "HDF5IO", "TestSupport"]),
    .testTarget(
      name: "EndToEndTests",
      dependencies: [
        "ConvJob", "ConvChecks", "ConvKernels", "ConvReport", "FrameworkCalls", "HDF5IO", "PNGIO", "PositionedJSON",
        "TestSupport",
      ]),
  ],
  swiftLanguageModes: [.v6]
)
