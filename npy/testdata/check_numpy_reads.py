#!/usr/bin/env python3
"""Manual check that numpy reads the .npz archives our writer produces.

    NPY_EXPORT_DIR=/tmp/npyexport go test -run TestNPZWriteModes ./npy
    /usr/bin/python3 npy/testdata/check_numpy_reads.py /tmp/npyexport

Every archive (stored/deflated, seekable/streamed with data descriptors,
forced zip64) must load with np.load, pass zipfile's CRC test, and equal
numpy's own stored.npz (dtype with byte order, shape, Fortran order, bits),
plus the 700x1000 uint8 array big_u1[i] = i*7 % 251.
"""
import os, sys, zipfile
import numpy as np

d = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
ref = np.load(os.path.join(here, "numpy", "stored.npz"))
big = (np.arange(700 * 1000) * 7 % 251).astype("u1").reshape(700, 1000)
n = 0
for fn in sorted(os.listdir(d)):
    if not fn.endswith(".npz"):
        continue
    p = os.path.join(d, fn)
    with zipfile.ZipFile(p) as zf:
        bad = zf.testzip()
        assert bad is None, (fn, bad)
        z64 = any(i.file_size >= 0 and len(i.extra) >= 4 and i.extra[:2] == b"\x01\x00" for i in zf.infolist())
    with np.load(p) as f:
        assert f.files == ref.files + ["big_u1"], (fn, f.files)
        for k in ref.files:
            a, b = f[k], ref[k]
            assert a.dtype == b.dtype and a.dtype.str == b.dtype.str, (fn, k, a.dtype.str, b.dtype.str)
            assert a.shape == b.shape and a.flags.f_contiguous == b.flags.f_contiguous, (fn, k)
            assert a.tobytes(order="A") == b.tobytes(order="A"), (fn, k)
        assert np.array_equal(f["big_u1"], big), fn
    n += 1
    print("ok", fn, "zip64 extra in central directory:", z64)
print(n, "archives read by numpy", np.__version__)
