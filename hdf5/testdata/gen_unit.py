#!/usr/bin/env python3
"""Generate small HDF5 fixtures for the hdf5 package's own unit tests.

Run from the repository root:  /usr/bin/python3 hdf5/testdata/gen_unit.py
Writes hdf5/testdata/unit/*.h5 and unit_expect.json (h5py's reading of them).
Covers structures the shared corpus exercises lightly: extensible arrays with
secondary blocks, paged fixed arrays with uninitialised pages, deep v2
B-trees, dense groups whose fractal heap needs indirect blocks, deep v1
B-tree groups, many dense attributes, fill values in never-written chunks.
"""
import hashlib, json, os
import h5py, numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unit")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(7)


def latest(name):
    return h5py.File(os.path.join(OUT, name), "w", libver="latest")


def earliest(name):
    return h5py.File(os.path.join(OUT, name), "w", libver="earliest")


with latest("indexes_latest.h5") as f:
    d = f.create_dataset("ea_1d", shape=(2000,), maxshape=(None,), chunks=(1,), dtype="u1")
    d[:] = (np.arange(2000) * 7 % 251).astype("u1")
    d = f.create_dataset("ea_gzip", shape=(300, 4), maxshape=(None, 4), chunks=(1, 4), dtype="<i4", compression="gzip")
    d[:] = rng.integers(-1000, 1000, size=(300, 4))
    d = f.create_dataset("ea_sparse", shape=(600,), maxshape=(None,), chunks=(4,), dtype="<f4", fillvalue=-1.5)
    d[0:20] = np.arange(20)
    d[400:410] = 9
    d = f.create_dataset("fa_paged_sparse", shape=(2100,), chunks=(1,), dtype="u1", fillvalue=7)
    d[0:100] = np.arange(100)
    d[2090:2100] = 200
    d = f.create_dataset("bt2_deep", shape=(120, 120), maxshape=(None, None), chunks=(2, 2), dtype="i1")
    d[:] = (np.arange(14400).reshape(120, 120) % 127).astype("i1")
    d = f.create_dataset("bt2_sparse_gzip", shape=(50, 60), maxshape=(None, None), chunks=(7, 9), dtype=">f8",
                         compression="gzip", shuffle=True, fletcher32=True, fillvalue=3.0)
    d[10:30, 5:40] = rng.standard_normal((20, 35))
    g = f.create_group("dense_links")
    target = f.create_dataset("target", data=np.arange(3, dtype="<u2"))
    for i in range(600):
        if i % 50 == 7:
            g["soft_%04d" % i] = h5py.SoftLink("/target")
        elif i % 97 == 3:
            g["ext_%04d" % i] = h5py.ExternalLink("other.h5", "/x")
        else:
            g["link_%04d" % i] = target
    a = f.create_group("dense_attrs")
    for i in range(100):
        a.attrs["attr_%03d" % i] = np.float64(i) * 0.5
    a.attrs["vstr"] = "variable length"
    a.attrs["fstr"] = np.bytes_("fixed")
    a.attrs["big"] = np.arange(20000, dtype="<i4")

with earliest("indexes_earliest.h5") as f:
    g = f.create_group("deep_group")
    target = f.create_dataset("target", data=np.arange(5, dtype=">i8"))
    for i in range(300):
        g["m%04d" % i] = target
    g["soft"] = h5py.SoftLink("/target")
    d = f.create_dataset("sparse_fill", shape=(40, 50), chunks=(8, 8), dtype="<i2", fillvalue=-3, compression="gzip")
    d[0:8, 0:8] = 1
    d[33:40, 45:50] = 2
    d = f.create_dataset("fletcher_shuffle", data=rng.standard_normal((33, 17)).astype(">f4"), chunks=(10, 5),
                         shuffle=True, fletcher32=True, compression="gzip")
    d = f.create_dataset("unlimited", shape=(10, 3), maxshape=(None, 3), chunks=(4, 3), dtype="u2")
    d[:] = np.arange(30).reshape(10, 3)
    d.resize((13, 3))
    f.create_dataset("compact_scalar", data=np.float32(2.5))
    f["committed"] = np.dtype("<i4")
    f.create_dataset("uses_committed", data=np.arange(6, dtype="<i4"), dtype=f["committed"])
    f.create_dataset("empty", shape=(0, 4), dtype="f8")

with earliest("unsupported_filter.h5") as f:
    f.create_dataset("lzf", data=np.arange(100, dtype="<i4"), chunks=(50,), compression="lzf")

expect = {}
for fn in sorted(os.listdir(OUT)):
    if not fn.endswith(".h5") or fn == "unsupported_filter.h5":
        continue
    ent = {"datasets": {}, "groups": {}}
    with h5py.File(os.path.join(OUT, fn), "r") as f:
        def visit(name, obj):
            p = "/" + name
            if isinstance(obj, h5py.Dataset):
                a = obj[()]
                arr = np.asarray(a)
                ent["datasets"][p] = {
                    "shape": list(obj.shape),
                    "dtype": obj.dtype.str,
                    "chunks": list(obj.chunks) if obj.chunks else None,
                    "sha256_raw": hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest(),
                    "sha256_f64": hashlib.sha256(np.ascontiguousarray(arr.astype("<f8")).tobytes()).hexdigest(),
                }
            elif isinstance(obj, h5py.Group):
                links = []
                for k in sorted(obj.keys()):
                    l = obj.get(k, getlink=True)
                    if isinstance(l, h5py.SoftLink):
                        links.append([k, "soft", l.path])
                    elif isinstance(l, h5py.ExternalLink):
                        links.append([k, "external", l.filename + ":" + l.path])
                    else:
                        links.append([k, "hard", ""])
                attrs = {}
                for k, v in obj.attrs.items():
                    if isinstance(v, (bytes, str)):
                        attrs[k] = v.decode() if isinstance(v, bytes) else v
                    else:
                        v = np.asarray(v)
                        attrs[k] = {"sum": float(v.astype("f8").sum()), "n": int(v.size)}
                ent["groups"][p] = {"links": links, "attrs": attrs}
        f.visititems(visit)
    expect[fn] = ent
with open(os.path.join(os.path.dirname(OUT), "unit_expect.json"), "w") as fh:
    json.dump(expect, fh, indent=1, sort_keys=True)
    fh.write("\n")
