#!/usr/bin/env python3
"""Where the time of a dataset run goes: `perf record` of `convpipe run` on the
generated dataset of dataset_throughput.py, its samples grouped by what they do.

Groups, by the shared object and symbol of each sample:
  kernels    convolution loops and products (ConvLoops*, ConvKernels, ConvCore, OpenBLAS, oneDNN, OpenMP)
  png        decoding (PNGIO, libpng, zlib)
  hdf5       writing the output's structure (HDF5IO, libhdf5; the elements go by raw writes, under os)
  sha256     content hashes (libcrypto)
  os         the Linux kernel (page faults, file reads and writes, scheduling)
  runtime    allocation, copies and the Swift runtime (libc, libswiftCore)
  other      everything else (job planning, the command line, dynamic loading)

Needs Linux `perf` (Debian's linux-perf). Usage:
  bench/run_profile.py [--convpipe .build/release/convpipe] [--count 300] [--threads 1]
"""
import argparse, os, re, subprocess, tempfile
from dataset_throughput import make_dataset
from machine import describe

def module(sym):
    """The Swift module a mangled symbol (`$s<length><name>...`) belongs to, or ''."""
    match = re.match(r"\$s(\d+)", sym)
    return sym[match.end():match.end() + int(match.group(1))] if match else ""

GROUPS = [
    ("kernels", lambda dso, sym: module(sym) in ("ConvLoops", "ConvLoopsAVX2", "ConvLoopsAVX512", "ConvKernels", "ConvCore")
     or any(library in dso for library in ("openblas", "libdnnl", "libgomp"))),
    ("png", lambda dso, sym: module(sym) == "PNGIO" or "libpng" in dso or "libz" in dso),
    ("hdf5", lambda dso, sym: module(sym) == "HDF5IO" or "hdf5" in dso),
    ("sha256", lambda dso, sym: "libcrypto" in dso),
    ("os", lambda dso, sym: "kernel" in dso),
    ("runtime", lambda dso, sym: dso.startswith("libc.") or "libswiftCore" in dso),
]

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--convpipe", default=".build/release/convpipe")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--work", default="/tmp/convpipe-dataset")
    args = parser.parse_args()
    directory = os.path.join(args.work, f"{args.count}x256")
    make_dataset(directory, args.count)
    output = os.path.join(directory, "out.h5")
    if os.path.exists(output):
        os.remove(output)
    with tempfile.TemporaryDirectory() as scratch:
        data = os.path.join(scratch, "perf.data")
        subprocess.run(["perf", "record", "-q", "-o", data, os.path.abspath(args.convpipe), "run",
                        os.path.join(directory, "job.json"), "--threads", str(args.threads), "--quiet"], check=True)
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio", "--sort", "dso,sym",
                                 "--percent-limit", "0"], capture_output=True, text=True, check=True).stdout
    totals = {name: 0.0 for name, _ in GROUPS}
    totals["other"] = 0.0
    for line in report.splitlines():
        fields = line.split()
        if len(fields) < 4 or not fields[0].endswith("%") or line.lstrip().startswith("#"):
            continue
        percent, dso, sym = float(fields[0][:-1]), fields[1], " ".join(fields[3:])
        group = next((name for name, test in GROUPS if test(dso, sym)), "other")
        totals[group] += percent
    print(describe(args.convpipe))
    print(f"convpipe run, {args.count} RGB 256x256 PNGs, {args.threads} thread(s): share of samples")
    for name, share in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {name:8s} {share:5.1f}%")

if __name__ == "__main__":
    main()
