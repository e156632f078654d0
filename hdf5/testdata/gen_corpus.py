#!/usr/bin/python3
"""Generate the HDF5 / MATLAB v7.3 fixture corpus and its expected values.

Run from anywhere with the system Python (h5py 3.7, libhdf5 1.10.8, numpy 1.24):

    /usr/bin/python3 hdf5/testdata/gen_corpus.py

It (re)writes hdf5/testdata/corpus/*.h5|*.mat and, for every fixture, a
<fixture>.json with what h5py reads back from the written file (not what we
meant to write): every group (attributes, links) and every dataset (shape,
numpy dtype with byte order, layout, chunk shape, filter pipeline, fill value,
attributes, and the values: listed for small datasets, and always the sha256
of arr.tobytes() in the stored dtype). The Go tests compare our reader with
these files; they never need Python.

Coverage (file-format versions and storage layouts):
  * libver 'earliest' (superblock 0, object header v1, symbol-table groups,
    layout v3 with v1 B-tree chunk index), ('v108','v108') (superblock 2),
    'latest' (superblock 3, object header v2, link messages, layout v4),
    superblock 1 (non-default istore_k, set through libhdf5 via ctypes);
  * user blocks of 512 and 1024 bytes;
  * chunk indexes: v1 B-tree (earliest); single chunk (filtered and not),
    implicit, fixed array (small and paged), extensible array (one unlimited
    dim, many chunks), v2 B-tree (two unlimited dims, many chunks) (latest);
  * compact and contiguous layouts;
  * filters: gzip levels 1/4/9, shuffle, fletcher32 and combinations; one LZF
    file (filter 32000) that also holds a dataset with a private filter
    (id 40000, registered only while writing: must be reported as not built
    in);
  * every integer and float type in both byte orders; fixed-length and
    variable-length strings; object references; compound (complex as
    {real, imag} and h5py's {r, i}); partial edge chunks; never-written
    chunks with fill values; scalar, null and zero-sized dataspaces;
  * >20 links in a group (dense link storage with 'latest'), a 300-link
    group (fractal heap with an indirect block), creation-order tracking;
  * many attributes (dense attribute storage) and a 160 kB attribute (huge
    fractal-heap object); soft, dangling soft and external links; nesting;
  * hdf5storage/MATLAB-style v7.3 files written by hand: 512-byte user block
    with the MAT header, MATLAB_class attributes, struct, cell + #refs#,
    char, logical, empty, complex, sparse, #subsystem#; a 'MI' big-endian
    header variant; a MATLAB v5 (non-HDF5) file; a plain HDF5 with no header.
"""

import ctypes
import hashlib
import json
import math
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
SMALL = 256  # datasets up to this many elements get their values listed

rng = np.random.default_rng(20261125)
notes = {}  # path -> free-text note recorded in the JSON (intended index etc.)


def libhdf5():
    import re
    maps = open("/proc/self/maps").read()
    for p in sorted(set(re.findall(r"/\S*libhdf5\S*\.so\S*", maps))):
        if "_hl" not in p:
            return ctypes.CDLL(p)
    raise RuntimeError("libhdf5 not loaded")


# ---------------------------------------------------------------- expectations

def jnum(x):
    """A JSON-safe scalar: ints stay ints, floats use repr, non-finite as strings."""
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        f = float(x)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(x, (bytes, np.bytes_)):
        return bytes(x).decode("latin-1")
    if isinstance(x, str):
        return x
    if isinstance(x, (np.bool_, bool)):
        return int(x)
    return x


def kind_of(dt, f=None):
    if dt.kind in "iu":
        return "int"
    if dt.kind == "f":
        return "float"
    if dt.kind == "c":
        return "complex"
    if dt.kind == "S":
        return "string_fixed"
    if dt.kind == "O":
        if h5py.check_string_dtype(dt) is not None:
            return "string_vlen"
        if h5py.check_ref_dtype(dt) is not None:
            return "reference"
        if h5py.check_vlen_dtype(dt) is not None:
            return "vlen"
        return "object"
    if dt.kind == "V" and dt.names:
        return "compound"
    return "other"


def complex_descr(dt):
    """numpy complex descr a {real, imag} / {r, i} compound maps to, else None."""
    if dt.kind == "c":
        return dt.str
    if not dt.names or len(dt.names) != 2:
        return None
    a, b = (dt.fields[n] for n in dt.names)
    if a[0] != b[0] or a[0].kind != "f" or a[1] != 0 or b[1] != a[0].itemsize:
        return None
    if dt.itemsize != 2 * a[0].itemsize:
        return None
    if tuple(n.lower() for n in dt.names) not in (("real", "imag"), ("r", "i")):
        return None
    return a[0].str[0] + "c" + str(2 * a[0].itemsize)


def values_of(arr, kind, f):
    flat = arr.reshape(-1) if arr.ndim else arr.reshape(1)
    if kind == "reference":
        out = []
        for r in flat:
            out.append(f[r].name if r else None)
        return out
    if kind == "string_vlen":
        return [x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in flat]
    if kind == "string_fixed":
        return [bytes(x).decode("latin-1") for x in flat]
    if kind in ("compound", "complex"):
        out = []
        for x in flat:
            if kind == "complex":
                out.append([jnum(x.real), jnum(x.imag)])
            else:
                out.append([jnum(x[n]) for n in arr.dtype.names])
        return out
    if kind == "vlen":
        return [[jnum(y) for y in np.asarray(x).reshape(-1)] for x in flat]
    return [jnum(x) for x in flat]


def dtype_info(dt):
    d = {"dtype": dt.str, "kind": kind_of(dt)}
    if dt.names:
        d["fields"] = [[n, dt.fields[n][0].str, dt.fields[n][1]] for n in dt.names]
    cd = complex_descr(dt)
    if cd:
        d["complex_descr"] = cd
    if d["kind"] == "string_vlen":
        d["string_encoding"] = h5py.check_string_dtype(dt).encoding
    return d


def attr_info(obj, f):
    out = []
    for name in sorted(obj.attrs.keys()):
        aid = obj.attrs.get_id(name)
        space = aid.get_space()
        dt = aid.dtype
        a = {"name": name}
        a.update(dtype_info(dt))
        if space.get_simple_extent_type() == h5py.h5s.NULL:
            a["shape"] = None
            a["values"] = []
        else:
            v = obj.attrs[name]
            arr = np.asarray(v) if not isinstance(v, (bytes, str)) else np.array(v, dtype=dt)
            a["shape"] = list(space.shape)
            if arr.size > SMALL and kind_of(dt) in ("int", "float"):
                a["sha256"] = hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()
                a["len"] = int(arr.size)
            else:
                a["values"] = values_of(arr, kind_of(dt), f)
        out.append(a)
    return out


LAYOUTS = {h5py.h5d.COMPACT: "compact", h5py.h5d.CONTIGUOUS: "contiguous", h5py.h5d.CHUNKED: "chunked"}


LAYOUT4 = False  # set by describe(): True when the file was written with libver 'latest' (layout message v4)


def chunk_index_rule(d, dcpl, filters):
    """The chunk index libhdf5 1.10 picks (H5D__layout_set_latest_indexing):
    layout v3 (any libver but 'latest') always uses a v1 B-tree; with layout
    v4, 2+ unlimited dims -> v2 B-tree, 1 -> extensible array, none -> single
    chunk when chunk == shape, implicit when unfiltered with early
    allocation, else fixed array."""
    if not LAYOUT4:
        return "v1 B-tree"
    unlimited = sum(1 for m in d.maxshape if m is None)
    if unlimited >= 2:
        return "v2 B-tree"
    if unlimited == 1:
        return "extensible array"
    if tuple(d.chunks) == tuple(d.shape):
        return "single chunk"
    if not filters and dcpl.get_alloc_time() == h5py.h5d.ALLOC_TIME_EARLY:
        return "implicit"
    return "fixed array"


def dset_info(d, f):
    dcpl = d.id.get_create_plist()
    space = d.id.get_space()
    info = {"path": d.name}
    info.update(dtype_info(d.dtype))
    info["itemsize"] = d.dtype.itemsize
    null = space.get_simple_extent_type() == h5py.h5s.NULL
    info["shape"] = None if null else list(d.shape)
    info["maxshape"] = None if null else [(-1 if m is None else m) for m in d.maxshape]
    info["layout"] = LAYOUTS[dcpl.get_layout()]
    info["chunks"] = list(d.chunks) if d.chunks else None
    filters = []
    for i in range(dcpl.get_nfilters()):
        code, flags, vals, name = dcpl.get_filter(i)
        filters.append({"id": int(code), "name": name.decode() if isinstance(name, bytes) else name,
                        "params": [int(v) for v in vals]})
    info["filters"] = filters
    if d.chunks:
        info["chunk_index"] = chunk_index_rule(d, dcpl, filters)
    info["fillvalue"] = None
    if kind_of(d.dtype) not in ("reference", "string_vlen", "vlen", "object"):
        fv = d.fillvalue  # (h5py segfaults on this for vlen types)
        if fv is not None:
            info["fillvalue"] = values_of(np.asarray(fv, dtype=d.dtype), kind_of(d.dtype), f)[0]
    info["attrs"] = attr_info(d, f)
    if d.name in notes:
        info["note"] = notes[d.name]
    if null:
        info["len"] = 0
        info["values"] = []
        return info
    try:
        # d[...] keeps the stored dtype (byte order included) even for a
        # scalar dataspace, where d[()] returns a native-order numpy scalar.
        arr = d[...]
    except OSError as e:  # e.g. LZF when h5py lacks it; we record the error
        info["read_error"] = str(e)
        return info
    arr = np.asarray(arr)
    info["len"] = int(arr.size)
    k = kind_of(d.dtype)
    if k not in ("reference", "string_vlen", "vlen", "object"):
        info["sha256"] = hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()
    if arr.size <= SMALL or k in ("reference", "string_vlen", "string_fixed", "vlen"):
        info["values"] = values_of(arr, k, f)
    return info


def link_info(g):
    out = []
    for name in sorted(g.keys()):
        l = g.get(name, getlink=True)
        if isinstance(l, h5py.SoftLink):
            out.append({"name": name, "type": "soft", "target": l.path})
        elif isinstance(l, h5py.ExternalLink):
            out.append({"name": name, "type": "external", "target": l.filename + ":" + l.path})
        else:
            out.append({"name": name, "type": "hard"})
    return out


def describe(path, extra=None):
    """Reopen a written file with h5py and dump what it reads."""
    global LAYOUT4
    LAYOUT4 = bool(extra) and extra.get("libver") == "latest"
    with h5py.File(path, "r") as f:
        fcpl = f.id.get_create_plist()
        exp = {
            "file": os.path.basename(path),
            "userblock": fcpl.get_userblock(),
            "superblock_version": fcpl.get_version()[0],
            "libver_note": extra.pop("libver") if extra and "libver" in extra else None,
            "groups": [],
            "datasets": [],
        }
        groups = [{"path": "/", "attrs": attr_info(f, f), "links": link_info(f)}]
        dsets = []

        def visit(name, obj):
            if isinstance(obj, h5py.Group):
                groups.append({"path": obj.name, "attrs": attr_info(obj, f), "links": link_info(obj)})
            elif isinstance(obj, h5py.Dataset):
                dsets.append(dset_info(obj, f))
        f.visititems(visit)
        exp["groups"] = sorted(groups, key=lambda g: g["path"])
        exp["datasets"] = sorted(dsets, key=lambda d: d["path"])
    if extra:
        exp.update(extra)
    with open(path + ".json", "w") as fh:
        json.dump(exp, fh, indent=1, sort_keys=True)
        fh.write("\n")


# ------------------------------------------------------------------- writers

INT_TYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]
FLOAT_TYPES = ["f4", "f8"]


def numeric_sample(t, shape):
    dt = np.dtype(t)
    n = int(np.prod(shape))
    if dt.kind in "iu":
        info = np.iinfo(dt)
        v = rng.integers(info.min, info.max, size=n, dtype=dt.newbyteorder("="), endpoint=True)
        v[0] = info.min
        v[-1] = info.max
    else:
        v = rng.standard_normal(n).astype(dt.newbyteorder("=")) * 1000
        v[0] = np.finfo(dt).max
        v[1] = -0.0
        v[2] = np.finfo(dt).tiny
        if n > 5:
            v[3] = np.inf
            v[4] = -np.inf
            v[5] = np.nan
    return v.reshape(shape).astype(dt)


def dcpl_with(layout=None, alloc_early=False):
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    if layout is not None:
        dcpl.set_layout(layout)
    if alloc_early:
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    return dcpl


def write_types(f, latest):
    """Every numeric type in both byte orders, strings, refs, compounds, spaces."""
    g = f.create_group("num")
    for t in INT_TYPES + FLOAT_TYPES:
        orders = ["|"] if t[1] == "1" else ["<", ">"]
        for o in orders:
            dt = np.dtype((o if o != "|" else "") + t)
            name = t + ("" if o == "|" else ("le" if o == "<" else "be"))
            g.create_dataset(name, data=numeric_sample(dt, (3, 4)))
    # a 2-D uint8 image-like and a 3-D float array, contiguous, larger (hash only)
    g.create_dataset("big_u2be", data=numeric_sample(">u2", (60, 50)))
    g.create_dataset("cube_f4", data=numeric_sample("<f4", (5, 6, 7)))
    # compact layout
    cd = f.create_dataset("compact_i4", data=np.arange(-10, 10, dtype="<i4").reshape(4, 5),
                          dcpl=dcpl_with(h5py.h5d.COMPACT))
    cd.attrs["MATLAB_class"] = np.bytes_("int32")
    f.create_dataset("compact_f8be", data=np.linspace(-1, 1, 7, dtype=">f8"), dcpl=dcpl_with(h5py.h5d.COMPACT))
    # scalar, null, zero-sized
    f.create_dataset("scalar_f8", data=np.float64(3.25))
    f.create_dataset("scalar_i2be", data=np.array(-1234, dtype=">i2"))
    f.create_dataset("null_f8", data=h5py.Empty("f8"))
    f.create_dataset("zero_u1", shape=(0, 3), dtype="u1")
    # strings
    s = f.create_group("str")
    s.create_dataset("fixed", data=np.array([b"alpha", b"be", b"", b"gamma12"], dtype="S7"))
    s.create_dataset("fixed_scalar", data=np.bytes_("hello world"))
    vs = h5py.string_dtype("utf-8")
    s.create_dataset("vlen_utf8", data=np.array(["x", "", "héllo wörld", "日本語", "a" * 300], dtype=object), dtype=vs)
    s.create_dataset("vlen_ascii", data=np.array([b"one", b"two", b"three"], dtype=object),
                     dtype=h5py.string_dtype("ascii"))
    s.create_dataset("vlen_scalar", data="scalar string", dtype=vs)
    s.create_dataset("vlen_2d", data=np.array([["a", "bb"], ["ccc", "dddd"], ["", "f"]], dtype=object), dtype=vs)
    # compounds
    c = f.create_group("cplx")
    for o in "<>":
        dt = np.dtype([("real", o + "f8"), ("imag", o + "f8")])
        z = np.zeros((2, 3), dtype=dt)
        z["real"] = np.arange(6).reshape(2, 3) + 0.5
        z["imag"] = -np.arange(6).reshape(2, 3) * 1.25
        c.create_dataset("ri_f8" + ("le" if o == "<" else "be"), data=z)
    dt4 = np.dtype([("real", "<f4"), ("imag", "<f4")])
    z4 = np.zeros(5, dtype=dt4)
    z4["real"] = [1, 2, 3, 4, 5]
    z4["imag"] = [-1, -2, -3, -4, 1e30]
    c.create_dataset("ri_f4", data=z4)
    c.create_dataset("h5py_c16", data=np.array([1 + 2j, -3.5 - 0.25j, 0j], dtype="<c16"))
    c.create_dataset("h5py_c8be", data=np.array([1 + 2j, -3.5 - 0.25j], dtype=">c8"))
    rec = np.zeros(3, dtype=[("id", "<u2"), ("x", ">f4"), ("tag", "S3")])
    rec["id"] = [1, 2, 65535]
    rec["x"] = [0.5, -1, 2.5]
    rec["tag"] = [b"a", b"bc", b"def"]
    c.create_dataset("record", data=rec)
    # references
    r = f.create_group("refs")
    targets = [f["num/u1"], f["str/fixed"], f["cplx"], f["scalar_f8"]]
    rd = r.create_dataset("objrefs", shape=(4,), dtype=h5py.ref_dtype)
    for i, t in enumerate(targets):
        rd[i] = t.ref
    rd2 = r.create_dataset("objrefs_2d", shape=(2, 1), dtype=h5py.ref_dtype)
    rd2[0, 0] = f["num/f8le"].ref
    rd2[1, 0] = f["compact_i4"].ref
    r.attrs["ref_attr"] = f["num/i4le"].ref
    # attributes of many types on one dataset
    a = f["num/f8le"].attrs
    a["int_scalar"] = np.int32(-5)
    a["u8_scalar"] = np.uint64(2**63 + 7)
    a["float_vec"] = np.array([1.5, -2.25, 1e-300], dtype=">f8")
    a["fixed_str"] = np.bytes_("double")
    a["vlen_str"] = "vlen ∑ attr"
    a["str_list"] = np.array(["a", "bc"], dtype=h5py.string_dtype())
    a["empty_attr"] = h5py.Empty("f4")
    a["i2_matrix"] = np.arange(6, dtype="<i2").reshape(2, 3)


def write_chunks(f, latest):
    """Chunked layouts: indexes, filters, edge chunks, fill values."""
    base = numeric_sample("<i2", (37, 23))
    g = f.create_group("filters")
    g.create_dataset("none", data=base, chunks=(8, 5))
    for lvl in (1, 4, 9):
        g.create_dataset("gzip%d" % lvl, data=base, chunks=(8, 5), compression="gzip", compression_opts=lvl)
    g.create_dataset("shuffle", data=base, chunks=(8, 5), shuffle=True)
    g.create_dataset("fletcher32", data=base, chunks=(8, 5), fletcher32=True)
    g.create_dataset("shuffle_gzip", data=base, chunks=(8, 5), shuffle=True, compression="gzip")
    g.create_dataset("shuffle_gzip_fletcher32", data=base, chunks=(8, 5), shuffle=True, compression="gzip",
                     compression_opts=6, fletcher32=True)
    g.create_dataset("gzip_fletcher32_f8be", data=numeric_sample(">f8", (20, 9)), chunks=(6, 4),
                     compression="gzip", fletcher32=True)
    g.create_dataset("shuffle_u8be", data=numeric_sample(">u8", (50,)), chunks=(16,), shuffle=True,
                     compression="gzip")
    # big image-like uint8 ensemble (hash only), gzip: (frames, h, w)
    imgs = (np.arange(12)[:, None, None] * 3 + np.arange(64)[None, :, None] + np.arange(48)[None, None, :]) % 251
    imgs = (imgs + rng.integers(0, 4, imgs.shape)).astype("u1")
    g.create_dataset("images_u1", data=imgs, chunks=(1, 64, 48), compression="gzip", compression_opts=4)
    # edge chunks in 3-D
    g.create_dataset("edge3d_f4", data=numeric_sample("<f4", (7, 9, 11)), chunks=(3, 4, 5), compression="gzip")

    fv = f.create_group("fill")
    d = fv.create_dataset("partial_i4", shape=(20, 20), chunks=(5, 5), dtype="<i4", fillvalue=-7)
    d[0:5, 0:5] = 1
    d[12:14, 17:20] = 2  # touches chunks (2,3) and ... edges
    d = fv.create_dataset("partial_gzip_f8", shape=(30,), chunks=(4,), dtype="<f8", fillvalue=np.pi,
                          compression="gzip")
    d[5:9] = [1, 2, 3, 4]
    d[29] = -1
    fv.create_dataset("never_written_u2be", shape=(6, 4), chunks=(2, 2), dtype=">u2", fillvalue=0xBEEF)
    fv.create_dataset("never_written_nofill", shape=(5,), chunks=(2,), dtype="<f4")
    cfill = np.array((1.5, -2.5), dtype=[("real", "<f8"), ("imag", "<f8")])
    d = fv.create_dataset("cplx_fill", shape=(4,), chunks=(2,), dtype=cfill.dtype, fillvalue=cfill)
    d[0] = np.array((9, 9), dtype=cfill.dtype)
    fv.create_dataset("contig_fill_i8", shape=(3,), dtype="<i8", fillvalue=-123456789012)

    ix = f.create_group("index")
    if not latest:
        notes["/index/btree1_many"] = "v1 B-tree, >64 chunks (depth > 0)"
        d = ix.create_dataset("btree1_many", data=numeric_sample("<u2", (100, 90)), chunks=(5, 5),
                              compression="gzip")
        notes["/index/btree1_unlimited"] = "v1 B-tree with unlimited dims and holes"
        d = ix.create_dataset("btree1_unlimited", shape=(10, 10), maxshape=(None, None), chunks=(3, 3),
                              dtype="<f4", fillvalue=-1)
        d[0:3, 0:3] = 5
        d[9, 9] = 6
        d.resize((12, 11))
        d[11, 10] = 7
        return
    # single chunk
    notes["/index/single"] = "single chunk index (chunk == shape, fixed maxshape)"
    ix.create_dataset("single", data=numeric_sample("<i4", (6, 7)), chunks=(6, 7))
    notes["/index/single_gzip"] = "single chunk index, filtered"
    ix.create_dataset("single_gzip", data=numeric_sample(">f8", (6, 7)), chunks=(6, 7), compression="gzip",
                      shuffle=True)
    # implicit: no filter, fixed maxshape, early allocation
    notes["/index/implicit"] = "implicit index (early allocation, no filter)"
    d = ix.create_dataset("implicit", shape=(10, 9), chunks=(3, 4), dtype="<u2",
                          dcpl=dcpl_with(alloc_early=True), fillvalue=77)
    d[0:7, 0:5] = np.arange(35).reshape(7, 5)
    # fixed array (default for fixed maxshape, late allocation)
    notes["/index/farray"] = "fixed array index"
    ix.create_dataset("farray", data=numeric_sample("<f4", (13, 11)), chunks=(4, 4))
    notes["/index/farray_paged_gzip"] = "fixed array index with >1024 chunks (paged data block), filtered, holes"
    d = ix.create_dataset("farray_paged_gzip", shape=(40, 45), chunks=(1, 1), dtype="u1", compression="gzip",
                          fillvalue=200)
    d[0:30, :] = (np.arange(30 * 45) % 199).reshape(30, 45)
    notes["/index/farray_paged"] = "fixed array index with >1024 chunks (paged), unfiltered"
    ix.create_dataset("farray_paged", data=(np.arange(1100) * 7 % 256).astype("u1").reshape(1100),
                      chunks=(1,))
    # extensible array: one unlimited dim
    notes["/index/earray"] = "extensible array index (one unlimited dim), few chunks"
    d = ix.create_dataset("earray", shape=(10, 6), maxshape=(None, 6), chunks=(3, 6), dtype="<i8")
    d[...] = np.arange(60).reshape(10, 6) - 30
    notes["/index/earray_many"] = "extensible array with 3000 chunks (super/data blocks, pages), holes, fill"
    d = ix.create_dataset("earray_many", shape=(3000,), maxshape=(None,), chunks=(1,), dtype="<i2",
                          fillvalue=-1)
    vals = (np.arange(3000) % 1000).astype("<i2")
    vals[1500:1600] = -1  # never written
    d[0:1500] = vals[0:1500]
    d[1600:3000] = vals[1600:3000]
    notes["/index/earray_many_gzip"] = "extensible array, filtered, 2100 chunks"
    d = ix.create_dataset("earray_many_gzip", shape=(0, 2), maxshape=(None, 2), chunks=(1, 2), dtype=">u4",
                          compression="gzip", compression_opts=1)
    d.resize((2100, 2))
    d[...] = np.arange(4200).reshape(2100, 2).astype(">u4")
    notes["/index/earray_dim1"] = "extensible array, unlimited second dim"
    d = ix.create_dataset("earray_dim1", shape=(4, 5), maxshape=(4, None), chunks=(2, 2), dtype="<f8")
    d[...] = np.arange(20).reshape(4, 5) / 4
    # v2 B-tree: 2+ unlimited dims
    notes["/index/btree2"] = "v2 B-tree index, 2 unlimited dims, few chunks"
    d = ix.create_dataset("btree2", shape=(9, 8), maxshape=(None, None), chunks=(4, 3), dtype="<i4",
                          fillvalue=-99)
    d[0:8, 0:6] = np.arange(48).reshape(8, 6)
    notes["/index/btree2_many_gzip"] = "v2 B-tree index, 1200 chunks (depth > 0), filtered"
    d = ix.create_dataset("btree2_many_gzip", shape=(40, 30), maxshape=(None, None), chunks=(1, 1),
                          dtype="<u2", compression="gzip", compression_opts=1)
    d[...] = (np.arange(1200) * 3).reshape(40, 30).astype("<u2")
    notes["/index/btree2_many"] = "v2 B-tree index, 1200 chunks, unfiltered, 3 dims"
    d = ix.create_dataset("btree2_many", shape=(10, 12, 10), maxshape=(None, None, 10), chunks=(1, 1, 10),
                          dtype="<f4", fillvalue=0.5)
    d[0:10, 0:12, :] = np.arange(1200).reshape(10, 12, 10).astype("<f4")
    d[3, 4, :] = 0.5  # written fill value
    notes["/index/small_in_big_chunk"] = "chunked, unlimited maxshape, dataset smaller than one chunk"
    d = ix.create_dataset("small_in_big_chunk", shape=(3,), maxshape=(None,), chunks=(100,), dtype="<f8")
    d[...] = [1, 2, 3]


def write_groups(f, latest):
    """Nested groups, many links, many/large attributes, soft/external links."""
    deep = f.create_group("a/b/c/d/e")
    deep.create_dataset("leaf", data=np.arange(5, dtype="<i8"))
    deep.attrs["depth"] = np.int8(5)
    many = f.create_group("many")
    for i in range(25):
        many.create_dataset("d%02d" % i, data=np.int32(i))
    many["zz_soft"] = h5py.SoftLink("/many/d03")
    # a big group: several fractal heap direct blocks -> indirect block (latest)
    big = f.create_group("big")
    for i in range(200):
        big.create_dataset("dataset_with_a_long_name_%04d" % i, data=np.uint16(i))
    for i in range(100):
        big["soft_link_with_a_long_name_%04d" % i] = h5py.SoftLink("/big/dataset_with_a_long_name_%04d" % i)
    if latest:
        to = f.create_group("tracked", track_order=True)
        for i in range(30):
            to.create_dataset("t%02d" % (29 - i), data=np.float32(i))
    # links
    f["soft"] = h5py.SoftLink("/a/b/c/d/e/leaf")
    f["dangling"] = h5py.SoftLink("/does/not/exist")
    f["external"] = h5py.ExternalLink("other_file.h5", "/some/dataset")
    # many attributes (> 8: dense with latest)
    attrs_obj = f.create_dataset("attrs_many", data=np.arange(3, dtype="u1"))
    for i in range(30):
        attrs_obj.attrs["attr_%02d" % i] = np.float64(i) / 8
    attrs_obj.attrs["name_s"] = np.bytes_("fixed")
    attrs_obj.attrs["name_v"] = "variable"
    ga = f["a"]
    for i in range(12):
        ga.attrs["g%02d" % i] = np.array([i, -i], dtype=">i4")
    if latest:
        big_attr = f.create_dataset("attr_large", data=np.uint8(1))
        big_attr.attrs["large"] = np.arange(20000, dtype="<f8") / 3  # 160 kB: dense, huge heap object
        big_attr.attrs["small"] = np.int16(3)
    # a group with attributes added after its members (object header continuation)
    cont = f.create_group("cont")
    for i in range(6):
        cont.create_dataset("x%d" % i, data=np.arange(i + 1, dtype="<u4"))
    for i in range(8):
        cont.attrs["late_%d" % i] = np.bytes_("v" * (50 + i * 30))
    # dataset with attrs added later -> continuation block on a dataset header
    dd = cont["x5"]
    for i in range(8):
        dd.attrs["later_%d" % i] = np.arange(40, dtype="<f8") + i


def new_file(name, libver, userblock=0, fcpl_hook=None):
    path = os.path.join(OUT, name)
    if os.path.exists(path):
        os.remove(path)
    if fcpl_hook is None:
        kw = {"userblock_size": userblock} if userblock else {}
        return h5py.File(path, "w", libver=libver, **kw)
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    if userblock:
        fcpl.set_userblock(userblock)
    fcpl_hook(fcpl)
    fid = h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    return h5py.File(fid)


def gen_hdf5():
    specs = [
        ("types_earliest.h5", "earliest", write_types, False),
        ("types_latest.h5", "latest", write_types, True),
        ("chunks_earliest.h5", "earliest", write_chunks, False),
        ("chunks_latest.h5", "latest", write_chunks, True),
        ("groups_earliest.h5", "earliest", write_groups, False),
        ("groups_latest.h5", "latest", write_groups, True),
    ]
    for name, libver, fn, latest in specs:
        notes.clear()
        with new_file(name, libver) as f:
            fn(f, latest)
        describe(os.path.join(OUT, name), {"libver": libver})

    # user blocks 512 / 1024, both settings
    notes.clear()
    with new_file("userblock512_earliest.h5", "earliest", 512) as f:
        f.create_dataset("x", data=np.arange(12, dtype="<f8").reshape(3, 4), chunks=(2, 2), compression="gzip")
        f.create_group("g").create_dataset("s", data=np.bytes_("ub"))
    with open(os.path.join(OUT, "userblock512_earliest.h5"), "r+b") as fh:
        fh.write(b"user block text, not HDF5\n")
    describe(os.path.join(OUT, "userblock512_earliest.h5"), {"libver": "earliest"})
    with new_file("userblock1024_latest.h5", "latest", 1024) as f:
        f.create_dataset("x", data=np.arange(12, dtype=">i4").reshape(4, 3), chunks=(2, 3), maxshape=(None, 3),
                         compression="gzip")
        f.create_dataset("y", data=np.arange(5, dtype="<u1"))
    describe(os.path.join(OUT, "userblock1024_latest.h5"), {"libver": "latest"})
    # superblock v1 (istore_k set, needs the C call) and v2 (libver v108)
    lib = libhdf5()
    lib.H5Pset_istore_k.argtypes = [ctypes.c_int64, ctypes.c_uint]

    def istore(fcpl):
        if lib.H5Pset_istore_k(fcpl.id, 8) < 0:
            raise RuntimeError("H5Pset_istore_k failed")
    with new_file("superblock1.h5", "earliest", 0, istore) as f:
        f.create_dataset("x", data=np.arange(300, dtype="<i4").reshape(30, 10), chunks=(2, 2))
        f.create_group("g").attrs["a"] = np.int32(1)
    describe(os.path.join(OUT, "superblock1.h5"), {"libver": "earliest, istore_k=8"})
    with new_file("superblock2_v108.h5", ("v108", "v108")) as f:
        f.create_dataset("x", data=np.arange(20, dtype="<f4"), chunks=(5,), maxshape=(None,), compression="gzip")
        g = f.create_group("g")
        for i in range(10):
            g.create_dataset("d%d" % i, data=np.int8(i))
    describe(os.path.join(OUT, "superblock2_v108.h5"), {"libver": "v108"})

    gen_lzf()


def gen_lzf():
    """lzf.h5: an LZF dataset (filter 32000, read like any other) and one
    with a private filter (id 40000, registered here through libhdf5's
    H5Zregister as an identity filter; no reader has it: it must fail with
    an error naming it)."""
    lib = libhdf5()
    ffunc = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_uint, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint),
                             ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_void_p))

    class H5ZClass2(ctypes.Structure):
        _fields_ = [("version", ctypes.c_int), ("id", ctypes.c_int), ("encoder_present", ctypes.c_uint),
                    ("decoder_present", ctypes.c_uint), ("name", ctypes.c_char_p), ("can_apply", ctypes.c_void_p),
                    ("set_local", ctypes.c_void_p), ("filter", ffunc)]

    identity = ffunc(lambda flags, ncd, cd, nbytes, buf_size, buf: nbytes)
    cls = H5ZClass2(1, 40000, 1, 1, b"retinaio private test filter", None, None, identity)
    if lib.H5Zregister(ctypes.byref(cls)) < 0:
        raise RuntimeError("H5Zregister failed")
    with new_file("lzf.h5", "earliest") as f:
        f.create_dataset("lzf_data", data=np.arange(100, dtype="<i4"), chunks=(10,), compression="lzf")
        f.create_dataset("private_filter_data", data=np.arange(100, dtype="<i4"), chunks=(10,), compression=40000)
        f.create_dataset("ok", data=np.arange(3, dtype="<i4"))
    describe(os.path.join(OUT, "lzf.h5"), {"libver": "earliest",
                                           "unsupported": {"/private_filter_data": {"filter": 40000,
                                                                                    "name": "retinaio private test filter"}}})


# ------------------------------------------------------------------- MATLAB

def mat_header(endian="IM", text=None):
    if text is None:
        text = ("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Wed Nov 25 12:00:00 2026 "
                "HDF5 schema 1.00 .")
    h = text.encode("ascii").ljust(116, b" ")
    h += b"\x00" * 8  # subsystem data offset
    h += (b"\x00\x02" if endian == "IM" else b"\x02\x00") + endian.encode()
    assert len(h) == 128
    return h


def cls(obj, name):
    obj.attrs.create("MATLAB_class", np.bytes_(name), dtype=h5py.string_dtype("ascii", len(name)))


def mat_fields(group, names):
    vl = h5py.vlen_dtype(np.dtype("S1"))
    arr = np.empty(len(names), dtype=object)
    for i, n in enumerate(names):
        arr[i] = np.array([bytes([c]) for c in n.encode()], dtype="S1")
    group.attrs.create("MATLAB_fields", arr, dtype=vl)


def mat_numeric(parent, name, mval, mclass, **kw):
    """Store a MATLAB array (given in MATLAB order) transposed, as MATLAB does."""
    data = np.asarray(mval)
    d = parent.create_dataset(name, data=np.ascontiguousarray(data.T), **kw)
    cls(d, mclass)
    return d


def mat_char(parent, name, s):
    d = parent.create_dataset(name, data=np.frombuffer(s.encode("utf-16-le"), dtype="<u2").reshape(-1, 1))
    cls(d, "char")
    d.attrs["MATLAB_int_decode"] = np.int32(2)
    return d


def mat_empty(parent, name, mdims, mclass):
    d = parent.create_dataset(name, data=np.array(mdims, dtype="<u8"))
    cls(d, mclass)
    d.attrs["MATLAB_empty"] = np.uint8(1)
    return d


def gen_mat():
    path = os.path.join(OUT, "matlab_v73.mat")
    with new_file("matlab_v73.mat", "earliest", 512) as f:
        refs = f.create_group("#refs#")
        mat_empty(refs, "a", [0, 0], "canonical empty")
        # double 2x3 in MATLAB: [1 2 3; 4 5 6] -> stored (3, 2)
        mat_numeric(f, "x", np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "double")
        mat_numeric(f, "scalar", np.array([[2.5]]), "double")
        mat_numeric(f, "single_row", np.array([[1.5, -2.5, 3.25]], dtype="<f4"), "single")
        mat_numeric(f, "i64", np.array([[-(2**62)], [7]], dtype="<i8"), "int64")
        img = (np.arange(4 * 5 * 6).reshape(4, 5, 6) % 256).astype("u1")  # MATLAB 4x5x6 uint8
        mat_numeric(f, "img", img, "uint8", chunks=(3, 5, 4), compression="gzip", compression_opts=3)
        mat_char(f, "name", "hello, wörld")
        lg = mat_numeric(f, "flag", np.array([[1, 0, 1, 1]], dtype="u1"), "logical")
        del lg
        mat_empty(f, "e", [0, 0], "double")
        mat_empty(f, "e03", [0, 3], "char")
        z = np.zeros((2, 2), dtype=[("real", "<f8"), ("imag", "<f8")])  # MATLAB [1+2i 3-1i; 0 5i]
        z["real"] = [[1, 3], [0, 0]]
        z["imag"] = [[2, -1], [0, 5]]
        d = f.create_dataset("z", data=np.ascontiguousarray(z.T))
        cls(d, "double")
        # struct s: a (double 1x2), b (char), c (struct with d int32)
        s = f.create_group("s")
        cls(s, "struct")
        mat_fields(s, ["a", "b", "c"])
        mat_numeric(s, "a", np.array([[10.0, 20.0]]), "double")
        mat_char(s, "b", "field b")
        c = s.create_group("c")
        cls(c, "struct")
        mat_fields(c, ["d"])
        mat_numeric(c, "d", np.array([[1, 2], [3, 4]], dtype="<i4"), "int32")
        # cell 1x3: {[1 2 3], 'cell text', uint8 2x2}
        r0 = mat_numeric(refs, "b", np.array([[1.0, 2.0, 3.0]]), "double")
        r1 = mat_char(refs, "c", "cell text")
        r2 = mat_numeric(refs, "d", np.array([[1, 2], [3, 4]], dtype="u1"), "uint8")
        cd = f.create_dataset("c", shape=(3, 1), dtype=h5py.ref_dtype)
        for i, rr in enumerate([r0, r1, r2]):
            cd[i, 0] = rr.ref
        cls(cd, "cell")
        # nested cell inside a cell: c2 = {{'x'}, 5}
        inner_x = mat_char(refs, "e", "x")
        inner = refs.create_dataset("f", shape=(1, 1), dtype=h5py.ref_dtype)
        inner[0, 0] = inner_x.ref
        cls(inner, "cell")
        five = mat_numeric(refs, "g", np.array([[5.0]]), "double")
        c2 = f.create_dataset("c2", shape=(2, 1), dtype=h5py.ref_dtype)
        c2[0, 0] = inner.ref
        c2[1, 0] = five.ref
        cls(c2, "cell")
        # sparse 3x3 double: [1 0 0; 0 0 2; 0 3 0] (CSC: data, ir, jc)
        sp = f.create_group("sp")
        cls(sp, "double")
        sp.attrs["MATLAB_sparse"] = np.uint64(3)
        sp.create_dataset("data", data=np.array([1.0, 3.0, 2.0]))
        sp.create_dataset("ir", data=np.array([0, 2, 1], dtype="<u8"))
        sp.create_dataset("jc", data=np.array([0, 1, 2, 3], dtype="<u8"))
        # MATLAB objects live in #subsystem#; Variables() skips it
        sub = f.create_group("#subsystem#")
        m = sub.create_dataset("MCOS", data=np.zeros((1, 4), dtype="u1"))
        cls(m, "FileWrapper__")
    with open(path, "r+b") as fh:
        fh.write(mat_header("IM"))
    describe(path, {"libver": "earliest", "mat": {"header": "MATLAB 7.3 MAT-file", "endian": "IM"}})

    # big-endian indicator variant ('MI') and a latest-format MAT file
    path = os.path.join(OUT, "matlab_mi_latest.mat")
    with new_file("matlab_mi_latest.mat", "latest", 512) as f:
        mat_numeric(f, "v", np.array([[1.0], [2.0]]), "double")
        mat_char(f, "t", "MI")
    with open(path, "r+b") as fh:
        fh.write(mat_header("MI"))
    describe(path, {"libver": "latest", "mat": {"header": "MATLAB 7.3 MAT-file", "endian": "MI"}})

    # plain HDF5 (no MAT header) with MATLAB-ish content: mat opens it, flagged
    with new_file("plain_for_mat.h5", "earliest") as f:
        mat_numeric(f, "y", np.array([[1.0, 2.0]]), "double")
    describe(os.path.join(OUT, "plain_for_mat.h5"), {"libver": "earliest", "mat": {"header": None}})

    # MATLAB v5 file (not HDF5): a 128-byte header then one miMATRIX double 1x1
    import struct
    hdr = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Wed Nov 25 12:00:00 2026".ljust(116, b" ")
    hdr += b"\x00" * 8 + struct.pack("<H", 0x0100) + b"IM"
    body = b""
    body += struct.pack("<II", 6, 8) + struct.pack("<II", 6, 0)            # array flags: mxDOUBLE_CLASS
    body += struct.pack("<II", 5, 8) + struct.pack("<ii", 1, 1)            # dims 1x1
    body += struct.pack("<HH", 1, 1) + b"x\x00\x00\x00"                   # small name element "x"
    body += struct.pack("<II", 9, 8) + struct.pack("<d", 42.0)             # real part
    elem = struct.pack("<II", 14, len(body)) + body
    with open(os.path.join(OUT, "matlab_v5.mat"), "wb") as fh:
        fh.write(hdr + elem)
    with open(os.path.join(OUT, "matlab_v5.mat.json"), "w") as fh:
        json.dump({"file": "matlab_v5.mat", "not_hdf5": True,
                   "mat": {"header": "MATLAB 5.0 MAT-file", "endian": "IM", "error": "ErrNotV73"}},
                  fh, indent=1, sort_keys=True)
        fh.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    for fn in os.listdir(OUT):
        if fn.endswith((".h5", ".mat", ".json")):
            os.remove(os.path.join(OUT, fn))
    gen_hdf5()
    gen_mat()
    total = sum(os.path.getsize(os.path.join(OUT, x)) for x in os.listdir(OUT))
    print("wrote %d files, %d bytes" % (len(os.listdir(OUT)), total), file=sys.stderr)


if __name__ == "__main__":
    main()
