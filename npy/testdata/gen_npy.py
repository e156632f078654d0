#!/usr/bin/env python3
"""Writes the .npy/.npz fixtures of package npy with numpy itself, plus
expect.json describing each array exactly (integers as decimal strings,
floats as the hex of their IEEE bits, so NaN, inf and -0.0 are exact).

Run from this folder:  /usr/bin/python3 gen_npy.py   (numpy 1.24 was used)
"""
import json, os, io, zipfile
import numpy as np
from numpy.lib import format as fmt

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "numpy")
os.makedirs(out, exist_ok=True)

def values(kind, size):
    if kind == "b":
        return [True, False, True, True, False, False]
    if kind == "i":
        info = np.iinfo("i%d" % size)
        return [int(info.min), -1, 0, 1, int(info.max), 42]
    if kind == "u":
        info = np.iinfo("u%d" % size)
        return [0, 1, 2, 200 % (int(info.max) + 1), int(info.max), 42]
    if kind == "f":
        t = np.float32 if size == 4 else np.float64
        return [t(-0.0), t(1.5), t(np.nan), t(np.inf), t(-np.inf), np.finfo(t).tiny]
    if kind == "c":
        t = np.float32 if size == 8 else np.float64
        return [complex(t(1.5), t(-2.25)), complex(0, 0), complex(t(np.inf), t(np.nan)),
                complex(-0.0, 1.0), complex(1e-3, 3e5), complex(42, -42)]

def describe(a):
    flat = a.ravel(order="K" if a.flags.f_contiguous and not a.flags.c_contiguous else "C")
    vals = []
    k = a.dtype.kind
    for x in flat.tolist() if k in "biu" else flat:
        if k in "iu":
            vals.append(str(int(x)))
        elif k == "b":
            vals.append("1" if x else "0")
        elif k == "f":
            bits = np.array([x], dtype=a.dtype.newbyteorder("<")).view("<u%d" % a.dtype.itemsize)[0]
            vals.append("%x" % int(bits))
        else:
            c = np.array([x], dtype=a.dtype.newbyteorder("<"))
            r = c.real.view("<u%d" % (a.dtype.itemsize // 2))[0]
            i = np.ascontiguousarray(c.imag).view("<u%d" % (a.dtype.itemsize // 2))[0]
            vals.append("%x,%x" % (int(r), int(i)))
    return {"descr": fmt.dtype_to_descr(a.dtype), "fortran": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
            "shape": list(a.shape), "values": vals}

expect = {"npy": {}, "npz": {}}
for kind, sizes in [("b", [1]), ("i", [1, 2, 4, 8]), ("u", [1, 2, 4, 8]), ("f", [4, 8]), ("c", [8, 16])]:
    for size in sizes:
        for order in ["<", ">"]:
            if size == 1 and order == ">":
                continue
            dt = np.dtype(order + kind + str(size))
            a = np.array(values(kind, size), dtype=dt).reshape(2, 3)
            name = "%s%s%d" % ("le" if order == "<" else "be", kind, size)
            np.save(os.path.join(out, name + ".npy"), a)
            expect["npy"][name] = describe(a)

# Shapes, Fortran order, versions.
special = {
    "scalar_f8": np.array(3.25),
    "vec_i8": np.arange(7, dtype="<i8") - 3,
    "empty_f4": np.zeros((0, 3), dtype="<f4"),
    "cube_u2": np.arange(2 * 3 * 4, dtype="<u2").reshape(2, 3, 4),
    "fortran_f4": np.asfortranarray(np.arange(12, dtype="<f4").reshape(3, 4) / 8),
    "fortran_be_i4": np.asfortranarray((np.arange(6, dtype=">i4") - 2).reshape(2, 3)),
    "big_first_dim": np.zeros((123456789, 0), dtype="<f8"),
    "long_shape": np.zeros((1,) * 30, dtype="|u1"),
}
for name, a in special.items():
    np.save(os.path.join(out, name + ".npy"), a)
    expect["npy"][name] = describe(a)
for ver in [(2, 0), (3, 0)]:
    a = np.arange(6, dtype="<f8").reshape(3, 2) * 0.5
    name = "v%d_f8" % ver[0]
    with open(os.path.join(out, name + ".npy"), "wb") as f:
        fmt.write_array(f, a, version=ver)
    expect["npy"][name] = describe(a)

# Archives: savez (stored) and savez_compressed (deflated).
arrs = {
    "stim": (np.arange(2 * 3 * 4, dtype="<f4").reshape(1, 2, 3, 4) - 10) / 3,
    "resp": np.linspace(-1, 1, 10, dtype="<f8").reshape(2, 5),
    "idx": np.array([83, 53, 70], dtype="<i8"),
    "mask": np.array([True, False, True]),
    "be": np.arange(4, dtype=">f8"),
    "scalar": np.array(7, dtype="<i4"),
    "fort": np.asfortranarray(np.arange(6, dtype="<u1").reshape(2, 3)),
}
np.savez(os.path.join(out, "stored.npz"), **arrs)
np.savez_compressed(os.path.join(out, "deflated.npz"), **arrs)
for z in ["stored", "deflated"]:
    with np.load(os.path.join(out, z + ".npz")) as f:
        expect["npz"][z] = {"names": list(f.files), "arrays": {k: describe(f[k]) for k in f.files}}

with open(os.path.join(here, "expect.json"), "w") as f:
    json.dump(expect, f, indent=1, sort_keys=True)
print("wrote", len(expect["npy"]), "npy fixtures and", len(expect["npz"]), "npz fixtures")
