#!/usr/bin/env python3
"""convpipe against the script a user would otherwise write, on one dataset job.

Generates COUNT random RGB PNGs of SIZE x SIZE (bench/dataset_throughput.py's
writer) and a float32 weight [16, 3, 5, 5] in weights.h5; the job runs each
image through a conv (stride 2, padding 2) and the conv_transpose back, keeping
both results (about 1.8 MB per 256x256 image). Then, for --rounds rounds,
alternately, `convpipe run` and bench/script_baseline.py (Pillow, PyTorch,
h5py), both with --threads threads, each from a synced disk (os.sync between
runs, untimed). Checks that both wrote the same numbers (every 50th image, both
tensors, within float32 rounding) and prints images/s of each and the ratio.

Needs torch, h5py, pillow and numpy (the venv of Tests/Fixtures/frameworks/README.md
has them). Usage:
  python3 bench/vs_python.py [--convpipe .build/release/convpipe] [--count 1200] [--size 256]
                             [--threads 2] [--rounds 3] [--work /tmp/convpipe-vs-python]
"""
import argparse, json, os, platform, statistics, subprocess, sys, time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dataset_throughput import add_dataset_arguments, write_png  # noqa: E402
from machine import describe  # noqa: E402


def make(directory, count, size):
    images = os.path.join(directory, "images")
    os.makedirs(images, exist_ok=True)
    have = len([n for n in os.listdir(images) if n.endswith(".png")])
    rng = np.random.default_rng(count)
    for i in range(have, count):
        write_png(os.path.join(images, f"{i:05d}.png"), size, size, rng.integers(0, 256, size * size * 3, dtype=np.uint8).tobytes())
    with h5py.File(os.path.join(directory, "weights.h5"), "w") as f:
        f["w"] = np.random.default_rng(1).standard_normal((16, 3, 5, 5)).astype(np.float32) * 0.1
    job = {
        "convpipe": 1, "name": "vs-python",
        "inputs": {"image": {"png": "images/*.png"}, "w": {"hdf5": "weights.h5", "dataset": "/w"}},
        "stages": [
            {"id": "features", "op": "conv", "input": "image", "weight": "w", "stride": 2, "padding": 2},
            {"id": "back", "op": "conv_transpose", "input": "features", "weight": "w", "stride": 2, "padding": 2,
             "output_padding": 1}],
        "outputs": {"path": "convpipe.h5", "tensors": ["features", "back"]}}
    with open(os.path.join(directory, "job.json"), "w") as f:
        json.dump(job, f)


def timed(command):
    os.sync()
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def same_numbers(directory, count):
    with h5py.File(os.path.join(directory, "convpipe.h5"), "r") as ours, \
         h5py.File(os.path.join(directory, "script.h5"), "r") as theirs:
        for i in range(0, count, 50):
            item = f"{i:05d}"
            for name in ("features", "back"):
                a, b = ours[f"items/{item}/tensors/{name}"][:], theirs[f"{item}/{name}"][:]
                if a.shape != b.shape or not np.allclose(a, b, rtol=1e-4, atol=1e-4):
                    return f"item {item} {name}: max abs difference {np.max(np.abs(a - b)) if a.shape == b.shape else a.shape}"
    return None


def machine(convpipe):
    return f"{describe(convpipe)}; {os.cpu_count()} cores; Python {platform.python_version()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_arguments(parser, count=1200, work="/tmp/convpipe-vs-python")
    args = parser.parse_args()
    directory = os.path.join(args.work, f"{args.count}x{args.size}")
    make(directory, args.count, args.size)
    convpipe = [os.path.abspath(args.convpipe), "run", os.path.join(directory, "job.json"), "--threads", str(args.threads), "--quiet"]
    script = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "script_baseline.py"),
              os.path.join(directory, "images"), os.path.join(directory, "weights.h5"), os.path.join(directory, "script.h5"),
              str(args.threads)]
    print(f"{args.count} images {args.size}x{args.size}, {args.threads} threads each; {machine(args.convpipe)}")
    print(f"{'round':>5} {'convpipe s':>11} {'images/s':>9} {'script s':>9} {'images/s':>9} {'ratio':>6}")
    ratios = []
    for round_number in range(1, args.rounds + 1):
        pair = [("convpipe", convpipe), ("script", script)]
        if round_number % 2 == 0:
            pair.reverse()
        seconds = {name: timed(command) for name, command in pair}
        ratios.append(seconds["script"] / seconds["convpipe"])
        print(f"{round_number:>5} {seconds['convpipe']:>11.2f} {args.count / seconds['convpipe']:>9.1f} "
              f"{seconds['script']:>9.2f} {args.count / seconds['script']:>9.1f} {ratios[-1]:>6.2f}")
        if round_number == 1 and (problem := same_numbers(directory, args.count)):
            sys.exit(f"the two wrote different numbers: {problem}")
    print(f"convpipe / script images/s: median {statistics.median(ratios):.2f} over {args.rounds} rounds (same numbers: yes)")


if __name__ == "__main__":
    main()
