#!/usr/bin/env python3
"""Record what libhdf5 (through h5py) says about cut, padded and moved files.

Run from the repository root:  /usr/bin/python3 hdf5/testdata/gen_truncated_expect.py
Writes hdf5/testdata/truncated_expect.json: for each variant of a committed
golden or corpus file (the last `cut` bytes removed, `pad` zero bytes
appended, `prepend` zero bytes put in front without updating the stored base
address) either null (h5py opens it) or h5py's error message, e.g.
"Unable to open file (truncated file: eof = 1681, sblock->base_addr = 512,
stored_eof = 2681)". truncated_test.go rebuilds the same variants.
"""
import io, json, os
import h5py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = [
    "testdata/golden/sessions/20220208_60MEA_marmoset_right_n1/frozencheckerflicker_data.mat",  # superblock 3, 512-byte user block
    "testdata/golden/sessions/20210203_252MEA_mouse_left_half_dorsal/fixationmovie_data.mat",  # superblock 0, 512-byte user block
    "hdf5/testdata/corpus/chunks_earliest.h5",  # superblock 0, no user block
    "hdf5/testdata/corpus/chunks_latest.h5",  # superblock 3, no user block
    "hdf5/testdata/corpus/userblock1024_latest.h5",
]
VARIANTS = [dict(cut=0), dict(cut=1), dict(cut=1000), dict(pad=100),
            dict(prepend=512), dict(prepend=512, cut=1)]

out = []
for rel in FILES:
    data = open(os.path.join(ROOT, rel), "rb").read()
    for v in VARIANTS:
        d = b"\0" * v.get("prepend", 0) + data
        d = d[: len(d) - v.get("cut", 0)] + b"\0" * v.get("pad", 0)
        try:
            with h5py.File(io.BytesIO(d), "r") as f:
                list(f.keys())
            err = None
        except Exception as e:  # noqa: BLE001 - we record libhdf5's message
            err = str(e)
        out.append(dict(file=rel, cut=v.get("cut", 0), pad=v.get("pad", 0), prepend=v.get("prepend", 0), h5py_error=err))

with open(os.path.join(ROOT, "hdf5/testdata/truncated_expect.json"), "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
