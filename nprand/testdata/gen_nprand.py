#!/usr/bin/env python3
"""Test vectors for package nprand from numpy's legacy RandomState.
Run from this folder: /usr/bin/python3 gen_nprand.py  (numpy 1.24 used).
Big permutations are stored as their first 50 values plus the sha256 of
the whole permutation as little-endian int64."""
import hashlib, json
import numpy as np

SEEDS = [0, 1, 42, 12345, 2**31, 2**32 - 1]
out = {"raw": {}, "sample": {}, "perm": [], "choice": [], "randint": [], "array_seed": [], "sequence": []}
for s in SEEDS:
    r = np.random.RandomState(s)
    out["raw"][str(s)] = [int(x) for x in r.randint(0, 2**32, size=700, dtype=np.uint64)]
    r = np.random.RandomState(s)
    out["sample"][str(s)] = [float(x).hex() for x in r.random_sample(10)]

for s in [0, 1, 42, 2**32 - 1]:
    for n in [0, 1, 2, 3, 10, 100, 1000, 10**4, 10**5, 10**6]:
        p = np.random.RandomState(s).permutation(n).astype("<i8")
        out["perm"].append({"seed": s, "n": n, "head": p[:50].tolist(),
                            "sha256": hashlib.sha256(p.tobytes()).hexdigest()})

for s in [42, 0, 7]:
    for n in list(range(20, 41)) + [50, 64, 65, 100, 127, 128, 129, 255, 256, 257, 1000, 4096, 10**5, 10**6]:
        k = 20
        out["choice"].append({"seed": s, "n": n, "k": k,
                              "idx": np.random.RandomState(s).choice(n, k, replace=False).tolist()})
    out["choice"].append({"seed": s, "n": 5, "k": 5, "idx": np.random.RandomState(s).choice(5, 5, replace=False).tolist()})
    out["choice"].append({"seed": s, "n": 5, "k": 0, "idx": np.random.RandomState(s).choice(5, 0, replace=False).tolist()})

for s in [42, 3]:
    for lo, hi in [(0, 1), (0, 2), (0, 10), (-5, 5), (0, 75), (0, 2**31), (0, 2**32), (-2**31, 2**31),
                   (0, 2**32 + 5), (10**12, 10**12 + 3), (0, 2**62), (-2**63, 2**63 - 1)]:
        v = np.random.RandomState(s).randint(lo, hi, size=50)
        assert v.dtype == np.int64
        out["randint"].append({"seed": s, "low": str(lo), "high": str(hi), "values": [str(int(x)) for x in v]})

for key in [[1, 2, 3], [0], [2**32 - 1] * 700, list(range(1000))]:
    r = np.random.RandomState(key)
    out["array_seed"].append({"key": key, "raw": [int(x) for x in r.randint(0, 2**32, size=20, dtype=np.uint64)]})

# A sequence of calls on one state: continuity between algorithms.
r = np.random.RandomState(7)
seq = {"seed": 7}
seq["perm10"] = r.permutation(10).tolist()
seq["randint"] = r.randint(0, 100, size=5).tolist()
seq["choice"] = r.choice(30, 4, replace=False).tolist()
seq["sample"] = [float(x).hex() for x in r.random_sample(3)]
arr = np.arange(12)
r.shuffle(arr)
seq["shuffle12"] = arr.tolist()
out["sequence"].append(seq)

with open("vectors.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
print("ok")
