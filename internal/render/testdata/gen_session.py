"""Writes small synthetic 'retinaio prepare' session files with numpy, plus the
values the Go tests check against (reliability as the variance ratio, FEVE
and correlation computed here with openretina's formulas).

Run from this folder: /usr/bin/python3 gen_session.py
"""
import json
import numpy as np

T, TF, H, W, N, K = 60, 40, 12, 16, 4, 5
rng = np.random.RandomState(7)

def raw_frame(t, test):
    y = np.arange(H)[:, None]
    x = np.arange(W)[None, :]
    return ((t * 7 + y * 11 + x * 5 + (100 if test else 0)) % 256).astype(np.float32)

train_raw = np.stack([raw_frame(t, False) for t in range(T)])[None]
test_raw = np.stack([raw_frame(t, True) for t in range(TF)])[None]
mean = np.float32(train_raw.mean())
std = np.float32(train_raw.std(ddof=1))
stim_train = ((train_raw - mean) / std).astype(np.float32)
stim_test = ((test_raw - mean) / std).astype(np.float32)

rate = np.abs(np.sin(np.arange(TF)[None, :] * (np.arange(N)[:, None] + 1) * 0.3)) * 2
rate[3] = 0.3  # a cell without stimulus drive
by_trial = rng.poisson(rate[None].repeat(K, 0)).astype(np.float64)  # (K, N, TF)
resp_test = by_trial.mean(0)
resp_train = rng.poisson(1.0, size=(N, T)).astype(np.float64)

arrays = dict(stim_train=stim_train, stim_test=stim_test, norm_mean=mean, norm_std=std,
              resp_train=resp_train, resp_test=resp_test, resp_test_by_trial=by_trial)
np.savez("20990101_synth_mouse_a.npz", **arrays)
np.savez_compressed("20990102_synth_marmoset_b.npz", **arrays)

LAG = 5
pred = np.clip(resp_test[:, LAG:] * 0.6 + rng.normal(0, 0.4, size=(N, TF - LAG)) + 0.2, 0, None).astype(np.float64)
np.savez("pred_a.npz", pred_test=pred)

def metrics(r, p):
    # r: (t, k, n) repeats, p: (t, n) prediction
    total = r.reshape(-1, r.shape[2]).var(0, ddof=1)
    noise = r.var(1, ddof=1).mean(0)
    ev = np.maximum(total - noise, 1e-9)
    vr = ev / (total + 1e-9)
    mse = ((r - p[:, None, :]) ** 2).mean((0, 1))
    feve = np.maximum(0, 1 - np.maximum(mse - (ev / vr - ev), 0) / ev)
    avg = r.mean(1)
    corr = correlation_numpy(p, avg, axis=0)
    return vr, feve, corr

def correlation_numpy(y1, y2, axis=-1, eps=1e-8):
    # openretina.eval.metrics.correlation_numpy: eps is added to each std
    y1 = (y1 - y1.mean(axis=axis, keepdims=True)) / (y1.std(axis=axis, keepdims=True, ddof=0) + eps)
    y2 = (y2 - y2.mean(axis=axis, keepdims=True)) / (y2.std(axis=axis, keepdims=True, ddof=0) + eps)
    return (y1 * y2).mean(axis=axis)

r = by_trial.transpose(2, 0, 1)[LAG:]  # (t, k, n) over the last T' frames
vr, feve, corr = metrics(r, pred.T)
vr_full = metrics(by_trial.transpose(2, 0, 1), resp_test.T)[0]
with open("expected.json", "w") as f:
    json.dump(dict(T=T, TF=TF, H=H, W=W, N=N, K=K, lag=LAG, norm_mean=float(mean), norm_std=float(std),
                   var_ratio_full=vr_full.tolist(), var_ratio_pred=vr.tolist(), feve=feve.tolist(),
                   corr=corr.tolist()), f, indent=1)
