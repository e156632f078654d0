#!/usr/bin/python3
"""Writes the golden sessions: synthetic Karamanlis 2024 recordings in the
real files' layout (MATLAB v7.3 .mat = HDF5 behind a 512-byte MAT header,
h5py order (N, Nx, Ny) images, 1-based fixations (image, x, y), spike
counts per bin), small enough for tests.

  20210203_252MEA_mouse_left_half_dorsal/fixationmovie_data.mat
      images 860x640 (Nx x Ny, larger than the 800x600 screen): 3 running +
      2 frozen, 2 blocks x 40 frames, 30 test frames x 3 repeats, 6 cells;
      HDF5 "earliest" format (superblock 0)
  20220208_60MEA_marmoset_right_n1/fixationmovie_data.mat
      same sizes, HDF5 "latest" format (superblock 3, new-style chunk indexes)
  20220208_60MEA_marmoset_right_n1/frozencheckerflicker_data.mat
      responses only (2 x 20 running, 3 x 15 frozen bins, 6 cells)
  20210803_252MEA_mouse_left_half_dorsal.zip
      one top folder holding fixationmovie_data.mat: images 56x40, far
      smaller than the screen; 3 blocks x 30 frames, 25 test frames x 4
      repeats, 5 cells

Images are smooth random textures (uint8); gaze follows a random walk with a
saccade at each image change, and about a quarter of the blocks start near
an image edge, where openretina's port and MATLAB's returnFixMovie.m
disagree. Responses are Poisson spike counts. Everything is deterministic
(numpy RandomState, fixed seeds, fixed MAT header date, fixed zip times).

Made with numpy 1.24 and h5py 3.7 (libhdf5 1.10.8); gzip levels, chunk
shapes (h5py's automatic chunking) and superblock versions follow the
committed files. The committed sessions' random content came from an earlier
run whose generator was not kept; this script reproduces their layout
exactly (--check verifies it) with its own content. To replace them, run
without --check and then regenerate what is derived from the sessions:

    /usr/bin/python3 testdata/golden/gen_sessions.py          # sessions/
    /usr/bin/python3 testdata/golden/gen_expected.py          # expected/ (torch)
    /usr/bin/python3 fixmovie/testdata/gen_golden.py
    (cd karamanlis/testdata && /usr/bin/python3 gen_expected.py)
    /usr/bin/python3 hdf5/testdata/gen_golden_expect.py

Run from the repository root:
    /usr/bin/python3 testdata/golden/gen_sessions.py [--out DIR]
    /usr/bin/python3 testdata/golden/gen_sessions.py --check   # layout of a fresh
                                                               # set vs sessions/
"""
import argparse
import os
import shutil
import sys
import tempfile
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SESSIONS = os.path.join(HERE, "sessions")
SCREEN_W, SCREEN_H = 800, 600
HEADER_TEXT = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Nov 23 12:00:00 2026 HDF5 schema 1.00 ."
ZIP_TIME = (2026, 11, 23, 20, 12, 16)


def mat_header():
    # 116 bytes of text, 8 bytes of subsystem offset, version 0x0200, 'IM'.
    return HEADER_TEXT.ljust(116, b" ") + b"\0" * 8 + b"\x00\x02" + b"IM"


def texture(rng, n, nx, ny):
    """n smooth uint8 images in h5py order (n, nx, ny)."""
    out = np.empty((n, nx, ny), dtype=np.uint8)
    fx = np.fft.fftfreq(nx)[:, None]
    fy = np.fft.rfftfreq(ny)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1
    for k in range(n):
        spec = np.fft.rfft2(rng.standard_normal((nx, ny))) / f ** 1.2
        spec[0, 0] = 0
        img = np.fft.irfft2(spec, s=(nx, ny))
        img = (img - img.mean()) / img.std()
        out[k] = np.clip(np.round(127.5 + 40 * img + rng.normal(0, 6, (nx, ny))), 0, 255)
    return out


def gaze(rng, frames, n_images, nx, ny, first_image=1):
    """(frames, 3) float64 fixations: image (1-based), x, y (1-based screen
    centre in image coordinates). Images change every 10 frames with a
    saccade; a quarter of the sequences start near an image edge."""
    near_edge = rng.random_sample() < 0.25
    out = np.empty((frames, 3))
    img = first_image
    for t in range(frames):
        if t % 10 == 0:
            if t > 0:
                img = img % n_images + 1
            cx, cy = nx / 2, ny / 2
            if near_edge:
                cx += rng.choice([-1, 1]) * (abs(nx - SCREEN_W) / 2 + rng.uniform(-30, 30))
                cy += rng.choice([-1, 1]) * (abs(ny - SCREEN_H) / 2 + rng.uniform(-30, 30))
            else:
                cx += rng.uniform(-15, 15)
                cy += rng.uniform(-15, 15)
            x, y = cx, cy
        x += rng.randint(-2, 3)
        y += rng.randint(-2, 3)
        out[t] = img, round(x), round(y)
    return out


def responses(rng, shape, rate):
    return rng.poisson(rate, shape).astype(np.float64)


def write_mat(path, datasets, libver, level):
    with h5py.File(path, "w", userblock_size=512, libver=libver) as f:
        for name in sorted(datasets):
            f.create_dataset(name, data=datasets[name], chunks=True, compression="gzip",
                             compression_opts=level)
            f[name].attrs["MATLAB_class"] = np.bytes_("uint8" if datasets[name].dtype == np.uint8 else "double")
    with open(path, "r+b") as fh:
        fh.write(mat_header())


def fixation_session(seed, nx, ny, n_run, n_froz, blocks, tr, tf, repeats, cells):
    rng = np.random.RandomState(seed)
    run = np.stack([gaze(rng, tr, n_run, nx, ny, first_image=b % n_run + 1) for b in range(blocks)])
    return {
        "runningImages": texture(rng, n_run, nx, ny),
        "frozenImages": texture(rng, n_froz, nx, ny),
        "runningfixations": run,
        "frozenfixations": gaze(rng, tf, n_froz, nx, ny),
        "runningbin": responses(rng, (blocks, tr, cells), 0.3),
        "frozenbin": responses(rng, (repeats, tf, cells), 0.3),
    }


def generate(out):
    os.makedirs(out, exist_ok=True)
    # Mouse, HDF5 "earliest".
    d = os.path.join(out, "20210203_252MEA_mouse_left_half_dorsal")
    os.makedirs(d, exist_ok=True)
    write_mat(os.path.join(d, "fixationmovie_data.mat"),
              fixation_session(20210203, 860, 640, 3, 2, 2, 40, 30, 3, 6), "earliest", 3)
    # Marmoset, HDF5 "latest" (superblock 3), plus a responses-only file.
    d = os.path.join(out, "20220208_60MEA_marmoset_right_n1")
    os.makedirs(d, exist_ok=True)
    write_mat(os.path.join(d, "fixationmovie_data.mat"),
              fixation_session(20220208, 860, 640, 3, 2, 2, 40, 30, 3, 6), "latest", 3)
    rng = np.random.RandomState(220208)
    write_mat(os.path.join(d, "frozencheckerflicker_data.mat"), {
        "runningbin": responses(rng, (2, 20, 6), 0.2),
        "frozenbin": responses(rng, (3, 15, 6), 0.2),
    }, "latest", 4)
    # Mouse in a zip with one top folder; images far smaller than the screen.
    name = "20210803_252MEA_mouse_left_half_dorsal"
    with tempfile.TemporaryDirectory() as tmp:
        mat = os.path.join(tmp, "fixationmovie_data.mat")
        write_mat(mat, fixation_session(20210803, 56, 40, 4, 2, 3, 30, 25, 4, 5), "earliest", 3)
        zi = zipfile.ZipInfo(f"{name}/fixationmovie_data.mat", ZIP_TIME)
        zi.external_attr = 0o100644 << 16
        zi.create_system = 3
        with zipfile.ZipFile(os.path.join(out, name + ".zip"), "w", zipfile.ZIP_STORED) as z:
            with open(mat, "rb") as fh:
                z.writestr(zi, fh.read())


def layout(path):
    """Everything about a .mat file except its random content."""
    with open(path, "rb") as fh:
        header = fh.read(128)
    with h5py.File(path, "r") as f:
        desc = [("header", header), ("userblock", f.userblock_size),
                ("superblock", f.id.get_create_plist().get_version()[0])]
        for k in f:
            o = f[k]
            desc.append((k, o.shape, str(o.dtype), o.chunks, o.compression, o.compression_opts,
                         o.shuffle, o.fletcher32, sorted((a, bytes(v)) for a, v in o.attrs.items()),
                         o.id.get_create_plist().get_layout()))
    return desc


def layouts(root):
    out = {}
    for entry in sorted(os.listdir(root)):
        p = os.path.join(root, entry)
        if entry.endswith(".zip"):
            with zipfile.ZipFile(p) as z, tempfile.TemporaryDirectory() as tmp:
                out[entry] = [(i.filename, i.compress_type, i.external_attr) for i in z.infolist()]
                z.extractall(tmp)
                for i in z.infolist():
                    out[entry + ":" + i.filename] = layout(os.path.join(tmp, i.filename))
        elif os.path.isdir(p):
            for f in sorted(os.listdir(p)):
                out[entry + "/" + f] = layout(os.path.join(p, f))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=SESSIONS, help="folder to write (default: sessions/ here)")
    ap.add_argument("--check", action="store_true",
                    help="generate into a temporary folder and compare the layout with sessions/")
    a = ap.parse_args()
    if not a.check:
        generate(a.out)
        print("wrote", a.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)
        got, want = layouts(tmp), layouts(SESSIONS)
    bad = 0
    for k in sorted(set(got) | set(want)):
        if got.get(k) != want.get(k):
            bad += 1
            print(f"{k}:\n  generated {got.get(k)}\n  committed {want.get(k)}")
    print("layout identical to sessions/" if bad == 0 else f"{bad} files differ in layout")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
