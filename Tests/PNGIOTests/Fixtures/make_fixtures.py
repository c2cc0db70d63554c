#!/usr/bin/env python3
"""Writes the PNGIO test fixtures with pypng (a pure-Python encoder, not libpng)
and expected.json with each file's header fields and its expanded samples.

Expansion rule the tests check against: gray below 8 bits scales to 8 bits
(v * 255 / (2^depth - 1)); a palette becomes its RGB entries, or RGBA entries
when it has a tRNS chunk; a tRNS colour key on gray or RGB is not applied.

Run from anywhere:  pip install pypng && python3 make_fixtures.py
"""
import json
import os
import struct
import zlib

import png

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTH, HEIGHT = 5, 3


def sample(x, y, c, depth, seed):
    """A deterministic sample covering the range; pixel (0, 0) is 0, the last is max."""
    top = 2 ** depth - 1
    if (x, y) == (0, 0):
        return 0
    if (x, y) == (WIDTH - 1, HEIGHT - 1):
        return top
    return (x * 7919 + y * 104729 + c * 15485 + seed * 31) % (top + 1)


def rows_of(width, height, channels, depth, seed):
    return [[sample(x, y, c, depth, seed) for x in range(width) for c in range(channels)]
            for y in range(height)]


def expanded_gray(rows, depth):
    scale = 255 // (2 ** depth - 1) if depth < 8 else 1
    return [v * scale for row in rows for v in row]


def write(name, rows, width, height, **options):
    with open(os.path.join(HERE, name), "wb") as f:
        png.Writer(width, height, **options).write(f, rows)


def direct(name, channels, depth, seed, width=WIDTH, height=HEIGHT, interlace=False):
    """A gray, gray+alpha, RGB or RGBA image; returns its expected.json entry."""
    rows = rows_of(width, height, channels, depth, seed)
    write(name, rows, width, height, greyscale=channels <= 2, alpha=channels in (2, 4),
          bitdepth=depth, interlace=interlace)
    color = {1: "gray", 2: "grayAlpha", 3: "rgb", 4: "rgba"}[channels]
    return entry(name, width, height, depth, color, interlace, False, channels,
                 max(depth, 8), expanded_gray(rows, depth))


def gray_with_colour_key(name, seed):
    rows = rows_of(WIDTH, HEIGHT, 1, 8, seed)
    write(name, rows, WIDTH, HEIGHT, greyscale=True, bitdepth=8, transparent=rows[0][1])
    return entry(name, WIDTH, HEIGHT, 8, "gray", False, True, 1, 8, expanded_gray(rows, 8))


def palette(name, depth, entries):
    """An indexed image; 4-tuple entries give a tRNS chunk."""
    rows = [[(x + y * WIDTH) % len(entries) for x in range(WIDTH)] for y in range(HEIGHT)]
    write(name, rows, WIDTH, HEIGHT, palette=entries, bitdepth=depth)
    channels = len(entries[0])
    samples = [v for row in rows for index in row for v in entries[index]]
    return entry(name, WIDTH, HEIGHT, depth, "palette", False, channels == 4, channels, 8, samples)


def entry(name, width, height, depth, color, interlaced, trns, channels, expanded_depth, samples):
    return {
        "name": name, "width": width, "height": height, "bitDepth": depth,
        "colorType": color, "interlaced": interlaced, "hasTransparency": trns,
        "storedChannels": channels, "expandedBitDepth": expanded_depth, "samples": samples,
    }


def huge_dimensions(name):
    """A hand-built PNG claiming 1,000,000 x 1,000,000 RGBA pixels (valid CRCs,
    within libpng's own width/height limits) that a reader must refuse rather
    than allocate; not listed in expected.json."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    ihdr = struct.pack(">IIBBBBB", 1_000_000, 1_000_000, 8, 6, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + body)


RGB_PALETTE = [(0, 0, 0), (255, 0, 0), (0, 200, 0), (0, 0, 150), (255, 255, 255), (12, 34, 56)]
RGBA_PALETTE = [(255, 0, 0, 0), (0, 255, 0, 128), (0, 0, 255, 255), (10, 20, 30, 40)]

fixtures = [
    direct("gray-1.png", 1, 1, 1),
    direct("gray-2.png", 1, 2, 2),
    direct("gray-4.png", 1, 4, 3),
    direct("gray-8.png", 1, 8, 4),
    direct("gray-16.png", 1, 16, 5),
    direct("gray-alpha-8.png", 2, 8, 6),
    direct("gray-alpha-16.png", 2, 16, 7),
    direct("rgb-8.png", 3, 8, 8),
    direct("rgb-16.png", 3, 16, 9),
    direct("rgba-8.png", 4, 8, 10),
    direct("rgba-16.png", 4, 16, 11),
    gray_with_colour_key("gray-8-trns.png", 12),
    palette("palette-4.png", 4, RGB_PALETTE),
    palette("palette-8-trns.png", 8, RGBA_PALETTE),
    direct("interlaced-rgb-8.png", 3, 8, 13, width=9, height=7, interlace=True),
]

huge_dimensions("huge-dimensions.png")

with open(os.path.join(HERE, "expected.json"), "w") as f:
    f.write('{"fixtures": [\n' + ",\n".join(json.dumps(e) for e in fixtures) + "\n]}\n")
