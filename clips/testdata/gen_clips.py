#!/usr/bin/env python3
"""Fixtures for package clips: random sessions and their splits computed
with numpy the way openretina does it (data_io/base_dataloader.py:
generate_movie_splits for the movie, NeuronDataSplit.split_data_train_val
for the responses, RandomState(seed).choice for the clips).

Run from this folder: /usr/bin/python3 gen_clips.py   (numpy 1.24 used)."""
import json
import numpy as np

CASES = [
    # name, T, h, w, N, clip_length, num_val_clips, seed
    ("tail", 1000, 2, 3, 4, 75, 5, 42),
    ("exact", 1500, 1, 2, 3, 75, 19, 0),
    ("default", 75 * 25 + 7, 2, 2, 2, 75, 20, 42),
    ("short_clips", 403, 1, 1, 5, 10, 7, 12345),
]
params = {}
for i, (name, T, h, w, N, L, V, seed) in enumerate(CASES):
    g = np.random.default_rng(1000 + i)
    stim_train = g.standard_normal((1, T, h, w)).astype("<f4")
    stim_test = g.standard_normal((1, 50, h, w)).astype("<f4")
    resp_train = g.poisson(1.5, (N, T)).astype("<f8") / 3
    by_trial = g.poisson(1.5, (4, N, 50)).astype("<f8")
    np.savez("session_%s.npz" % name, stim_train=stim_train, stim_test=stim_test,
             norm_mean=np.array(0.5, dtype="<f4"), norm_std=np.array(2.0, dtype="<f4"),
             resp_train=resp_train, resp_test=by_trial.mean(axis=0), resp_test_by_trial=by_trial)

    # openretina's split.
    num_clips = T // L
    val = np.random.RandomState(seed).choice(num_clips, V, replace=False)
    movie_val = np.zeros((1, V * L, h, w), dtype="<f4")
    for k, idx in enumerate(val):
        movie_val[:, k * L:(k + 1) * L] = stim_train[:, idx * L:(idx + 1) * L]
    mask = np.ones(num_clips, dtype=bool)
    mask[val] = False
    train_idx = np.arange(num_clips)[mask]
    movie_train = np.concatenate([stim_train[:, c * L:(c + 1) * L] for c in train_idx], axis=1)
    # responses, (time, neurons) as openretina holds them
    r = resp_train.T
    resp_val = np.zeros((V * L, N))
    vmask = np.ones_like(r, dtype=bool)
    for k, c in enumerate(val):
        resp_val[k * L:(k + 1) * L] = r[c * L:(c + 1) * L]
        vmask[c * L:(c + 1) * L] = False
    resp_train_openretina = r[vmask].reshape(-1, N).T  # keeps the tail
    resp_train_aligned = np.concatenate([resp_train[:, c * L:(c + 1) * L] for c in train_idx], axis=1)
    np.savez("expect_%s.npz" % name, val_clip_idx=val.astype("<i8"), stim_train=movie_train,
             stim_val=movie_val, resp_train=resp_train_aligned, resp_val=np.ascontiguousarray(resp_val.T),
             resp_train_openretina=np.ascontiguousarray(resp_train_openretina))
    params[name] = {"clip_length": L, "val_clips": V, "seed": seed, "T": T}
with open("cases.json", "w") as f:
    json.dump(params, f, indent=1)
print("ok")
