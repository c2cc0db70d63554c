"""The machine a benchmark ran on, as convpipe sees it: processor, vector level
of its loops and OpenBLAS's kernel (the first line of `convpipe bench`). Every
script here prints it above its numbers."""
import subprocess


def describe(convpipe):
    result = subprocess.run([convpipe, "bench"], capture_output=True, text=True)
    return result.stdout.splitlines()[0] if result.returncode == 0 and result.stdout else f"({convpipe} bench failed)"
