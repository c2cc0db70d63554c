#!/usr/bin/env python3
"""What an `--incremental` run costs against a full run, on one dataset job.

Generates COUNT random RGB PNGs of SIZE x SIZE and the job of
bench/dataset_throughput.py with both results kept (conv 16 filters 5x5 stride 2,
conv_transpose back), then, for --rounds rounds: a full run, an incremental run
with nothing changed, and one with one image rewritten (same size, new pixels),
each timed from the command's start to its end with the disk synced before
and --settle seconds (1.5) waited, untimed: convpipe leaves freeing an output
it replaced to a child process, whose discards would otherwise slow the next
run's syncs. Checks that the incremental output equals a fresh full run's byte
for byte and prints seconds and the share of the full run for each.

Usage:
  python3 bench/incremental_cost.py [--convpipe .build/release/convpipe] [--count 1500] [--size 256]
                                    [--threads 2] [--rounds 3] [--work /tmp/convpipe-incremental] [--settle 1.5]
"""
import argparse, filecmp, json, os, random, statistics, subprocess, time

from dataset_throughput import add_dataset_arguments, make_dataset, write_png
from machine import describe


def timed(command, settle):
    os.sync()
    time.sleep(settle)  # untimed: the disk finishes freeing the output the previous run replaced
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}: {result.stderr}")
    return seconds


def main():
    parser = argparse.ArgumentParser()
    add_dataset_arguments(parser, count=1500, work="/tmp/convpipe-incremental")
    parser.add_argument("--settle", type=float, default=1.5,
                        help="seconds to wait, untimed, before each run for the disk to finish the previous one's work")
    args = parser.parse_args()
    convpipe = os.path.abspath(args.convpipe)
    directory = os.path.join(args.work, f"{args.count}x{args.size}")
    make_dataset(directory, args.count, args.size)
    job_path = os.path.join(directory, "job.json")
    with open(job_path) as f:
        job = json.load(f)
    job["outputs"]["tensors"] = ["features", "back"]
    with open(job_path, "w") as f:
        json.dump(job, f)
    time.sleep(2)  # images older than the stat cache's racy window
    print(describe(convpipe))
    run = [convpipe, "run", job_path, "--threads", str(args.threads), "--quiet"]
    out, fresh = os.path.join(directory, "out.h5"), os.path.join(directory, "fresh.h5")
    rng = random.Random(os.urandom(8))  # new pixels every time: the same bytes again would change nothing
    rows = []
    for round in range(args.rounds):
        full = timed(run + ["--output", out], args.settle)
        unchanged = timed(run + ["--output", out, "--incremental"], args.settle)
        image = os.path.join(directory, "images", f"{rng.randrange(args.count):05d}.png")
        write_png(image, args.size, args.size, rng.randbytes(args.size * args.size * 3))
        changed = timed(run + ["--output", out, "--incremental"], args.settle)
        timed(run + ["--output", fresh], args.settle)
        if not filecmp.cmp(out, fresh, shallow=False):
            raise SystemExit("the incremental output differs from a full run's")
        rows.append((full, unchanged, changed))
        print(f"round {round + 1}: full {full:.2f} s, nothing changed {unchanged:.2f} s ({unchanged / full:.0%}), "
              f"one image changed {changed:.2f} s ({changed / full:.0%}); output {os.path.getsize(out) / 1e9:.2f} GB,"
              " equal to a full run's")
    full = statistics.median(r[0] for r in rows)
    print(f"median: full {full:.2f} s, nothing changed {statistics.median(r[1] for r in rows) / full:.0%}, "
          f"one changed {statistics.median(r[2] for r in rows) / full:.0%}")


if __name__ == "__main__":
    main()
