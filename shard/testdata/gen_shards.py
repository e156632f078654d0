"""Independent reference for package shard: fmix64(FNV-1a 64) of session
names and their shard (floor(hash * N / 2**64)) for a few N. Run:
/usr/bin/python3 shard/testdata/gen_shards.py > shard/testdata/shards.json
"""
import json

def fnv1a64(b):
    h = 14695981039346656037
    for c in b:
        h = ((h ^ c) * 1099511628211) % 2**64
    return h

M = 2**64

def fmix64(h):
    h ^= h >> 33
    h = h * 0xff51afd7ed558ccd % M
    h ^= h >> 33
    h = h * 0xc4ceb9fe1a85ec53 % M
    h ^= h >> 33
    return h

names = [
    "",
    "a",
    "20210115_252MEA_mouse_left_half_ventral",
    "20210122_252MEA_mouse_left_half_dorsal",
    "20210129_252MEA_mouse_right_half_ventral",
    "20220301_60MEA_marmoset_left_s1",
    "20220308_60MEA_marmoset_right_s2",
    "sessión_ü",  # non-ASCII: UTF-8 bytes
]
out = []
for n in names:
    h = fmix64(fnv1a64(n.encode("utf-8")))
    out.append({"name": n, "hash": str(h), "shards": {str(N): (h * N) >> 64 for N in (1, 2, 3, 7, 10, 1000)}})
print(json.dumps(out, indent=1, ensure_ascii=False))
