#!/usr/bin/env python3
"""Reference values for package metrics and `retinaio eval`: a numpy
implementation of openretina's formulas (openretina/eval/metrics.py:
correlation_numpy, explainable_vs_total_var, feve; eval/oracles.py:
oracle_corr_jackknife; Poisson loss with eps 1e-16 as in the issue) on
random sessions. Targets are the LAST Tp frames when the prediction is
shorter than the test sequence; predictions are scored in float64.

Run from this folder: /usr/bin/python3 gen_metrics.py   (numpy 1.24 used)."""
import json
import numpy as np

def correlation_numpy(y1, y2, axis=-1, eps=1e-8):
    y1 = (y1 - y1.mean(axis=axis, keepdims=True)) / (y1.std(axis=axis, keepdims=True, ddof=0) + eps)
    y2 = (y2 - y2.mean(axis=axis, keepdims=True)) / (y2.std(axis=axis, keepdims=True, ddof=0) + eps)
    return (y1 * y2).mean(axis=axis)

def explainable_vs_total_var(rep, eps=1e-9):  # rep: (frames, repeats, neurons)
    total_var = np.var(rep, axis=(0, 1), ddof=1)
    noise_var = np.mean(np.var(rep, axis=1, ddof=1), axis=0)
    explainable_var = np.clip(total_var - noise_var, eps, None)
    return explainable_var / (total_var + eps), explainable_var

def feve(targets, predictions):  # (frames, repeats, neurons), (frames, neurons)
    predictions = np.repeat(predictions[:, np.newaxis, :], targets.shape[1], axis=1)
    var_ratio, ev = explainable_vs_total_var(targets)
    total_var = ev / var_ratio
    noise_var = total_var - ev
    mse = np.mean((targets - predictions) ** 2, axis=(0, 1))
    return np.clip(1 - np.clip(mse - noise_var, 0, None) / ev, 0, None)

def oracle_corr_jackknife(rep):
    K = rep.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        oracle = np.nan_to_num((rep.sum(axis=1, keepdims=True) - rep) / (K - 1))
    return correlation_numpy(rep.reshape(-1, rep.shape[-1]), oracle.reshape(-1, rep.shape[-1]), axis=0)

def evaluate(pred, by_trial, avg, min_var_ratio=0.15):
    N, Tp = pred.shape
    pred = pred.astype(np.float64)
    lag = by_trial.shape[2] - Tp
    rep = np.transpose(by_trial[:, :, lag:], (2, 0, 1))  # (t, k, n)
    avg = avg[:, lag:]
    corr = correlation_numpy(avg, pred, axis=-1)
    mse = ((pred - avg) ** 2).mean(axis=-1)
    poisson = (pred - avg * np.log(pred + 1e-16)).mean(axis=-1)
    ratio, _ = explainable_vs_total_var(rep)
    fe = feve(rep, pred.T)
    oracle = oracle_corr_jackknife(rep)
    keep = ratio >= min_var_ratio
    neurons = [{"index": i, "corr_to_average": corr[i], "feve": fe[i], "var_ratio": ratio[i],
                "oracle_corr": oracle[i], "mse": mse[i], "poisson": poisson[i]} for i in range(N)]
    summary = {"corr_to_average": corr[keep].mean(), "feve": fe[keep].mean(),
               "oracle_corr": oracle[keep].mean(), "kept": int(keep.sum())}
    f = lambda d: {k: (float(v) if not isinstance(v, int) else v) for k, v in d.items()}
    return {"neurons": [f(n) for n in neurons], "summary": f(summary)}

cases = {}
g = np.random.default_rng(7)
for name, K, N, Tf, Tp, pdtype in [("basic", 5, 8, 60, 60, "<f8"), ("lag", 6, 5, 70, 45, "<f4"),
                                   ("two_trials", 2, 4, 40, 40, "<f8"), ("edge", 4, 4, 50, 49, "<f8")]:
    rate = g.gamma(2.0, 1.0, (N, Tf)) * g.uniform(0.2, 3, (N, 1))
    by_trial = g.poisson(np.broadcast_to(rate, (K, N, Tf))).astype("<f8") / 2
    if name == "edge":
        by_trial[:, 0, :] = 0          # a silent neuron: var_ratio 1 (1e-9/1e-9), corr 0
        by_trial[:, 1, :] = g.poisson(2.0, (K, Tf))  # pure noise: var_ratio ~ 0
        by_trial[:, 2, :] = by_trial[0, 2, :]        # identical repeats: noise 0
    avg = by_trial.mean(axis=0)
    pred = (avg[:, Tf - Tp:] * g.uniform(0.5, 1.5, (N, 1)) + g.gamma(1.0, 0.3, (N, Tp))).astype(pdtype)
    np.savez("session_%s.npz" % name, resp_test=avg, resp_test_by_trial=by_trial)
    np.savez("pred_%s.npz" % name, pred_test=pred)
    cases[name] = evaluate(pred, by_trial, avg)
    for mv in [0.0, 0.5]:
        cases[name]["summary_min_%g" % mv] = evaluate(pred, by_trial, avg, mv)["summary"]
with open("expect.json", "w") as f:
    json.dump(cases, f, indent=1)
print("ok")
