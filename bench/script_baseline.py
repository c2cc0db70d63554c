#!/usr/bin/env python3
"""The script a user would write instead of a convpipe job, for bench/vs_python.py:
every PNG of a folder through conv2d (16 filters 5x5, stride 2, padding 2) and
conv_transpose2d back to the image's size, both results kept, one h5py group per
image. Pillow decodes, PyTorch computes (with THREADS threads), h5py writes.

  python3 bench/script_baseline.py IMAGES_DIR WEIGHTS.h5 OUT.h5 THREADS
"""
import glob, os, sys

import h5py
import numpy as np
import torch
from PIL import Image

images, weights, output, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
torch.set_num_threads(threads)
with h5py.File(weights, "r") as f:
    w = torch.from_numpy(f["w"][:])
with h5py.File(output, "w") as out, torch.no_grad():
    for path in sorted(glob.glob(os.path.join(images, "*.png"))):
        pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255
        x = torch.from_numpy(pixels).permute(2, 0, 1)[None]
        features = torch.nn.functional.conv2d(x, w, stride=2, padding=2)
        back = torch.nn.functional.conv_transpose2d(features, w, stride=2, padding=2, output_padding=1)
        group = out.create_group(os.path.splitext(os.path.basename(path))[0])
        group["features"] = features.numpy()
        group["back"] = back.numpy()
