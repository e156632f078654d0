#!/usr/bin/python3
"""Write hdf5/testdata/filters/filters.h5 and filters.json: datasets compressed
with the third-party and libhdf5 filters retinaio decodes, written by libhdf5
1.10.8 through h5py 3.7 with Debian's filter plugins (hdf5plugin 4.0.1,
hdf5-filter-plugin, hdf5-filter-plugin-blosc-serial, bitshuffle), and the
SHA-256 of what h5py reads back from the written file (C-order bytes of the
numpy array, in the dataset's dtype).

    apt-get install python3-h5py python3-hdf5plugin hdf5-filter-plugin \
        hdf5-filter-plugin-blosc-serial bitshuffle
    HDF5_PLUGIN_PATH=/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins \
        /usr/bin/python3 hdf5/testdata/filters/gen_filters.py

The data is chosen to reach the decoders' less common paths: BloscLZ matches
farther than 8191 bytes, incompressible blocks (stored as is), odd element
sizes (shuffle leftovers), bitshuffle with element counts that are not a
multiple of 8, several LZ4 blocks, scale-offset without a fill value,
n-bit integers of odd precision and offset in both byte orders, SZIP of
8- to 64-bit samples with and without the predictor and with padded
scanlines, ZFP in every mode on 1-3 dimensional floats and doubles.
"""
import ctypes
import ctypes.util
import hashlib
import json
import os

import h5py
import hdf5plugin
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "filters.h5")

rng = np.random.default_rng(20261206)


def structured(n, dtype):
    """Values with repeats at short and long distances, and random stretches."""
    base = rng.integers(0, 1000, size=n // 4).astype(dtype)
    far = np.concatenate([base, base[::-1], base, rng.integers(0, 1 << 20, size=n - 3 * (n // 4)).astype(dtype)])
    return far


def libhdf5():
    for name in ("hdf5_serial", "hdf5"):
        p = ctypes.util.find_library(name)
        if p:
            return ctypes.CDLL(p)
    return ctypes.CDLL(os.path.join(os.path.dirname(h5py.__file__), "..", "libhdf5.so"))


def main():
    if os.path.exists(OUT):
        os.remove(OUT)
    with h5py.File(OUT, "w", libver="earliest") as f:
        i4 = structured(40_000, "<i4")
        f8 = np.cumsum(rng.normal(size=12_000)).astype(">f8")
        s3 = np.array([b"abc", b"abd", b"xyz"] * 1001, dtype="S3")  # element size 3
        for cname in ("blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"):
            for shuf, sname in ((0, "noshuffle"), (1, "shuffle"), (2, "bitshuffle")):
                kw = hdf5plugin.Blosc(cname=cname, clevel=9, shuffle=shuf)
                f.create_dataset(f"blosc/{cname}_{sname}_i4", data=i4, chunks=(40_000,), **kw)
                f.create_dataset(f"blosc/{cname}_{sname}_f8be", data=f8, chunks=(7_001,), **kw)
                f.create_dataset(f"blosc/{cname}_{sname}_s3", data=s3, chunks=(3003,), **kw)
        f.create_dataset("blosc/random_i4", data=rng.integers(-2**31, 2**31 - 1, size=5000, dtype="<i4"),
                         chunks=(5000,), **hdf5plugin.Blosc(cname="blosclz", clevel=5, shuffle=0))
        f.create_dataset("blosc/tiny_u2", data=np.arange(7, dtype="<u2"), chunks=(7,),
                         **hdf5plugin.Blosc(cname="lz4", clevel=5, shuffle=1))

        for nb in (0, 1000, 4096):
            f.create_dataset(f"lz4/structured_{nb}", data=i4, chunks=(25_000,), **hdf5plugin.LZ4(nbytes=nb))
        f.create_dataset("lz4/random", data=rng.integers(0, 255, size=10_000, dtype="u1"), chunks=(10_000,),
                         **hdf5plugin.LZ4(nbytes=3000))

        f.create_dataset("bzip2/structured", data=i4, chunks=(40_000,), **hdf5plugin.BZip2(blocksize=1))
        f.create_dataset("bzip2/f8be_shuffle", data=f8, chunks=(10_000,), shuffle=True, **hdf5plugin.BZip2())

        if True:  # needs Debian's bitshuffle plugin on HDF5_PLUGIN_PATH
            for n, bs in ((1003, 0), (20_000, 64), (20_003, 0), (3000, 3000)):
                for lz4 in (False, True):
                    f.create_dataset(f"bitshuffle/i4_{n}_{bs}_{'lz4' if lz4 else 'none'}", data=i4[:n], chunks=(n,),
                                     **hdf5plugin.Bitshuffle(nelems=bs, lz4=lz4))
            f.create_dataset("bitshuffle/f8be_lz4", data=f8, chunks=(5000,), **hdf5plugin.Bitshuffle(lz4=True))

        # SZIP (libaec's encoder in Debian's libhdf5): 8-, 16-, 32- and 64-bit
        # samples, both byte orders, with and without the predictor, and
        # scanlines that are not a multiple of the block size (padding)
        for dt, n in (("u1", 3001), ("<u2", 5000), (">u2", 5000), ("<i2", 4999), (">i4", 3000), ("<f8", 2003)):
            if dt[-1] in "uif" and dt.lstrip("<>")[0] == "i":
                v = rng.integers(-300, 300, size=n).astype(dt)
            elif dt.lstrip("<>")[0] == "f":
                v = np.cumsum(rng.normal(size=n)).astype(dt)
            else:
                v = (np.arange(n) % 200 + rng.integers(0, 3, size=n)).astype(dt)
            for mode, ppb in (("nn", 16), ("ec", 8), ("nn", 32)):
                name = "szip/%s_%s_%d" % (dt.replace("<", "le_").replace(">", "be_"), mode, ppb)
                f.create_dataset(name, data=v, chunks=(min(n, 1000),), compression="szip",
                                 compression_opts=(mode, ppb))
        f.create_dataset("szip/u2_2d_pad", data=(np.arange(37 * 45) % 300).astype("<u2").reshape(37, 45),
                         chunks=(10, 45), compression="szip", compression_opts=("nn", 8))
        f.create_dataset("szip/zeros_u2", data=np.zeros(4096, "<u2"), chunks=(4096,), compression="szip",
                         compression_opts=("ec", 32))

        # ZFP (Debian's H5Z-ZFP): every mode, float and double, 1-3
        # dimensions, arrays whose sizes are not multiples of 4
        x = np.linspace(0, 6, 45)
        grid3 = (np.sin(x)[:, None, None] * np.cos(x)[None, :23, None] * x[None, None, :11]) * 100
        for dt in ("<f4", "<f8"):
            for mname, kw in (("rate", dict(rate=10)), ("precision", dict(precision=14)),
                              ("accuracy", dict(accuracy=1e-3)), ("reversible", dict(reversible=True))):
                z = hdf5plugin.Zfp(**kw)
                f.create_dataset("zfp/%s_1d_%s" % (dt[1:], mname), data=grid3[:, 3, 4].astype(dt), chunks=(45,), **z)
                f.create_dataset("zfp/%s_2d_%s" % (dt[1:], mname), data=grid3[:, :, 5].astype(dt), chunks=(45, 23), **z)
                f.create_dataset("zfp/%s_3d_%s" % (dt[1:], mname), data=grid3.astype(dt), chunks=(45, 23, 11), **z)
        f.create_dataset("zfp/f8_2d_chunks_nan", data=np.where(grid3[:, :, 2] > 50, np.nan, grid3[:, :, 2]),
                         chunks=(16, 8), **hdf5plugin.Zfp(reversible=True))

        f.create_dataset("lzf/structured", data=i4, chunks=(20_000,), compression="lzf")
        f.create_dataset("lzf/f8be_shuffle", data=f8, chunks=(4_000,), compression="lzf", shuffle=True)

        # scale-offset: integers (auto minimum bits), floats (decimal scale)
        for dt in ("<i1", ">i2", "<u2", "<i4", ">u4", "<i8", ">i8", "<u8"):
            info = np.iinfo(dt)
            v = rng.integers(max(info.min, -3000), min(info.max, 3000), size=5003).astype(dt)
            f.create_dataset(f"scaleoffset/int_{dt[1:]}_{'be' if dt[0] == '>' else 'le'}", data=v, chunks=(1000,),
                             scaleoffset=0)
            f.create_dataset(f"scaleoffset/int_{dt[1:]}_{'be' if dt[0] == '>' else 'le'}_fill", data=v, chunks=(1000,),
                             scaleoffset=0, fillvalue=v[7])
        f.create_dataset("scaleoffset/int_const", data=np.full(100, 42, "<i4"), chunks=(30,), scaleoffset=0)
        f.create_dataset("scaleoffset/int_minbits5", data=np.arange(1000, dtype="<i4") % 31, chunks=(300,),
                         scaleoffset=5)
        for dt in ("<f4", ">f4", "<f8", ">f8"):
            v = (rng.normal(size=4000) * 100).astype(dt)
            f.create_dataset(f"scaleoffset/float_{dt[1:]}_{'be' if dt[0] == '>' else 'le'}", data=v, chunks=(1500,),
                             scaleoffset=3)
        # fill value undefined (H5Pset_fill_value with NULL), set through libhdf5
        lib = libhdf5()
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((1000,))
        dcpl.set_scaleoffset(h5py.h5z.SO_INT, 0)
        if lib.H5Pset_fill_value(ctypes.c_int64(dcpl.id), ctypes.c_int64(h5py.h5t.NATIVE_INT32.id), None) < 0:
            raise RuntimeError("H5Pset_fill_value failed")
        v = rng.integers(-500, 500, size=3001).astype("<i4")
        sp = h5py.h5s.create_simple(v.shape)
        ds = h5py.h5d.create(f.id, b"scaleoffset/int_i4_le_nofill", h5py.h5t.STD_I32LE, sp, dcpl=dcpl)
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, v)

        f.require_group("nbit")
        # n-bit: integer types of reduced precision at an offset
        for base, prec, off, signed in ((h5py.h5t.STD_I32LE, 17, 3, True), (h5py.h5t.STD_U16BE, 11, 5, False),
                                        (h5py.h5t.STD_I8LE, 5, 0, True), (h5py.h5t.STD_I64BE, 40, 20, True)):
            t = base.copy()
            t.set_precision(prec)
            t.set_offset(off)
            lo, hi = (-(1 << (prec - 1)), (1 << (prec - 1)) - 1) if signed else (0, (1 << prec) - 1)
            npdt = t.dtype
            v = rng.integers(lo, hi, size=2501).astype(npdt.newbyteorder("="))
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_chunk((700,))
            if lib.H5Pset_nbit(ctypes.c_int64(dcpl.id)) < 0:
                raise RuntimeError("H5Pset_nbit failed")
            sp = h5py.h5s.create_simple(v.shape)
            name = "nbit/%s%d_p%d_o%d" % ("i" if signed else "u", t.get_size() * 8, prec, off)
            ds = h5py.h5d.create(f.id, name.encode(), t, sp, dcpl=dcpl)
            ds.write(h5py.h5s.ALL, h5py.h5s.ALL, v)

    want = {}
    with h5py.File(OUT, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                a = obj[()]
                want["/" + name] = {"dtype": a.dtype.str, "shape": list(a.shape),
                                    "filters": [int(obj.id.get_create_plist().get_filter(i)[0])
                                                for i in range(obj.id.get_create_plist().get_nfilters())],
                                    "sha256": hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()}
        f.visititems(visit)
    with open(os.path.join(HERE, "filters.json"), "w") as fh:
        json.dump({"writer": "h5py %s, libhdf5 %s, hdf5plugin %s" % (h5py.version.version, h5py.version.hdf5_version,
                                                                      hdf5plugin.version),
                   "datasets": want}, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print(len(want), "datasets,", os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
