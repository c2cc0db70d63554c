#!/usr/bin/env python3
"""Measures the rule that picks convpipe's own lowering per layer (products:
im2col and OpenBLAS; taps: the vector loops) at every vector level given, in
float32 and float64: per layer of bench/crossover.json, the best of --rounds
alternating runs of `convpipe bench --engine own --lowering products` and
`--lowering taps`, the way that won, the way the rule takes (the path
`--lowering automatic` reports) and what the rule costs against the faster way.

Usage: python3 bench/crossover.py [--convpipe .build/release/convpipe] [--threads 2] [--rounds 3] [--levels avx512,avx2]"""
import argparse, json, os, subprocess

from machine import describe

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("--convpipe", default=os.path.join(here, "..", ".build", "release", "convpipe"))
parser.add_argument("--layers", default=os.path.join(here, "crossover.json"))
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--levels", default="avx512,avx2")
args = parser.parse_args()


def bench(level, dtype, lowering):
    command = [args.convpipe, "bench", args.layers, "--json", "--engine", "own", "--threads", str(args.threads),
               "--dtype", dtype, "--lowering", lowering]
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            env=dict(os.environ, CONVPIPE_VECTOR_LEVEL=level)).stdout
    return {row["name"]: row for row in json.loads(output)["layers"]}


print(describe(args.convpipe))
for level in args.levels.split(","):
    for dtype in ("float32", "float64"):
        best = {"products": {}, "taps": {}}
        for _ in range(args.rounds):
            for way in best:
                for name, row in bench(level, dtype, way).items():
                    best[way][name] = min(best[way].get(name, float("inf")), row["seconds"])
        rule = {name: row["path"] for name, row in bench(level, dtype, "automatic").items()}
        print(f"\n{level} {dtype}: {'layer':18s} {'products ms':>12s} {'taps ms':>9s} {'faster':>9s} {'rule':>9s} {'rule cost':>9s}")
        costly = 0
        for name, products in best["products"].items():
            taps = best["taps"][name]
            took = "taps" if rule[name].startswith("taps") else "products"
            cost = (products if took == "products" else taps) / min(products, taps)
            costly += cost > 1.1
            print(f"{' ' * len(level + dtype)}  {name:18s} {products * 1e3:12.3f} {taps * 1e3:9.3f}"
                  f" {'products' if products < taps else 'taps':>9s} {took:>9s} {cost:9.2f}")
        print(f"{level} {dtype}: the rule costs more than 10% on {costly} of {len(best['products'])} layers")
