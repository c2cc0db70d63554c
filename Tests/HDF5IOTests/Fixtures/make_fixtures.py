#!/usr/bin/env python3
"""Writes types.h5, the HDF5IOTests fixture, with h5py the way convpipe's users do.

Run from this directory: python3 make_fixtures.py

Every numeric dataset is named after its NumPy dtype and holds
arange(6).reshape(2, 3) (so values 0...5 are exact in every type), except
`uint64`, whose last element is 2**40 to check wide integers, and the
big-endian ones, named `float64_be` and `int32_be`.
"""
import h5py
import numpy as np

VALUES = np.arange(6).reshape(2, 3)

with h5py.File("types.h5", "w", libver="earliest") as f:
    numbers = f.create_group("numbers")
    for name in ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float32", "float64"]:
        data = VALUES.astype(name)
        if name == "uint64":
            data[1, 2] = 2**40
        numbers.create_dataset(name, data=data)
    numbers.create_dataset("float64_be", data=VALUES.astype(">f8"))
    numbers.create_dataset("int32_be", data=VALUES.astype(">i4"))
    numbers.create_dataset("scalar", data=np.float64(2.5))

    f.create_dataset("text", data="not a number")
    f.create_group("outer/inner/deepest")
    f.create_dataset("outer/inner/values", data=np.array([1.5, -2.5], dtype="f4"))

    attrs = f["numbers/float64"].attrs
    attrs["stage"] = "conv1"                       # variable-length UTF-8 str
    attrs["rtol"] = np.float64(1e-5)
    attrs["atol"] = 1e-7                           # Python float
    attrs["count"] = 42                            # Python int, int64
    attrs["ints"] = np.array([1, -2, 3], dtype="i8")
    attrs["doubles"] = np.array([0.5, 1.5], dtype="f8")
    attrs["fixed"] = np.bytes_("fixed-length")     # fixed-length ASCII string
    attrs["words"] = ["alpha", "beta"]             # array of variable-length str
    attrs["small"] = np.int16(-7)                  # narrow integer
    attrs["single"] = np.float32(0.25)             # narrow float
    f["/"].attrs["title"] = "types fixture"
    f["outer"].attrs["level"] = 1
