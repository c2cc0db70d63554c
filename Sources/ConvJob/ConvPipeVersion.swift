/// The version written into output files and printed by `--version`.
package enum ConvPipeVersion {
  package static let current = "0.1.0"
}
