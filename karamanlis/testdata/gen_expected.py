#!/usr/bin/env python3
"""Independent references for the karamanlis tests (numpy 1.24, h5py 3.7).

Run from this folder after gen_bad.py:  /usr/bin/python3 gen_expected.py

1. bad/openretina_cache/: a copy of bad/ok plus an openretina-made cache
   fixationmovie_data_extracted_stimuli_60_80.npz written the way openretina
   writes it (np.savez_compressed, keys train_data and test_data, no
   retinaio provenance). Its content is a recognisable ramp, not the real
   movie, so a test can tell that the cache, not the .mat, was used.
2. inspect_expected.json: per golden session, how many training and test
   frames openretina's get_ranges (a verbatim copy of its Python) and MATLAB's
   returnFixMovie.m place differently, and how many are off screen.
"""
import json
import os
import shutil

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "..", "testdata", "golden", "sessions")


def get_ranges(tr_x, tr_y, Nxs, Nys, Nx, Ny, rx, ry):
    # openretina/data_io/karamanlis_2024/stimuli.py, verbatim.
    ymin = max((Nys // 2) - tr_y, 0)
    ymax = min(Ny + (Nys // 2) - tr_y, Nys)
    xmin = max((Nxs // 2) - tr_x, 0)
    xmax = min(Nx + (Nxs // 2) - tr_x, Nxs)
    rx_use = (rx >= xmin) & (rx <= xmax)
    ry_use = (ry >= ymin) & (ry <= ymax)
    x_or = tr_x - (Nxs // 2) + rx[rx_use] - 1
    y_or = tr_y - (Nys // 2) + ry[ry_use] - 1
    xmin = np.where(rx_use)[0][0]
    xmax = np.where(rx_use)[0][-1]
    ymin = np.where(ry_use)[0][0]
    ymax = np.where(ry_use)[0][-1]
    return xmin, xmax, ymin, ymax, x_or, y_or


def matlab_ranges(tr_x, tr_y, Nxs, Nys, Nx, Ny):
    # returnFixMovie.m: screen column c (1-based) shows image column
    # c + tr_x - Nxs/2 when that lies in 1..Nx; same for rows.
    cols = [c - 1 for c in range(1, Nxs + 1) if 1 <= c + tr_x - Nxs // 2 <= Nx]
    rows = [r - 1 for r in range(1, Nys + 1) if 1 <= r + tr_y - Nys // 2 <= Ny]
    if not cols or not rows:
        return None
    return cols[0], cols[-1], rows[0], rows[-1]


def compare(fix, Nx, Ny):
    differ = off = 0
    for k, x, y in fix:
        x, y = int(x), int(y)
        try:
            o = get_ranges(x, y, 800, 600, Nx, Ny, np.arange(1, 801), np.arange(1, 601))[:4]
        except IndexError:
            off += 1
            continue
        m = matlab_ranges(x, y, 800, 600, Nx, Ny)
        if m is None or tuple(int(v) for v in o) != m:
            differ += 1
    return differ, off


def inspect_expected():
    out = {}
    for entry in sorted(os.listdir(GOLDEN)):
        p = os.path.join(GOLDEN, entry)
        if entry.endswith(".zip"):
            import zipfile
            with zipfile.ZipFile(p) as z:
                name = [n for n in z.namelist() if n.endswith("fixationmovie_data.mat")][0]
                tmp = os.path.join(HERE, "_tmp.mat")
                with open(tmp, "wb") as fh:
                    fh.write(z.read(name))
            mat, key = tmp, entry[:-4]
        else:
            mat, key = os.path.join(p, "fixationmovie_data.mat"), entry
        with h5py.File(mat, "r") as f:
            _, Nx, Ny = f["runningImages"].shape
            rf = f["runningfixations"][()].reshape(-1, 3)
            ff = f["frozenfixations"][()]
        tr, off1 = compare(rf, Nx, Ny)
        te, off2 = compare(ff, Nx, Ny)
        out[key] = {"train_frames_differ": tr, "test_frames_differ": te, "off_screen_frames": off1 + off2,
                    "train_frames": int(rf.shape[0]), "test_frames": int(ff.shape[0])}
        if mat.endswith("_tmp.mat"):
            os.remove(mat)
    with open(os.path.join(HERE, "inspect_expected.json"), "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)
        fh.write("\n")


def openretina_cache():
    src = os.path.join(HERE, "bad", "ok")
    dst = os.path.join(HERE, "bad", "openretina_cache")
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    with h5py.File(os.path.join(dst, "fixationmovie_data.mat"), "r") as f:
        T = f["runningfixations"].shape[0] * f["runningfixations"].shape[1]
        Tf = f["frozenfixations"].shape[0]
    train = (np.arange(T * 60 * 80, dtype=np.float32) % 251).reshape(1, T, 60, 80)
    test = (np.arange(Tf * 60 * 80, dtype=np.float32) % 241).reshape(1, Tf, 60, 80)
    np.savez_compressed(os.path.join(dst, "fixationmovie_data_extracted_stimuli_60_80.npz"),
                        train_data=train, test_data=test)


if __name__ == "__main__":
    inspect_expected()
    openretina_cache()
