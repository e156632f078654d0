#!/usr/bin/env python3
"""Generate small, deliberately broken Karamanlis-layout sessions for the
karamanlis package's error tests (numpy 1.24, h5py 3.7).

Run from this folder:  /usr/bin/python3 gen_bad.py
Writes bad/<case>/fixationmovie_data.mat (MATLAB v7.3 layout: 512-byte user
block with the MATLAB header, MATLAB_class attributes, h5py order = MATLAB
order reversed). Each case changes one thing of a valid base session:
images 24 rows x 32 columns (h5py (N, Nxim=32, Nyim=24)), 3 running and
2 frozen images, 2 blocks x 6 frames, 5 test frames, 2 trials, 3 cells.
"""
import os
import shutil

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "bad")

HEADER = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Nov 23 12:00:00 2026 HDF5 schema 1.00 ."


def base():
    rng = np.random.default_rng(7)
    d = {}
    d["runningImages"] = rng.integers(0, 256, size=(3, 32, 24), dtype=np.uint8)
    d["frozenImages"] = rng.integers(0, 256, size=(2, 32, 24), dtype=np.uint8)
    rf = np.zeros((2, 6, 3))
    rf[:, :, 0] = rng.integers(1, 4, size=(2, 6))
    rf[:, :, 1] = 400 + rng.integers(-5, 6, size=(2, 6))
    rf[:, :, 2] = 300 + rng.integers(-5, 6, size=(2, 6))
    d["runningfixations"] = rf
    ff = np.zeros((5, 3))
    ff[:, 0] = rng.integers(1, 3, size=5)
    ff[:, 1] = 400 + rng.integers(-5, 6, size=5)
    ff[:, 2] = 300 + rng.integers(-5, 6, size=5)
    d["frozenfixations"] = ff
    d["runningbin"] = rng.poisson(2.0, size=(2, 6, 3)).astype(np.float64)
    d["frozenbin"] = rng.poisson(2.0, size=(2, 5, 3)).astype(np.float64)
    return d


def write(case, d):
    folder = os.path.join(OUT, case)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "fixationmovie_data.mat")
    with h5py.File(path, "w", userblock_size=512, libver="earliest") as f:
        for k, v in d.items():
            v = np.asarray(v)
            ds = f.create_dataset(k, data=v, compression="gzip" if v.size > 16 else None)
            ds.attrs["MATLAB_class"] = np.bytes_("uint8" if v.dtype == np.uint8 else "double")
    with open(path, "r+b") as fh:
        fh.write(HEADER.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02IM")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    write("ok", base())

    d = base(); d["runningfixations"][1, 2, 0] = 0          # block 2, frame 3: image 0
    write("zero_index", d)
    d = base(); d["frozenfixations"][3, 0] = 3              # frame 4: image 3 of 2
    write("index_too_big", d)
    d = base(); d["runningfixations"][0, 4, 1] = 400.5      # block 1, frame 5: x = 400.5
    write("nonint", d)
    d = base(); d["frozenfixations"][2, 2] = np.nan         # frame 3: y = NaN
    write("nan_fixation", d)
    d = base(); del d["frozenImages"]
    write("missing_frozenimages", d)
    d = base(); d["runningfixations"] = d["runningfixations"].reshape(12, 3)
    write("rank_fixations", d)
    d = base(); d["runningfixations"] = np.concatenate([d["runningfixations"], np.ones((2, 6, 1))], axis=2)
    write("fixation_columns", d)
    d = base(); d["runningbin"] = np.ones((3, 6, 3))
    write("blocks_mismatch", d)
    d = base(); d["runningbin"] = np.ones((2, 7, 3))
    write("frames_mismatch", d)
    d = base(); d["frozenbin"] = np.ones((2, 6, 3))
    write("test_frames_mismatch", d)
    d = base(); d["frozenbin"] = np.ones((2, 5, 4))
    write("cells_mismatch", d)
    d = base(); d["runningbin"][0, 1, 2] = np.nan; d["frozenbin"][1, 4, 0] = np.nan
    write("nan_spikes", d)
    d = base(); d["frozenfixations"][1] = [1, 2000, 300]   # frame 2: image entirely right of the screen
    write("offscreen", d)
    d = base(); d["runningImages"] = d["runningImages"].astype(np.float64)
    write("float_images", d)
    d = base()
    write("responses_only", {"runningbin": d["runningbin"], "frozenbin": d["frozenbin"]})
    d = base(); d["runningbin"] = d["runningbin"].reshape(12, 3)
    write("rank_bins", d)

    # A MATLAB v5 file (not HDF5): header only.
    folder = os.path.join(OUT, "v5_mat")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "fixationmovie_data.mat"), "wb") as fh:
        fh.write(b"MATLAB 5.0 MAT-file, Platform: GLNXA64".ljust(116, b" ") + b"\x00" * 8 + b"\x00\x01IM")


if __name__ == "__main__":
    main()
