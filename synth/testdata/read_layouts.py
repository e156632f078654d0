#!/usr/bin/python3
"""h5py's view of synth's layout fixtures (layouts/<layout>/fixationmovie_data.mat,
written by `go run ./synth/testdata/genlayouts`), for synth's
TestLayoutFixturesH5py. Run from synth/testdata:

    /usr/bin/python3 read_layouts.py > layouts/h5py_read.json

Per layout and dataset: shape, dtype, chunk shape (null: contiguous),
compression and level as h5py reports them, MATLAB_class, and the SHA-256 of
the array's values as little-endian C-order bytes (as h5py reads them).
"""
import hashlib
import json
import os

import h5py
import numpy as np

out = {"h5py": h5py.version.version, "hdf5": h5py.version.hdf5_version, "layouts": {}}
for layout in sorted(os.listdir("layouts")):
    path = os.path.join("layouts", layout, "fixationmovie_data.mat")
    if not os.path.isfile(path):
        continue
    ds = {}
    with h5py.File(path, "r") as f:
        for name in sorted(f):
            d = f[name]
            a = d[()]
            le = a.astype(a.dtype.newbyteorder("<"), copy=False)
            ds[name] = {
                "shape": list(d.shape),
                "dtype": a.dtype.str,
                "chunk": list(d.chunks) if d.chunks else None,
                "compression": d.compression,
                "compression_opts": d.compression_opts,
                "matlab_class": d.attrs["MATLAB_class"].decode(),
                "sha256": hashlib.sha256(np.ascontiguousarray(le).tobytes()).hexdigest(),
                "sum": float(a.astype(np.float64).sum()),
            }
    out["layouts"][layout] = ds
print(json.dumps(out, indent=1, sort_keys=True))
