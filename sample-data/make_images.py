#!/usr/bin/env python3
"""Writes the sample input images for the convolution demo with pypng.
Deterministic: the same bytes on every run.

  images/shapes-rgb-32.png   32x32 8-bit RGB: a diagonal colour gradient with a
                             filled square, a ring and a bright vertical bar
  images/stripes-rgb-32.png  32x32 8-bit RGB: stripes of rising frequency over a
                             left-to-right gradient, for edge and blur filters
  gray-64.png                64x64 8-bit gray: radial gradient with a dark cross
                             and a light disc

Run from anywhere:  pip install pypng && python3 make_images.py
"""
import math
import os

import png

HERE = os.path.dirname(os.path.abspath(__file__))


def shapes_rgb(size=32):
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            r, g, b = x * 255 // (size - 1), y * 255 // (size - 1), 255 - (x + y) * 255 // (2 * size - 2)
            if 4 <= x < 14 and 4 <= y < 14:
                r, g, b = 250, 220, 30
            if 5.5 <= math.hypot(x - 22, y - 21) <= 8:
                r, g, b = 20, 20, 20
            if 27 <= x < 29:
                r, g, b = 255, 255, 255
            row += [r, g, b]
        rows.append(row)
    return rows


def stripes_rgb(size=32):
    rows = []
    for y in range(size):
        period = 2 + y // 4
        row = []
        for x in range(size):
            on = (x // period) % 2 == 0
            base = x * 200 // (size - 1)
            row += [base, 255, 255 - base] if on else [base // 2, 30, 60]
        rows.append(row)
    return rows


def gray_disc(size=64):
    rows = []
    centre = (size - 1) / 2
    for y in range(size):
        row = []
        for x in range(size):
            v = int(255 * (1 - math.hypot(x - centre, y - centre) / (centre * math.sqrt(2))))
            if abs(x - y) <= 1 or abs(x + y - (size - 1)) <= 1:
                v = 16
            if math.hypot(x - 44, y - 18) <= 7:
                v = 235
            row.append(v)
        rows.append(row)
    return rows


def write(name, rows, size, greyscale):
    with open(os.path.join(HERE, name), "wb") as f:
        png.Writer(size, size, greyscale=greyscale, bitdepth=8).write(f, rows)


write("images/shapes-rgb-32.png", shapes_rgb(), 32, False)
write("images/stripes-rgb-32.png", stripes_rgb(), 32, False)
write("gray-64.png", gray_disc(), 64, True)
