#!/usr/bin/python3
"""Chunk shapes that real h5py picks automatically (guess_chunk), for
synth's TestH5pyChunk. Run from synth/testdata:

    /usr/bin/python3 gen_h5py_chunks.py > h5py_chunks.json

For every case, h5py creates a dataset with compression="gzip" and no chunk
shape in an in-memory file; the chunk shape it chose is recorded (that is
what a user re-saving a session with h5py gets), together with the
dataset's shape and element size.
"""
import json
import random

import h5py
import numpy as np

DTYPES = {1: "u1", 2: "<u2", 4: "<f4", 8: "<f8"}

cases = [
    # session shapes (h5py order): mouse, marmoset, medium, tiny
    ((150, 1532, 1024), 1), ((25, 1532, 1024), 1), ((10, 1532, 1024), 1), ((4, 1532, 1024), 1),
    ((3, 860, 640), 1), ((2, 860, 640), 1),
    ((40, 375, 250), 8), ((40, 1875, 250), 8), ((30, 3400, 200), 8), ((30, 1870, 200), 8),
    ((40, 375, 3), 8), ((1875, 3), 8), ((30, 3400, 3), 8), ((4, 375, 50), 8), ((10, 375, 50), 8),
    # the MATLAB examples and small arrays
    ((2001, 125), 8), ((175, 601), 8), ((3, 28631), 8), ((128, 128), 8), ((256, 271), 4),
    ((1,), 8), ((7,), 1), ((1, 1, 1), 8), ((100000,), 8), ((3000000,), 1), ((1024, 1024), 4),
    ((600, 800), 4), ((16875, 60, 80), 4),
]
rng = random.Random(13)
for _ in range(60):
    rank = rng.randint(1, 4)
    shape = tuple(rng.choice([1, 2, 3, 5, 17, 64, 100, 255, 1000, 4097, 30000][: 11 - rank * 2]) * rng.randint(1, 3)
                  for _ in range(rank))
    cases.append((shape, rng.choice([1, 2, 4, 8])))

out = []
with h5py.File("mem.h5", "w", driver="core", backing_store=False) as f:
    for i, (shape, size) in enumerate(cases):
        d = f.create_dataset("d%d" % i, shape=shape, dtype=DTYPES[size], compression="gzip")
        out.append({"shape": list(shape), "elem_size": size, "chunk": list(d.chunks),
                    "compression_opts": d.compression_opts})
print(json.dumps({"h5py": h5py.version.version, "numpy": np.__version__, "cases": out}, indent=1))
