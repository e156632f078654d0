#!/usr/bin/env python3
"""Fixture for TestReadSlabsDecodesOnce: a uint8 image stack whose deflated
chunks span several images and part of each image (as MATLAB chunks images),
with partial edge chunks. Values: (k*31 + i*7 + j*3) % 251.

Run from the repository root:  /usr/bin/python3 hdf5/testdata/gen_slabs.py
"""
import os
import h5py, numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unit")
k, i, j = np.meshgrid(np.arange(7), np.arange(12), np.arange(30), indexing="ij")
data = ((k * 31 + i * 7 + j * 3) % 251).astype("u1")
with h5py.File(os.path.join(OUT, "multi_image_chunks.h5"), "w", libver="earliest") as f:
    f.create_dataset("images", data=data, chunks=(4, 5, 10), compression="gzip", compression_opts=3)
