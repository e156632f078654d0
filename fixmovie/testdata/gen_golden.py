#!/usr/bin/python3
"""Dump the golden sessions' images and fixations for package fixmovie's tests.

Source: ../../testdata/golden/sessions (synthetic sessions in the real file
layout; see ../../testdata/golden/README.md). Read with h5py, written as
numpy .npz (np.savez_compressed) next to this script, one per session:

  golden_<session>.npz
    runningImages    (Nrun, Nx, Ny) uint8    as in the file (h5py order)
    frozenImages     (Nfroz, Nx, Ny) uint8
    runningfixations (Nblocks, T, 3) float64 as in the file
    frozenfixations  (Tf, 3) float64

To keep the fixtures small, pixels that no frame of either semantics can show
are set to 0: everything outside the union over frames of image columns
x-W/2-1 .. x+W/2-1 and rows y-H/2-1 .. y+H/2-1 (0-based, one extra for the
openretina port's extra column/row) except the last column and the last row,
which the port's index -1 wrap can show. Zeroing them cannot change any
rendered frame (a renderer that reads them would fail the parity test).

The expected movies are NOT copied: the tests read
../../testdata/golden/expected/<session>__<mode>.npz directly.

Run from the repository root:  /usr/bin/python3 fixmovie/testdata/gen_golden.py
"""
import io
import os
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "..", "testdata", "golden", "sessions")
SCREEN_H, SCREEN_W = 600, 800


def mask_unused(images, fixations):
    n, nx, ny = images.shape
    used = np.zeros(images.shape, dtype=bool)
    for k, x, y in fixations.reshape(-1, 3).astype(int):
        c0, c1 = max(x - SCREEN_W // 2 - 1, 0), min(x + SCREEN_W // 2 - 1, nx - 1)
        r0, r1 = max(y - SCREEN_H // 2 - 1, 0), min(y + SCREEN_H // 2 - 1, ny - 1)
        if c0 <= c1 and r0 <= r1:
            used[k - 1, c0 : c1 + 1, r0 : r1 + 1] = True
        used[k - 1, nx - 1, :] = True
        used[k - 1, :, ny - 1] = True
    out = images.copy()
    out[~used] = 0
    return out


def dump(name, f):
    run = f["runningImages"][()]
    froz = f["frozenImages"][()]
    runfix = f["runningfixations"][()]
    frozfix = f["frozenfixations"][()]
    out = os.path.join(HERE, f"golden_{name}.npz")
    np.savez_compressed(
        out,
        runningImages=mask_unused(run, runfix),
        frozenImages=mask_unused(froz, frozfix),
        runningfixations=runfix,
        frozenfixations=frozfix,
    )
    print(out, os.path.getsize(out), run.shape, froz.shape, runfix.shape, frozfix.shape)


def main():
    for entry in sorted(os.listdir(GOLDEN)):
        path = os.path.join(GOLDEN, entry)
        if entry.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if n.endswith("/fixationmovie_data.mat") and "__MACOSX" not in n]
                with h5py.File(io.BytesIO(z.read(names[0])), "r") as f:
                    dump(entry[: -len(".zip")], f)
        else:
            mat = os.path.join(path, "fixationmovie_data.mat")
            if os.path.exists(mat):
                with h5py.File(mat, "r") as f:
                    dump(entry, f)


if __name__ == "__main__":
    main()
