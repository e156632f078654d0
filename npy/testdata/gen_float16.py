#!/usr/bin/env python3
"""float16.npz: every half-precision bit pattern as '<f2' (le) and '>f2'
(be), and numpy's float32 conversion of each (f4), for the f2 decode test.
Run from this folder: /usr/bin/python3 gen_float16.py   (numpy 1.24)."""
import numpy as np

bits = np.arange(65536, dtype=np.uint32).astype("<u2")
h = bits.view("<f2")
with np.errstate(invalid="ignore"):
    f4 = h.astype("<f4")
np.savez_compressed("float16.npz", le=h, be=h.astype(">f2"), f4=f4)
print("ok")
