#!/usr/bin/python3
"""The independent reference: expected/<session>__<mode>.npz from sessions/.

For every golden session and both fixation semantics this script computes,
with numpy + torch/torchvision and openretina's own loader code (from
openretina/data_io/karamanlis_2024/stimuli.py and responses.py, copied below
with their names), what openretina's loaders produce:

  mode openretina   return_fix_movie_torch + get_ranges, verbatim (with the
                    port's off-by-one at the image's top/left edge)
  mode matlab       the authors' returnFixMovie.m: screen column c (1-based)
                    shows image column c + x - 800/2 when that lies in 1..Nx,
                    rows likewise; uncovered pixels stay 0

then torchvision's Resize((60, 80), antialias=True) on (1, T, 600, 800)
float32 movies, training blocks composed one by one and concatenated, as
load_stimuli_for_session does. Keys written (np.savez_compressed):

  train_raw (1, T, 60, 80) float32, test_raw (1, Tf, 60, 80) float32
  norm_mean, norm_std       float32 scalars: mean and N-1 std of train_raw,
                            computed in float64
  resp_train (N, T), resp_test (N, Tf), resp_test_by_trial (K, N, Tf): float64,
                            load_responses_for_session with fr_normalisation 1

The committed expected/ files are reproduced bit for bit (--check) with
torch 1.13.1 / torchvision 0.14.1 (Debian bookworm's python3-torch and
python3-torchvision, CPU; they report 1.13.0a0 / 0.14.1a0), numpy 1.24 and
h5py 3.7. Other torch builds may differ by an ulp in a few values.

Run from the repository root:
    /usr/bin/python3 testdata/golden/gen_expected.py            # rewrite expected/
    /usr/bin/python3 testdata/golden/gen_expected.py --check    # compare, write nothing
"""
import io
import os
import sys
import tempfile
import zipfile

import h5py
import numpy as np
import torch
import torchvision
from torchvision.transforms import Resize

HERE = os.path.dirname(os.path.abspath(__file__))
SESSIONS = os.path.join(HERE, "sessions")
EXPECTED = os.path.join(HERE, "expected")
SCREEN = (600, 800)  # (Ny, Nx)
SIZE = (60, 80)


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


def return_fix_movie_torch(screensize, im_ensemble, list_fixations):
    # openretina/data_io/karamanlis_2024/stimuli.py, verbatim.
    Ny, Nx = screensize
    Nyim, Nxim, Nimages = im_ensemble.shape
    Nframes = list_fixations.shape[1]
    blockstimulus = torch.zeros((Ny, Nx, Nframes), dtype=torch.float32)
    im_ensemble = torch.tensor(im_ensemble, dtype=torch.float32)
    list_fixations_tensor = torch.tensor(list_fixations, dtype=torch.int64)
    for ifix in range(Nframes):
        xmin, xmax, ymin, ymax, x_or, y_or = get_ranges(
            list_fixations[1, ifix], list_fixations[2, ifix], Nx, Ny, Nxim, Nyim,
            np.arange(1, Nx + 1), np.arange(1, Ny + 1))
        x_or = torch.tensor(x_or, dtype=torch.int64).unsqueeze(0)
        y_or = torch.tensor(y_or, dtype=torch.int64).unsqueeze(1)
        blockstimulus[ymin: ymax + 1, xmin: xmax + 1, ifix] = im_ensemble[
            y_or, x_or, list_fixations_tensor[0, ifix] - 1]
    return blockstimulus


def return_fix_movie_matlab(screensize, im_ensemble, list_fixations):
    # returnFixMovie.m (dimokaramanlis/subunit_grid_model), 0-based here.
    Ny, Nx = screensize
    Nyim, Nxim, _ = im_ensemble.shape
    out = torch.zeros((Ny, Nx, list_fixations.shape[1]), dtype=torch.float32)
    ims = torch.tensor(im_ensemble, dtype=torch.float32)
    for i in range(list_fixations.shape[1]):
        k, x, y = (int(v) for v in list_fixations[:, i])
        cols = [c for c in range(1, Nx + 1) if 1 <= c + x - Nx // 2 <= Nxim]
        rows = [r for r in range(1, Ny + 1) if 1 <= r + y - Ny // 2 <= Nyim]
        if not cols or not rows:
            continue  # image entirely off screen: a blank frame
        c0, c1, r0, r1 = cols[0], cols[-1], rows[0], rows[-1]
        out[r0 - 1: r1, c0 - 1: c1, i] = ims[
            r0 + y - Ny // 2 - 1: r1 + y - Ny // 2, c0 + x - Nx // 2 - 1: c1 + x - Nx // 2, k - 1]
    return out


def movie(compose, images, fixations, downsample):
    # load_stimuli_for_session: rearrange(images, "n x y -> y x n"), then
    # downsample(rearrange(video, "h w n -> 1 n h w")).
    v = compose(SCREEN, np.transpose(images, (2, 1, 0)), fixations.T)
    return downsample(v.permute(2, 0, 1).unsqueeze(0))


def session_folder(name, tmp):
    p = os.path.join(SESSIONS, name)
    if os.path.isdir(p):
        return p
    with zipfile.ZipFile(p + ".zip") as z:
        z.extractall(tmp)
    tops = os.listdir(tmp)
    assert len(tops) == 1, tops
    return os.path.join(tmp, tops[0])


def expected(folder, mode):
    mat = os.path.join(folder, "fixationmovie_data.mat")
    with h5py.File(mat, "r") as f:
        train_images = f["runningImages"][()]
        test_images = f["frozenImages"][()]
        frozen_fixations = f["frozenfixations"][()].astype(int)
        running_fixations = f["runningfixations"][()].astype(int)
        testing = f["frozenbin"][()]
        training = f["runningbin"][()]
    compose = return_fix_movie_torch if mode == "openretina" else return_fix_movie_matlab
    downsample = Resize(SIZE, antialias=True)
    test = movie(compose, test_images, frozen_fixations, downsample).numpy()
    train = torch.cat([movie(compose, train_images, block, downsample) for block in running_fixations],
                      dim=1).numpy()
    t64 = train.astype(np.float64)
    # load_responses_for_session, fr_normalisation 1.
    by_trial = np.transpose(testing, (0, 2, 1)) / 1.0
    resp_train = np.transpose(training, (2, 0, 1)).reshape(training.shape[2], -1) / 1.0
    return dict(
        train_raw=train, test_raw=test,
        norm_mean=np.float32(t64.mean()), norm_std=np.float32(t64.std(ddof=1)),
        resp_train=resp_train, resp_test=np.mean(by_trial, axis=0), resp_test_by_trial=by_trial)


def main():
    check = sys.argv[1:] == ["--check"]
    names = sorted(n[:-4] if n.endswith(".zip") else n for n in os.listdir(SESSIONS))
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, numpy {np.__version__}, "
          f"h5py {h5py.__version__}")
    bad = 0
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            folder = session_folder(name, tmp)
            for mode in ("openretina", "matlab"):
                got = expected(folder, mode)
                path = os.path.join(EXPECTED, f"{name}__{mode}.npz")
                if not check:
                    np.savez_compressed(path, **got)
                    print("wrote", path)
                    continue
                want = np.load(path)
                for k, v in got.items():
                    w = want[k]
                    same = v.dtype == w.dtype and v.shape == w.shape and \
                        v.tobytes() == w.tobytes()
                    if not same:
                        bad += 1
                        diff = np.abs(v.astype(np.float64) - w.astype(np.float64)).max() \
                            if v.shape == w.shape else "shape"
                        print(f"{name} {mode} {k}: differs ({v.dtype}{v.shape} vs {w.dtype}{w.shape}, max {diff})")
                print(f"checked {path}")
    if check:
        print("all bit-identical" if bad == 0 else f"{bad} arrays differ")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
