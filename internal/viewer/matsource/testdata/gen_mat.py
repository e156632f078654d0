"""Writes a tiny fixationmovie_data.mat-like HDF5 file (h5py order, as MATLAB
v7.3 stores it: images (N, Nx, Ny), fixations (blocks, frames, 3)) for the
matsource tests. Run from this folder: /usr/bin/python3 gen_mat.py"""
import h5py
import numpy as np

ROWS, COLS = 40, 50  # image rows (y) and columns (x)

def images(n, first):
    out = np.zeros((n, COLS, ROWS), np.uint8)  # [k, x, y]
    for k in range(n):
        idx = first + k
        for x in range(COLS):
            for y in range(ROWS):
                out[k, x, y] = (y * 3 + x * 5 + 50 * idx) % 256
    return out

with h5py.File("fixationmovie_data.mat", "w") as f:
    f.create_dataset("runningImages", data=images(2, 1), chunks=(1, COLS, ROWS), compression="gzip")
    f.create_dataset("frozenImages", data=images(1, 1))
    run = np.zeros((3, 4, 3))
    for b in range(3):
        for t in range(4):
            run[b, t] = [1 + (b + t) % 2, 380 + 10 * t + b, 290 + 5 * t]
    f.create_dataset("runningfixations", data=run)
    froz = np.array([[1, 400 + t, 300 - t] for t in range(5)], float)
    f.create_dataset("frozenfixations", data=froz)
    for name in f:
        f[name].attrs["MATLAB_class"] = np.bytes_("uint8" if "Images" in name else "double")
