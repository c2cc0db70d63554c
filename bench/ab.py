#!/usr/bin/env python3
"""Interleaved A/B timing of two convpipe binaries on a layers file.

Runs `A bench LAYERS --json` and `B bench LAYERS --json` alternately for
--rounds rounds (A first in odd rounds, B first in even ones), and prints, per
layer, each binary's best and median seconds per call and the ratio of medians
(A / B: above 1 means B is faster). The machine's load moves both alike when
they alternate, which two separate runs cannot promise.

  python3 bench/ab.py --a /path/to/old/convpipe --b .build/release/convpipe --rounds 5 --threads 2
"""
import argparse
import json
import statistics
import subprocess

from machine import describe


def run(binary, layers, threads):
    command = [binary, "bench", layers, "--json"] + (["--threads", str(threads)] if threads else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return {layer["name"]: layer["seconds"] for layer in json.loads(output)["layers"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("layers", nargs="?", default="bench/layers.json")
    parser.add_argument("--a", required=True, help="the first binary (the baseline)")
    parser.add_argument("--b", required=True, help="the second binary")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    times = {"a": {}, "b": {}}
    for round_number in range(args.rounds):
        order = ("a", "b") if round_number % 2 == 0 else ("b", "a")
        for side in order:
            for name, seconds in run(getattr(args, side), args.layers, args.threads).items():
                times[side].setdefault(name, []).append(seconds)
    print(f"A: {describe(args.a)}\nB: {describe(args.b)}")
    print(f"{'layer':22} {'A best ms':>10} {'A median':>10} {'B best ms':>10} {'B median':>10} {'A/B':>6}")
    ratios = []
    for name in times["a"]:
        a, b = times["a"][name], times["b"].get(name, [])
        if not b:
            continue
        ratio = statistics.median(a) / statistics.median(b)
        ratios.append(ratio)
        print(f"{name:22} {min(a) * 1e3:10.3f} {statistics.median(a) * 1e3:10.3f} "
              f"{min(b) * 1e3:10.3f} {statistics.median(b) * 1e3:10.3f} {ratio:6.2f}")
    print(f"geometric mean of A/B: {statistics.geometric_mean(ratios):.3f} over {len(ratios)} layers, {args.rounds} rounds")


if __name__ == "__main__":
    main()
