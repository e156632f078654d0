#!/usr/bin/env python3
"""Reference values for metrics.EvaluateWith, OracleCorrJackknife,
GlobalMeanOracle and `retinaio eval --json`: a numpy re-implementation of
openretina's evaluation script at commit 0aadd97 (openretina/cli/eval.py,
openretina/utils/eval_utils.py EvaluationSummary.from_dataframe,
openretina/eval/metrics.py, openretina/eval/oracles.py,
modules/losses/poisson.py PoissonLoss3d(per_neuron=True), bias 1e-16),
written from their formulas with numpy only (no pandas, no torch).

Cases: many neurons, a lag plus cut_first_n_frames, a single trial
(FEVE/var_ratio/jackknife NaN, no filtering), NaN in the responses of one
neuron (nanmean skips it), a cutoff nobody passes (every mean NaN), and
silent / identical-repeat neurons, a float16 prediction,
a single scored frame, constant and zero predictions. The
"full" prediction is also saved as .npy and in Fortran order. NaN is written as null in expect_eval.json.
expect_eval_multi.json holds summaries of several sessions evaluated at once.

Run from this folder: /usr/bin/python3 gen_openretina_eval.py   (numpy 1.24)."""
import json
import warnings

import numpy as np

warnings.simplefilter("ignore")  # nanmean of empty / all-NaN slices: NaN, as in openretina


def corr(a, b, axis):  # correlation_numpy, population std, eps 1e-8 on each
    za = (a - a.mean(axis=axis, keepdims=True)) / (a.std(axis=axis, keepdims=True, ddof=0) + 1e-8)
    zb = (b - b.mean(axis=axis, keepdims=True)) / (b.std(axis=axis, keepdims=True, ddof=0) + 1e-8)
    return (za * zb).mean(axis=axis)


def var_ratio(rep):  # explainable_vs_total_var, rep (t, k, n)
    total = np.var(rep, axis=(0, 1), ddof=1)
    noise = np.var(rep, axis=1, ddof=1).mean(axis=0)
    ev = np.clip(total - noise, 1e-9, None)
    return ev / (total + 1e-9), ev


def feve(rep, pred):  # pred (t, n)
    p = np.repeat(pred[:, None, :], rep.shape[1], axis=1)
    ratio, ev = var_ratio(rep)
    noise = ev / ratio - ev
    mse = ((rep - p) ** 2).reshape(-1, rep.shape[2]).mean(axis=0)
    return np.clip(1 - np.clip(mse - noise, 0, None) / ev, 0, None)


def jackknife(rep, cut=None):  # oracle_corr_jackknife
    rep = rep[cut:]
    K = rep.shape[1]
    oracle = np.nan_to_num((rep.sum(axis=1, keepdims=True) - rep) / (K - 1))
    return corr(rep.reshape(-1, rep.shape[2]), oracle.reshape(-1, rep.shape[2]), axis=0)


def global_mean(resp, cut=None):  # global_mean_oracle
    if resp.ndim == 2:
        resp = resp[:, None, :]
    resp = resp[cut:]
    g = np.broadcast_to(resp.mean(axis=2, keepdims=True), resp.shape)
    return corr(resp.reshape(-1, resp.shape[2]), g.reshape(-1, resp.shape[2]), axis=0)


def evaluate(pred, by_trial, avg, cutoff, cut, gmo):
    """pred (N, Tp), by_trial (K, N, Tf), avg (N, Tf) as in the session files."""
    N, Tp = pred.shape
    K, _, Tf = by_trial.shape
    model = pred.T.astype(np.float64)[cut:]          # (t, n): a model that cuts its first frames
    lag = Tf - model.shape[0]                          # align_responses_to_model_output
    avg_r = avg.T[lag:]
    rbt = np.transpose(by_trial, (2, 0, 1))[lag:]      # trials neurons time -> time trials neurons
    c_avg = corr(avg_r, model, axis=0)
    mse_avg = ((avg_r - model) ** 2).mean(axis=0)
    poisson = (model - avg_r * np.log(model + 1e-16)).mean(axis=0)
    if K > 1:
        fe, jk, vr = feve(rbt, model), jackknife(rbt), var_ratio(rbt)[0]
    else:
        fe = jk = vr = np.full(N, np.nan)
    c_k = np.stack([corr(rbt[:, i, :], model, axis=0) for i in range(K)])  # (K, N)
    m_k = np.stack([((rbt[:, i, :] - model) ** 2).mean(axis=0) for i in range(K)])
    g = global_mean(rbt) if gmo else np.full(N, np.nan)
    applied = bool(np.any(~np.isnan(vr)))
    keep = (~np.isnan(vr)) & (vr >= cutoff) if applied else np.ones(N, bool)
    ck = [np.nanmean(c_k[i][keep]) for i in range(K)]
    mk = [np.nanmean(m_k[i][keep]) for i in range(K)]
    summary = dict(
        temporal_lag=lag, n_test_repeats_min=K, n_test_repeats_max=K, n_test_repeats_avg=float(K),
        n_neurons_total=N, n_neurons_filtered=int(keep.sum()), var_ratio_cutoff=cutoff, filtering_applied=applied,
        corr_to_avg_mean=np.nanmean(c_avg[keep]), corr_by_trial_mean=np.nanmean(ck), corr_by_trial_std=np.nanstd(ck),
        mse_to_avg_mean=np.nanmean(mse_avg[keep]), mse_by_trial_mean=np.nanmean(mk), mse_by_trial_std=np.nanstd(mk),
        feve_mean=np.nanmean(fe[keep]), fev_mean=np.nanmean(vr[keep]), poisson_loss_mean=np.nanmean(poisson[keep]),
        jackknife_mean=np.nanmean(jk[keep]), global_mean_oracle_mean=np.nanmean(g[keep]))
    neurons = [dict(corr_to_average=c_avg[n], mse_to_average=mse_avg[n], poisson_loss_to_average=poisson[n],
                    feve=fe[n], jackknife=jk[n], var_ratio=vr[n], global_mean_oracle=g[n], kept=bool(keep[n]),
                    corr_by_trial=list(c_k[:, n]), mse_by_trial=list(m_k[:, n])) for n in range(N)]
    return {"neurons": neurons, "summary": summary}


def summary_sessions(results, cutoff, gmo):
    """EvaluationSummary.from_dataframe over the neurons of several sessions
    (one table, as eval.py builds it; corr_k / mse_k missing for sessions
    with fewer trials count as NaN)."""
    rows = [n for r in results for n in r["neurons"]]
    K = [len(r["neurons"][0]["corr_by_trial"]) for r in results]
    maxK = max(K)
    vr = np.array([n["var_ratio"] for n in rows])
    applied = bool(np.any(~np.isnan(vr)))
    keep = (~np.isnan(vr)) & (vr >= cutoff) if applied else np.ones(len(rows), bool)
    col = lambda k: np.array([n[k] for n in rows])[keep]
    trial = lambda k, i: np.array([n[k][i] if i < len(n[k]) else np.nan for n in rows])[keep]
    ck = [np.nanmean(trial("corr_by_trial", i)) for i in range(maxK)]
    mk = [np.nanmean(trial("mse_by_trial", i)) for i in range(maxK)]
    return dict(
        temporal_lag=results[0]["summary"]["temporal_lag"], n_test_repeats_min=min(K), n_test_repeats_max=max(K),
        n_test_repeats_avg=float(np.mean(K)), n_neurons_total=len(rows), n_neurons_filtered=int(keep.sum()),
        var_ratio_cutoff=cutoff, filtering_applied=applied,
        corr_to_avg_mean=np.nanmean(col("corr_to_average")), corr_by_trial_mean=np.nanmean(ck), corr_by_trial_std=np.nanstd(ck),
        mse_to_avg_mean=np.nanmean(col("mse_to_average")), mse_by_trial_mean=np.nanmean(mk), mse_by_trial_std=np.nanstd(mk),
        feve_mean=np.nanmean(col("feve")), fev_mean=np.nanmean(col("var_ratio")),
        poisson_loss_mean=np.nanmean(col("poisson_loss_to_average")), jackknife_mean=np.nanmean(col("jackknife")),
        global_mean_oracle_mean=np.nanmean(col("global_mean_oracle")))


def same(a, b):
    return all((np.isnan(a[k]) and np.isnan(b[k])) if isinstance(a[k], float) and np.isnan(a[k]) else a[k] == b[k] or
               abs(a[k] - b[k]) <= 1e-15 * abs(b[k]) for k in a)


def clean(x):  # NaN -> None, numpy scalars -> Python
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, str):
        return x
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    return None if np.isnan(x) else x


g = np.random.default_rng(20261206)
cases = {}
# name, K, N, Tf, Tp, cut, cutoff, global mean oracle, pred dtype
for name, K, N, Tf, Tp, cut, cutoff, gmo, pdt in [
        ("full", 5, 7, 60, 60, 0, 0.15, True, "<f8"),
        ("lag_cut", 4, 6, 80, 70, 12, 0.15, True, "<f8"),
        ("one_trial", 1, 5, 50, 45, 0, 0.15, True, "<f8"),
        ("nan_resp", 3, 5, 40, 40, 0, 0.0, False, "<f8"),
        ("none_kept", 4, 4, 30, 30, 0, 2.0, True, "<f8"),
        ("silent", 4, 5, 50, 48, 3, 0.15, True, "<f4"),
        ("half", 3, 4, 40, 36, 2, 0.15, False, "<f2"),
        ("one_frame", 3, 3, 5, 1, 0, 0.15, True, "<f8"),
        ("const_pred", 2, 3, 20, 20, 0, 0.0, True, "<f8")]:
    rate = g.gamma(2.0, 1.0, (N, Tf)) * g.uniform(0.3, 3, (N, 1))
    by_trial = g.poisson(np.broadcast_to(rate, (K, N, Tf))).astype("<f8") / 2
    if name == "nan_resp":
        by_trial[1, 2, 7] = np.nan
    if name == "silent":
        by_trial[:, 0, :] = 0
        by_trial[:, 1, :] = by_trial[0, 1, :]
        by_trial[:, 2, :] = g.poisson(2.0, (K, Tf))
    avg = by_trial.mean(axis=0)
    pred = (np.nan_to_num(avg[:, Tf - Tp:]) * g.uniform(0.5, 1.5, (N, 1)) + g.gamma(1.0, 0.3, (N, Tp))).astype(pdt)
    if name == "const_pred":
        pred[0] = 1.5  # no variance: correlation 0
        pred[1] = 0.0  # zero rate: Poisson loss with log(1e-16)
    np.savez("eval_session_%s.npz" % name, resp_test=avg, resp_test_by_trial=by_trial)
    np.savez("eval_pred_%s.npz" % name, pred_test=pred)
    if name == "full":  # the same prediction as .npy and in Fortran order (np.save of pred.T)
        np.save("eval_pred_full.npy", pred)
        np.save("eval_pred_full_fortran.npy", np.ascontiguousarray(pred.T).T)
        np.savez("eval_pred_full_fortran.npz", pred_test=np.ascontiguousarray(pred.T).T)
    r = evaluate(pred, by_trial, avg, cutoff, cut, gmo)
    r["options"] = dict(cut_first_n_frames=cut, var_ratio_cutoff=cutoff, global_mean_oracle=gmo)
    rbt = np.transpose(by_trial, (2, 0, 1))
    r["oracles_cut_5"] = dict(jackknife=list(jackknife(rbt, 5)), global_mean_oracle=list(global_mean(rbt, 5)),
                              global_mean_oracle_2d=list(global_mean(rbt[:, 0, :], 5)))
    assert same(summary_sessions([r], cutoff, gmo), r["summary"]), name
    cases[name] = clean(r)
with open("expect_eval.json", "w") as f:
    json.dump(cases, f, indent=1)

# Several sessions at once (same temporal lag, 4 frames): multi_a (5 trials),
# multi_b (3 trials), multi_c (1 trial: left out by the var_ratio filter
# when combined with the others).
multi, raw = {}, {}
for name, K, N, Tf, Tp in [("multi_a", 5, 4, 40, 36), ("multi_b", 3, 6, 50, 46), ("multi_c", 1, 3, 30, 26)]:
    rate = g.gamma(2.0, 1.0, (N, Tf)) * g.uniform(0.3, 3, (N, 1))
    by_trial = g.poisson(np.broadcast_to(rate, (K, N, Tf))).astype("<f8") / 2
    avg = by_trial.mean(axis=0)
    pred = avg[:, Tf - Tp:] * g.uniform(0.5, 1.5, (N, 1)) + g.gamma(1.0, 0.3, (N, Tp))
    np.savez("eval_session_%s.npz" % name, resp_test=avg, resp_test_by_trial=by_trial)
    np.savez("eval_pred_%s.npz" % name, pred_test=pred)
    raw[name] = (pred, by_trial, avg)
for combo, cut in [(("multi_a", "multi_b"), 0), (("multi_a", "multi_b", "multi_c"), 0), (("multi_a", "multi_b", "multi_c"), 2),
                   (("multi_c",), 0)]:
    rs = [evaluate(*raw[n], 0.15, cut, True) for n in combo]
    multi["+".join(combo) + "/cut%d" % cut] = clean(dict(sessions=list(combo), cut_first_n_frames=cut,
                                                         summary=summary_sessions(rs, 0.15, True)))
with open("expect_eval_multi.json", "w") as f:
    json.dump(multi, f, indent=1)
print("ok")
