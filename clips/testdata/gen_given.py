#!/usr/bin/env python3
"""Fixtures for explicit validation clips (openretina's val_clip_indices):
session_tail.npz split with given indices, computed with numpy the way
openretina's multiple_movies_dataloaders does when val_clip_indices is
given (data_io/base_dataloader.py: the list is used as is, in its order;
generate_movie_splits for the movie, NeuronDataSplit.split_data_train_val
for the responses).

Run from this folder after gen_clips.py: /usr/bin/python3 gen_given.py  (numpy 1.24)."""
import json
import numpy as np

s = np.load("session_tail.npz")
stim, resp = s["stim_train"], s["resp_train"]
T, N = stim.shape[1], resp.shape[0]
cases = {}
for name, L, given in [("given_unsorted", 75, [11, 2, 7]), ("given_len40", 40, [0, 24, 5, 13]), ("given_empty", 75, [])]:
    num_clips = T // L
    val = np.asarray(given, dtype=np.int64)
    C, _, h, w = stim.shape
    movie_val = np.zeros((C, len(given) * L, h, w), dtype="<f4")
    for i, idx in enumerate(given):
        movie_val[:, i * L:(i + 1) * L] = stim[:, idx * L:(idx + 1) * L]
    mask = np.ones(num_clips, dtype=bool)
    mask[given] = False
    train_idx = np.arange(num_clips)[mask]
    movie_train = np.concatenate([stim[:, c * L:(c + 1) * L] for c in train_idx], axis=1)
    r = resp.T
    resp_val = np.zeros((len(given) * L, N))
    vmask = np.ones_like(r, dtype=bool)
    for i, c in enumerate(given):
        resp_val[i * L:(i + 1) * L] = r[c * L:(c + 1) * L]
        vmask[c * L:(c + 1) * L] = False
    resp_train_openretina = r[vmask].reshape(-1, N).T
    resp_train_aligned = np.concatenate([resp[:, c * L:(c + 1) * L] for c in train_idx], axis=1)
    np.savez("expect_%s.npz" % name, val_clip_idx=val.astype("<i8"), stim_train=movie_train, stim_val=movie_val,
             resp_train=resp_train_aligned, resp_val=np.ascontiguousarray(resp_val.T),
             resp_train_openretina=np.ascontiguousarray(resp_train_openretina))
    cases[name] = {"clip_length": L, "val_clip_indices": given}
with open("given.json", "w") as f:
    json.dump(cases, f, indent=1)
print("ok")
