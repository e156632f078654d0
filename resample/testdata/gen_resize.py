#!/usr/bin/python3
"""Generate golden fixtures for package resample with torch/torchvision.

Each resize case resizes one deterministic image with
torchvision.transforms.Resize((outH, outW), BILINEAR, antialias=True) on a
float32 tensor. antialias=True is passed explicitly: torchvision 0.14's default
for tensors is False; the golden movies use True (the default from 0.17 on).

The inputs are NOT stored: the Go test regenerates them bit for bit from the
same 32-bit LCG (see lcg_image), so only the outputs are committed:
  resize_golden.bin   little-endian float32, the cases' outputs concatenated
  resize_golden.json  per case: name, sizes, generator seed/kind, offset (floats)
                      and, per axis pair in "weights", torch's own filter
                      weights (extracted by resizing an identity matrix along
                      one axis: output column o of eye(in) resized to (in, out)
                      is exactly the weight vector of output o).

The script also checks a numpy emulation of torch's CPU kernel
(upsample_bilinear2d_aa, width pass into a float32 temporary, then height),
with the accumulation order this torch build uses: acc = x0*w0, the next
4*floor((n-1)/4) taps added as separately rounded products (GCC's 4-lane
in-order vectorised reduction), the remaining (n-1) mod 4 taps with a fused
multiply-add (the scalar tail, FMA-contracted). It prints how many outputs the
emulation gets bit-for-bit; the Go package implements the same order.

Run from the repository root:  /usr/bin/python3 resample/testdata/gen_resize.py
"""
import json
import os

import numpy as np
import torch
import torchvision
from torchvision.transforms import InterpolationMode, Resize

HERE = os.path.dirname(os.path.abspath(__file__))


def lcg_image(h, w, seed, kind):
    """Deterministic image; the Go test has the same generator.

    state <- state*1664525 + 1013904223 (mod 2^32), starting from seed, one step per pixel
    in row-major order (i = r*w + c).
    kind "u8":    value = state >> 24                     (integers 0..255)
    kind "frac":  value = (state >> 18) / 64              (0..1023.984375, exact in float32)
    kind "edges": value = 255*(((r // 7) + (c // 11)) % 2) + (state >> 30)
    """
    out = np.empty(h * w, dtype=np.float32)
    s = seed & 0xFFFFFFFF
    for i in range(h * w):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        if kind == "u8":
            v = float(s >> 24)
        elif kind == "frac":
            v = (s >> 18) / 64.0
        elif kind == "edges":
            r, c = divmod(i, w)
            v = (255.0 if ((r // 7) + (c // 11)) % 2 else 0.0) + float(s >> 30)
        else:
            raise ValueError(kind)
        out[i] = v
    return out.reshape(h, w)


def np_weights(n_in, n_out):
    """The weight formula of the notes, with torch's float32/float64 mix."""
    scale = np.float32(np.float32(n_in) / np.float32(n_out))
    support = np.float32(scale) if scale >= 1.0 else np.float32(1.0)
    invscale = np.float32(1.0 / float(scale)) if scale >= 1.0 else np.float32(1.0)
    res = []
    for i in range(n_out):
        center = np.float32(float(scale) * (i + 0.5))
        xmin = max(int(float(np.float32(center - support)) + 0.5), 0)
        xmax = min(int(float(np.float32(center + support)) + 0.5), n_in)
        ws = []
        tot = np.float32(0)
        for j in range(xmax - xmin):
            a = np.float32(np.float32(j + xmin) - center)
            x = abs(np.float32((float(a) + 0.5) * float(invscale)))
            w = np.float32(1.0 - float(x)) if x < 1.0 else np.float32(0)
            ws.append(w)
            tot = np.float32(tot + w)
        if tot != 0:
            ws = [np.float32(w / tot) for w in ws]
        res.append((xmin, ws))
    return res


def np_apply(src, wts):
    """One pass along the last axis in torch 1.13's accumulation order."""
    out = np.empty(src.shape[:-1] + (len(wts),), dtype=np.float32)
    for o, (xmin, ws) in enumerate(wts):
        n = len(ws)
        fused_from = 1 + 4 * ((n - 1) // 4)
        acc = (src[..., xmin] * ws[0]).astype(np.float32)
        for j in range(1, n):
            x = src[..., xmin + j]
            if j < fused_from:
                acc = (acc + (x * ws[j]).astype(np.float32)).astype(np.float32)
            else:  # fused: exact product + acc, one rounding (float64 is exact enough here)
                acc = (acc.astype(np.float64) + x.astype(np.float64) * float(ws[j])).astype(np.float32)
        out[..., o] = acc
    return out


def np_resize(img, oh, ow):
    h, w = img.shape
    tmp = np_apply(img, np_weights(w, ow))
    return np_apply(tmp.T.copy(), np_weights(h, oh)).T.copy()


def torch_weights(n_in, n_out):
    eye = torch.eye(n_in, dtype=torch.float32)[None, None]
    m = torch.nn.functional.interpolate(eye, size=(n_in, n_out), mode="bilinear", antialias=True, align_corners=False)
    m = m[0, 0].numpy()  # (n_in, n_out)
    res = []
    for o in range(n_out):
        nz = np.nonzero(m[:, o])[0]
        res.append({"idx": [int(i) for i in nz], "w": [float(m[i, o]) for i in nz]})
    return res


CASES = [
    # name, inH, inW, outH, outW, seed, kind
    ("screen_u8", 600, 800, 60, 80, 1, "u8"),
    ("screen_edges", 600, 800, 60, 80, 2, "edges"),
    ("screen_frac", 600, 800, 60, 80, 3, "frac"),
    ("golden_img", 640, 860, 60, 80, 4, "u8"),
    ("odd_down", 37, 53, 11, 7, 5, "frac"),
    ("odd_down2", 600, 800, 59, 81, 6, "u8"),
    ("prime", 101, 97, 13, 17, 7, "edges"),
    ("rows_only", 100, 30, 7, 30, 8, "u8"),
    ("to_one", 5, 6, 1, 1, 9, "frac"),
    ("up", 7, 9, 20, 31, 10, "frac"),
    ("up_down", 40, 56, 60, 8, 11, "u8"),
    ("identity", 12, 13, 12, 13, 12, "frac"),
    ("slight_down", 64, 64, 63, 50, 13, "u8"),
    ("long_filter", 3, 500, 2, 3, 14, "frac"),
]

WEIGHT_AXES = [(800, 80), (600, 60), (860, 80), (640, 60), (53, 7), (9, 31), (64, 50), (5, 1), (13, 13), (500, 3)]


def main():
    cases = []
    blobs = []
    offset = 0
    exact = 0
    total = 0
    worst = 0.0
    for name, ih, iw, oh, ow, seed, kind in CASES:
        img = lcg_image(ih, iw, seed, kind)
        t = torch.from_numpy(img.copy())[None, None]  # (1, 1, H, W)
        rs = Resize((oh, ow), interpolation=InterpolationMode.BILINEAR, antialias=True)
        out = rs(t)[0, 0].numpy().astype(np.float32)
        assert out.shape == (oh, ow)
        em = np_resize(img, oh, ow)
        exact += int((em == out).sum())
        total += out.size
        worst = max(worst, float(np.abs(em - out).max()))
        cases.append({"name": name, "inH": ih, "inW": iw, "outH": oh, "outW": ow, "seed": seed, "kind": kind, "offset": offset})
        blobs.append(out.astype("<f4").tobytes())
        offset += oh * ow
    weights = []
    for n_in, n_out in WEIGHT_AXES:
        tw = torch_weights(n_in, n_out)
        # cross-check the formula of the notes against torch's weights
        for o, (xmin, ws) in enumerate(np_weights(n_in, n_out)):
            nz = [(xmin + j, float(w)) for j, w in enumerate(ws) if w != 0]
            assert [i for i, _ in nz] == tw[o]["idx"], (n_in, n_out, o)
            assert [w for _, w in nz] == tw[o]["w"], (n_in, n_out, o)
        weights.append({"in": n_in, "out": n_out, "outputs": tw})
    with open(os.path.join(HERE, "resize_golden.bin"), "wb") as f:
        for b in blobs:
            f.write(b)
    with open(os.path.join(HERE, "resize_golden.json"), "w") as f:
        json.dump(
            {
                "generator": "gen_resize.py",
                "torch": torch.__version__,
                "torchvision": torchvision.__version__,
                "cases": cases,
                "weights": weights,
            },
            f,
            separators=(",", ":"),
        )
    print(f"numpy emulation vs torch: {exact}/{total} outputs bit-identical, max |diff| {worst}")


if __name__ == "__main__":
    main()
