#!/usr/bin/env python3
"""Images per second and peak memory of `convpipe run` on a generated dataset.

Writes COUNT random RGB PNGs of 256x256 (pure Python: zlib + struct) into a
work directory, a job running each through a conv (16 filters 5x5, stride 2)
and the conv_transpose back to 256x256 (to SIZE+1 for an odd --size), then runs it with each thread count
under /usr/bin/time -v and prints seconds, images/s and the maximum resident
set size. With one thread among --threads, it also prints each other thread
count's speedup and splits the one-thread time T1 into the part the threads
divide, P, and the part they do not, s (Amdahl: Tn = s + P/n, so
P = (T1 - Tn) n / (n - 1) and s = T1 - P), beside what starting and ending the
process alone takes (`convpipe --version`, median of 30) and the largest s
that would still give 1.8x with two threads (P/8).

Usage: bench/dataset_throughput.py [--convpipe .build/release/convpipe]
                                   [--counts 100 1000] [--threads 1 2] [--size 256] [--rounds 1]
                                   [--work /tmp/convpipe-dataset] [--fresh] [--settle 0.5]
The run's images/s is the best of --rounds runs. Each run replaces the last
one's output, as a nightly run does. convpipe leaves freeing the replaced file
to a short-lived child process (on ext4 mounted with `discard` the disk takes
about 150 ms a GB to discard its blocks), so before each timed run the script
syncs and waits --settle seconds (0.5), untimed, for the disk to finish what
the previous run left it. --fresh removes the output first, untimed.
"""
import argparse, json, os, random, re, struct, subprocess, time, zlib
from machine import describe

def write_png(path, width, height, pixels):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + pixels[y * width * 3:(y + 1) * width * 3] for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))

def make_dataset(directory, count, size=256):
    """COUNT random SIZE x SIZE RGB PNGs in DIRECTORY/images and a job over them."""
    images = os.path.join(directory, "images")
    os.makedirs(images, exist_ok=True)
    have = len([n for n in os.listdir(images) if n.endswith(".png")])
    rng = random.Random(count)
    for i in range(have, count):
        write_png(os.path.join(images, f"{i:05d}.png"), size, size, rng.randbytes(size * size * 3))
    job = {
        "convpipe": 1, "name": f"throughput-{count}",
        "inputs": {"image": {"png": "images/*.png"},
                   "w": {"random": {"shape": [16, 3, 5, 5], "seed": 1}, "dtype": "float32"}},
        "stages": [
            {"id": "features", "op": "conv", "input": "image", "weight": "w", "stride": 2, "padding": 2},
            {"id": "back", "op": "conv_transpose", "input": "features", "weight": "w", "stride": 2, "padding": 2, "output_padding": 1}],
        "outputs": {"path": "out.h5", "tensors": ["back"]}}
    with open(os.path.join(directory, "job.json"), "w") as f:
        json.dump(job, f)

def add_dataset_arguments(parser, count, work):
    """The options of a benchmark over one generated dataset: the binary, COUNT
    images of SIZE x SIZE under WORK, the threads each side uses, the rounds."""
    parser.add_argument("--convpipe", default=".build/release/convpipe")
    parser.add_argument("--count", type=int, default=count)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", default=work)

def run(convpipe, directory, threads, fresh=False, settle=0.5):
    if fresh and os.path.exists(os.path.join(directory, "out.h5")):
        os.unlink(os.path.join(directory, "out.h5"))  # untimed: the file system frees it here
    os.sync()
    time.sleep(settle)  # untimed: the disk finishes freeing the output the previous run replaced
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", convpipe, "run", os.path.join(directory, "job.json"),
                             "--threads", str(threads), "--quiet"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    return seconds, rss

def process_start(convpipe, runs=30):
    """Median seconds of `convpipe --version`: loading the binary and its libraries, parsing, exiting."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([convpipe, "--version"], capture_output=True)
        times.append(time.perf_counter() - start)
    return sorted(times)[runs // 2]


def print_scaling(count, seconds_by_threads, start):
    """Each thread count's speedup over one thread, and the part of the run no thread count divides."""
    one = seconds_by_threads.get(1)
    for threads, seconds in seconds_by_threads.items():
        if one is None or threads == 1:
            continue
        divided = (one - seconds) * threads / (threads - 1)
        rest = one - divided
        print(f"{count:>6} images, {threads} threads: {one / seconds:.2f}x one thread; of one thread's "
              f"{one * 1000:.1f} ms, {divided * 1000:.1f} divide among threads and {rest * 1000:.1f} do not "
              f"(process start and exit alone: {start * 1000:.1f} ms; 1.8x with 2 threads needs at most "
              f"{divided / 8 * 1000:.1f})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--convpipe", default=".build/release/convpipe")
    parser.add_argument("--counts", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", default="/tmp/convpipe-dataset")
    parser.add_argument("--fresh", action="store_true",
                        help="remove the previous output before each run, untimed: a run writing a new file, "
                             "without the file system freeing the one it replaces")
    parser.add_argument("--settle", type=float, default=0.5,
                        help="seconds to wait, untimed, before each run for the disk to finish the previous one's work")
    args = parser.parse_args()
    print(describe(args.convpipe))
    start = process_start(args.convpipe)
    print(f"{'images':>6} {'threads':>7} {'seconds':>8} {'images/s':>9} {'max RSS':>10}")
    for count in args.counts:
        directory = os.path.join(args.work, f"{count}x{args.size}")
        make_dataset(directory, count, args.size)
        seconds_by_threads = {}
        for threads in args.threads:
            seconds, rss = min(run(args.convpipe, directory, threads, args.fresh, args.settle) for _ in range(args.rounds))
            seconds_by_threads[threads] = seconds
            print(f"{count:>6} {threads:>7} {seconds:>8.3f} {count / seconds:>9.1f} {rss / 1024:>7.1f} MiB")
        print_scaling(count, seconds_by_threads, start)

if __name__ == "__main__":
    main()
