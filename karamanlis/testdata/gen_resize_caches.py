#!/usr/bin/env python3
"""Make openretina-style stimulus caches of the bad/ok session with the two
torchvision resizes, for karamanlis' cache resize check (TestForeignCacheResize).

Run from this folder:  /usr/bin/python3 gen_resize_caches.py
(Debian's python3-torchvision 0.14.1 / torch 1.13, numpy 1.24, h5py 3.7.)

Writes resizecache/{antialias,noantialias}/fixationmovie_data_extracted_stimuli_60_80.npz
with openretina's keys train_data (1, T, 60, 80) and test_data (1, Tf, 60, 80),
float32, before normalisation, and no retinaio_provenance record (as openretina
writes them). The movie is composed with openretina's return_fix_movie_torch (written out below) and
get_ranges (gen_expected.py's verbatim copy; openretina semantics);
the resize is torchvision.transforms.Resize((60, 80), antialias=...): True is
torchvision >= 0.17's default, False what earlier versions did for tensors.
"""
import os

import h5py
import numpy as np
import torch
from torchvision.transforms import Resize

from gen_expected import get_ranges  # openretina's get_ranges, verbatim

HERE = os.path.dirname(os.path.abspath(__file__))
MAT = os.path.join(HERE, "bad", "ok", "fixationmovie_data.mat")


def return_fix_movie_torch(screensize, im_ensemble, list_fixations):
    Ny, Nx = screensize
    Nyim, Nxim, Nimages = im_ensemble.shape
    Nframes = list_fixations.shape[1]
    block = torch.zeros((Ny, Nx, Nframes), dtype=torch.float32)
    im = torch.tensor(im_ensemble, dtype=torch.float32)
    fix = torch.tensor(list_fixations, dtype=torch.int64)
    for i in range(Nframes):
        xmin, xmax, ymin, ymax, x_or, y_or = get_ranges(
            list_fixations[1, i], list_fixations[2, i], Nx, Ny, Nxim, Nyim,
            np.arange(1, Nx + 1), np.arange(1, Ny + 1))
        x_or = torch.tensor(x_or, dtype=torch.int64).unsqueeze(0)
        y_or = torch.tensor(y_or, dtype=torch.int64).unsqueeze(1)
        block[ymin:ymax + 1, xmin:xmax + 1, i] = im[y_or, x_or, fix[0, i] - 1]
    return block


def main():
    with h5py.File(MAT, "r") as f:
        run_im = f["runningImages"][()]     # (n, x, y)
        frz_im = f["frozenImages"][()]
        run_fix = f["runningfixations"][()].astype(int)
        frz_fix = f["frozenfixations"][()].astype(int)
    for name, aa in (("antialias", True), ("noantialias", False)):
        down = Resize((60, 80), antialias=aa)
        test = return_fix_movie_torch((600, 800), np.transpose(frz_im, (2, 1, 0)), frz_fix.T)
        test = down(test.permute(2, 0, 1).unsqueeze(0)).numpy()
        train = []
        for block in run_fix:
            snip = return_fix_movie_torch((600, 800), np.transpose(run_im, (2, 1, 0)), block.T)
            train.append(down(snip.permute(2, 0, 1).unsqueeze(0)))
        train = torch.cat(train, dim=1).numpy()
        out = os.path.join(HERE, "resizecache", name)
        os.makedirs(out, exist_ok=True)
        np.savez_compressed(os.path.join(out, "fixationmovie_data_extracted_stimuli_60_80.npz"),
                            train_data=train.astype(np.float32), test_data=test.astype(np.float32))
        print(name, train.shape, test.shape, float(np.abs(train).max()))


if __name__ == "__main__":
    main()
