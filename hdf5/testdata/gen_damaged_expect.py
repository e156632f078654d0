#!/usr/bin/python3
"""Records what h5py (libhdf5) reads from damaged files, for the tests that
check our successful reads of them (TestCorpusCorrupted, TestHostile):
    /usr/bin/python3 gen_damaged_expect.py FOLDER OUT.json
FOLDER holds the files (TestDumpCorruptedVariants writes the corrupted
variants; hostile/ holds the CVE files). Each file is read in its own
process with a timeout (libhdf5 may crash or hang on some of them): per
numeric dataset the numpy dtype, shape and SHA-256 of the C-order bytes,
or the error. (h5py 3.7, libhdf5 1.10.8, numpy 1.24: Debian bookworm.)"""
import json, os, subprocess, sys

CHILD = r'''
import hashlib, json, sys
import h5py, numpy as np
out = {"datasets": {}}
try:
    f = h5py.File(sys.argv[1], "r")
except Exception as e:
    out["open_error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out)); sys.exit(0)
seen = set()
def walk(g, pre, depth):
    if depth > 32:
        return
    try:
        keys = list(g.keys())
    except Exception:
        return
    for k in keys:
        p = pre + k
        try:
            o = g[k]
        except Exception as e:
            continue
        if isinstance(o, h5py.Group):
            walk(o, p + "/", depth + 1)
            continue
        if not isinstance(o, h5py.Dataset):
            continue
        try:
            if o.dtype.kind not in "biufc" or o.size * o.dtype.itemsize > 64 << 20:
                continue
            v = np.asarray(o[...] if o.shape == () else o[()])
            out["datasets"][p] = {"dtype": v.dtype.str, "shape": list(v.shape),
                                  "sha256": hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest()}
        except Exception as e:
            out["datasets"][p] = {"error": "%s: %s" % (type(e).__name__, e)}
walk(f, "", 0)
print(json.dumps(out))
'''

folder, outpath = sys.argv[1], sys.argv[2]
res = {}
for name in sorted(os.listdir(folder)):
    if name.endswith((".md", ".c", ".json", ".py")):
        continue
    try:
        p = subprocess.run([sys.executable, "-c", CHILD, os.path.join(folder, name)],
                           capture_output=True, timeout=60, text=True)
        if p.returncode != 0 or not p.stdout.strip():
            res[name] = {"open_error": "h5py process exited %d" % p.returncode, "datasets": {}}
        else:
            res[name] = json.loads(p.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        res[name] = {"open_error": "h5py timed out after 60 s", "datasets": {}}
with open(outpath, "w") as fh:
    json.dump(res, fh, indent=0, sort_keys=True)
