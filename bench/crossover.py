#!/usr/bin/env python3
"""Measures the rule that picks convpipe's own lowering per layer (products:
im2col and OpenBLAS; taps: the vector loops) at every vector level the
processor has: per layer of bench/crossover.json, the time of each way with
`convpipe bench --engine own --lowering products|taps`, the way that won and
the way the rule (`--lowering automatic`) takes, in float32 and float64.

Usage: python3 bench/crossover.py [--convpipe .build/release/convpipe] [--threads 2] [--levels avx512,avx2]"""
import argparse, json, os, subprocess

from machine import describe

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("--convpipe", default=os.path.join(here, "..", ".build", "release", "convpipe"))
parser.add_argument("--layers", default=os.path.join(here, "crossover.json"))
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--levels", default="avx512,avx2")
args = parser.parse_args()


def bench(level, dtype, lowering):
    command = [args.convpipe, "bench", args.layers, "--json", "--engine", "own", "--threads", str(args.threads),
               "--dtype", dtype, "--lowering", lowering]
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            env=dict(os.environ, CONVPIPE_VECTOR_LEVEL=level)).stdout
    return {row["name"]: row["seconds"] for row in json.loads(output)["layers"]}


print(describe(args.convpipe))
for level in args.levels.split(","):
    for dtype in ("float32", "float64"):
        times = {way: bench(level, dtype, way) for way in ("products", "taps", "automatic")}
        print(f"\n{level} {dtype}: {'layer':18s} {'products ms':>12s} {'taps ms':>9s} {'faster':>9s} {'rule':>9s} {'rule cost':>9s}")
        wrong = 0
        for name, products in times["products"].items():
            taps, rule = times["taps"][name], times["automatic"][name]
            faster = "products" if products < taps else "taps"
            took = "products" if abs(rule - products) < abs(rule - taps) else "taps"
            cost = rule / min(products, taps)
            wrong += took != faster and cost > 1.1
            print(f"{' ' * len(level + dtype)}  {name:18s} {products * 1e3:12.3f} {taps * 1e3:9.3f} {faster:>9s} {took:>9s} {cost:9.2f}")
        print(f"{level} {dtype}: the rule costs more than 10% on {wrong} of {len(times['products'])} layers")
