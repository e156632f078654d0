#!/usr/bin/env python3
"""Dump h5py's view of the golden MATLAB v7.3 sessions to golden_expect.json.

Run from the repository root:  /usr/bin/python3 hdf5/testdata/gen_golden_expect.py
For every dataset: shape, numpy dtype, chunk shape, sha256 of the C-order
stored bytes, sha256 of the values converted to little-endian float64, and
a few leading values; MATLAB_class attributes of every object.
"""
import hashlib, json, os, sys
import h5py, numpy as np

ROOT = "testdata/golden/sessions"
out = {}
for dirpath, _, files in sorted(os.walk(ROOT)):
    for fn in sorted(files):
        if not fn.endswith(".mat"):
            continue
        path = os.path.join(dirpath, fn)
        rel = os.path.relpath(path, "testdata")
        ent = {"superblock": None, "objects": {}}
        with h5py.File(path, "r") as f:
            ent["superblock"] = f.id.get_create_plist().get_version()[0]
            ent["userblock"] = f.userblock_size
            def visit(name, obj):
                o = {"attrs": {}}
                for k, v in obj.attrs.items():
                    if isinstance(v, bytes):
                        o["attrs"][k] = v.decode()
                    elif isinstance(v, np.ndarray) and v.dtype.kind in "iuf":
                        o["attrs"][k] = v.tolist()
                if isinstance(obj, h5py.Dataset):
                    a = obj[()]
                    o["kind"] = "dataset"
                    o["shape"] = list(obj.shape)
                    o["dtype"] = obj.dtype.str
                    o["chunks"] = list(obj.chunks) if obj.chunks else None
                    o["filters"] = [k for k in ("gzip", "shuffle", "fletcher32") if (k == "gzip" and obj.compression == "gzip") or (k == "shuffle" and obj.shuffle) or (k == "fletcher32" and obj.fletcher32)]
                    o["sha256_raw"] = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
                    o["sha256_f64"] = hashlib.sha256(np.ascontiguousarray(a.astype("<f8")).tobytes()).hexdigest()
                    o["first"] = a.reshape(-1)[:5].astype("<f8").tolist()
                    o["sum"] = float(a.astype("<f8").sum())
                else:
                    o["kind"] = "group"
                ent["objects"]["/" + name] = o
            f.visititems(visit)
        out[rel] = ent
with open(os.path.join(os.path.dirname(__file__), "golden_expect.json"), "w") as fh:
    json.dump(out, fh, indent=1, sort_keys=True)
    fh.write("\n")
