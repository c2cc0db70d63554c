#!/usr/bin/env python3
"""Times every layer of a layers file with convpipe and with PyTorch on this machine,
alternately (convpipe, torch, convpipe, torch, ...), and prints per layer the best
median of each engine and their ratio, PyTorch time / convpipe time, then the
median over rounds of each round's ratio (the two runs of a round are seconds
apart, so a slow spell of a shared host, seen here lasting minutes and costing
up to 30%, tends to fall on both), and the geometric means of both ratios.

With --hold-avx2 both sides are held to AVX2, standing in for the AVX2-only
processors users also have: convpipe with CONVPIPE_VECTOR_LEVEL=avx2 (its loops and
OpenBLAS's Haswell kernel), PyTorch with ATEN_CPU_CAPABILITY=avx2 and
ONEDNN_MAX_CPU_ISA=AVX2. Every table starts with the machine as both engines see it.

Usage: python3 bench/compare.py [bench/layers.json] [--rounds 3] [--threads 2] [--gemm 4096] [--hold-avx2]
Build first: swift build -c release. Needs torch (pip install torch); the tests never do."""
import argparse, json, math, os, statistics, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("layers", nargs="?", default=os.path.join(here, "layers.json"))
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--gemm", type=int, default=0, help="also time OpenBLAS sgemm on a square product of this size")
parser.add_argument("--convpipe", default=os.path.join(here, "..", ".build", "release", "convpipe"))
parser.add_argument("--hold-avx2", action="store_true", help="hold both engines to AVX2")
parser.add_argument("--engine", default="automatic", help="convpipe bench --engine: automatic, own or onednn")
args = parser.parse_args()

held = {"CONVPIPE_VECTOR_LEVEL": "avx2", "ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"} if args.hold_avx2 else {}
environment = dict(os.environ, **held)

def run(command):
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True, env=environment).stdout)

threads = ["--threads", str(args.threads)]
convpipe, torch = {}, {}
sgemm = None
for round in range(args.rounds):
    result = run([args.convpipe, "bench", args.layers, *threads, "--engine", args.engine, "--json"] + (["--gemm", str(args.gemm)] if args.gemm and round == 0 else []))
    sgemm = result.get("sgemm") or sgemm
    machine = result["machine"]
    for row in result["layers"]: convpipe.setdefault(row["name"], []).append(row)
    reference = run([sys.executable, os.path.join(here, "torch_reference.py"), args.layers, *threads, "--json"])
    for row in reference["layers"]: torch.setdefault(row["name"], []).append(row)

processor, blas = machine["processor"], machine["blas"]
print(f"processor: {processor['name']} (family {processor['family']}, model {processor['model']}, {processor['vector_level']})"
      + (" -- both engines held to AVX2" if args.hold_avx2 else ""))
print(f"{result['engine']}: vector loops {machine['vector_level']}; {blas['library']} {blas['core']} kernel"
      f" ({blas['core_vector_level']}, chosen by {blas['core_chosen_by']});"
      f" {machine['onednn']['library']} ({machine['onednn']['instruction_set']}, engine {machine['onednn']['engine']})")
print(f"{reference['engine']}: ATen capability {reference['machine']['capability']}, oneDNN ISA limit"
      f" {reference['machine']['onednn_max_isa']}, oneDNN {'on' if reference['machine']['mkldnn'] else 'off'}")

def geomean(values): return math.exp(sum(map(math.log, values)) / len(values))

# Each engine's best round (the median call of its least disturbed run), and the rounds' median ratio.
print(f"{'layer':22s} {'convpipe ms':>12s} {'GFLOP/s':>8s} {'pytorch ms':>12s} {'GFLOP/s':>8s} {'best/best':>10s} {'by round':>9s}")
best, paired = [], []
for name, rows in convpipe.items():
    ours, theirs = min(rows, key=lambda r: r["seconds"]), min(torch[name], key=lambda r: r["seconds"])
    best.append(theirs["seconds"] / ours["seconds"])
    paired.append(statistics.median(t["seconds"] / c["seconds"] for c, t in zip(rows, torch[name])))
    print(f"{name:22s} {ours['seconds']*1e3:12.3f} {ours['gflops']:8.1f} {theirs['seconds']*1e3:12.3f} {theirs['gflops']:8.1f}"
          f" {best[-1]:10.2f} {paired[-1]:9.2f}")
print(f"torch/convpipe over {len(best)} layers, {args.rounds} alternating rounds, {args.threads} threads each: geometric mean"
      f" {geomean(best):.2f} best/best (lowest {min(best):.2f}), {geomean(paired):.2f} by round (lowest {min(paired):.2f})")
if sgemm: print(f"{blas['library']} sgemm ({blas['core']} kernel) {sgemm['name']}: {sgemm['gflops']:.1f} GFLOP/s")
