#!/usr/bin/env python3
"""Reference values for SeededRandomTests.swift, computed independently of the
Swift code from the algorithm documented in SeededRandom.swift:

SplitMix64: state += 0x9E3779B97F4A7C15; z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  output z ^ (z >> 31)   (all modulo 2^64)
uniform = (next >> 11) * 2^-53
normal  = sqrt(-2 ln(1 - u1)) * cos(2 pi u2)   (one normal per pair of uniforms)

Run: python3 Tests/ConvJobTests/seeded_random_reference.py
"""
import math
import struct

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def normal(self):
        u1 = self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def main():
    for seed in (0, 42):
        g = SplitMix64(seed)
        bits = [g.next() for _ in range(4)]
        print(f"seed {seed} next():    " + ", ".join(f"0x{b:016X}" for b in bits))
        g = SplitMix64(seed)
        print(f"seed {seed} uniform(): " + ", ".join(repr(g.uniform()) for _ in range(4)))
        g = SplitMix64(seed)
        normals = [g.normal() for _ in range(4)]
        print(f"seed {seed} normal():  " + ", ".join(repr(v) for v in normals))
        print(f"seed {seed} normal() as float32: " + ", ".join(repr(f32(v)) for v in normals))


if __name__ == "__main__":
    main()
