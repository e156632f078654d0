#!/usr/bin/python3
"""Read an HDF5 file with h5py (libhdf5) and print everything it holds as JSON.

Used to prove that files written by package hdf5write are read by libhdf5:
    go test ./hdf5write -run TestFixture -update      # writes testdata/fixture.mat
    /usr/bin/python3 hdf5write/testdata/check_h5py.py hdf5write/testdata/fixture.mat \
        > hdf5write/testdata/fixture.h5py.json
The Go tests then check that this JSON equals the writer's deterministic inputs,
and that a freshly written file reads back (with package hdf5) to the same values.
Written with h5py 3.7 / libhdf5 1.10.8 / numpy 1.24.
"""
import json
import sys

import h5py
import numpy as np


def attr_json(v):
    if isinstance(v, bytes):
        return {"string": v.decode("ascii")}
    a = np.asarray(v)
    return {"dtype": a.dtype.str, "shape": list(a.shape), "values": a.ravel().tolist()}


def main(path):
    out = {"h5py": h5py.__version__, "libhdf5": h5py.version.hdf5_version,
           "numpy": np.__version__, "groups": {}, "datasets": {}}
    with open(path, "rb") as fh:
        head = fh.read(128)
    out["header_text"] = head[:116].decode("ascii")
    out["header_tail"] = list(head[116:128])
    with h5py.File(path, "r") as f:
        out["userblock_size"] = f.userblock_size

        def visit(name, obj):
            p = "/" + name
            attrs = {k: attr_json(obj.attrs[k]) for k in sorted(obj.attrs)}
            if isinstance(obj, h5py.Group):
                out["groups"][p] = {"attrs": attrs, "members": sorted(obj.keys())}
            else:
                v = obj[()]
                a = np.asarray(v)
                out["datasets"][p] = {
                    "shape": list(obj.shape), "dtype": obj.dtype.str,
                    "chunks": list(obj.chunks) if obj.chunks else None,
                    "compression": obj.compression, "compression_opts": obj.compression_opts,
                    "values": a.ravel().tolist(), "attrs": attrs,
                }

        out["groups"]["/"] = {"attrs": {k: attr_json(f.attrs[k]) for k in sorted(f.attrs)},
                              "members": sorted(f.keys())}
        f.visititems(visit)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
