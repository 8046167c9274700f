"""A literal, slow re-implementation of the official M1-M4 optimisers.

Written from the description of google-research ``revisiting_neural_scaling_laws/methods``
in the project notes (shared/docs/paper_revisiting.md, section 1.2): fixed-step gradient
descent with learning rate 1e-8 for 1,000 epochs per outer iteration during the first 100
iterations, then damped Newton steps, and M4's 10,000-point grid search for prediction.
It is the baseline of ``benchmarks/speed.py`` and the oracle the fast estimators in
``scalinglaws.estimators`` are checked against; it is far too slow for the workflow.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

ERR_MARGIN = 1e-3
GRAD_ITERS = 100
GRAD_EPOCHS, GRAD_LR = 1000, 1e-8
NEWTON_EPOCHS, NEWTON_LR = 100, 0.1
BETA_TOL = 1e-10


def _ls(design: np.ndarray, target: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(design, target, rcond=None)[0]


def fit_m1(x, y):
    coef = _ls(np.column_stack([np.ones_like(x), np.log(x)]), np.log(y))
    return {"beta": float(np.exp(coef[0])), "c": float(coef[1]), "err_inf": 0.0}


def fit_m2(x, y, max_iterations=10_000, lo_bound=0.0, trace=None):
    min_err = y.min() - ERR_MARGIN
    lo = max(0.0, lo_bound - ERR_MARGIN)
    design = np.column_stack([np.ones_like(x), np.log(x)])
    err_inf, beta, c = min_err, 1.0, -0.5
    for k in range(max_iterations):
        prev_beta = beta
        log_beta, c = _ls(design, np.log(y - err_inf))
        beta = np.exp(log_beta)
        pred = log_beta + c * np.log(x)
        epochs = GRAD_EPOCHS if k < GRAD_ITERS else NEWTON_EPOCHS
        for _ in range(epochs):
            gap = y - err_inf
            r = np.log(gap) - pred
            g = -np.mean(r / gap)
            if k < GRAD_ITERS:
                err_inf -= GRAD_LR * g
            else:
                h = np.mean((1 - r) / gap**2)
                if abs(h) > 1e-5:
                    err_inf -= NEWTON_LR * g / h
            err_inf = min(max(err_inf, lo), min_err)
        if trace is not None:
            trace.append((k, beta, c, err_inf))
        if abs(beta - prev_beta) < BETA_TOL and k > GRAD_ITERS + 1:
            break
    return {"beta": float(beta), "c": float(c), "err_inf": float(err_inf)}, k + 1


def _m3_objective(x, y, beta, c, gamma):
    return 0.5 * np.linalg.norm(np.log(beta * (1 / x + gamma) ** c) - np.log(y))


def fit_m3(x, y, max_iterations=10_000):
    gamma, beta, c = 0.0, 1.0, 0.5
    k = 0
    for k in range(max_iterations):  # noqa: B007 - k counts the iterations run
        prev_beta = beta
        design = np.column_stack([np.ones_like(x), np.log(1 / x + gamma)])
        log_beta, c = _ls(design, np.log(y))
        c = max(0.0, c)
        beta = np.exp(log_beta)
        best = _m3_objective(x, y, beta, c, gamma)
        if c > 0:
            with np.errstate(all="ignore"):
                cands = (y / beta) ** (1 / c) - 1 / x
            for cand in cands:
                if np.isfinite(cand) and cand >= 0:
                    obj = _m3_objective(x, y, beta, c, cand)
                    if obj < best:
                        best, gamma = obj, cand
        if abs(beta - prev_beta) < BETA_TOL:
            break
    return {"beta": float(beta), "c": float(c), "gamma": float(gamma)}, k + 1


def fit_m4(
    x,
    y,
    err_0=1.0,
    up_bound=None,
    update_err_0=True,
    max_iterations=10_000,
    lo_bound=0.0,
    trace=None,
):
    min_err, max_err = y.min() - ERR_MARGIN, y.max() + ERR_MARGIN
    lo = max(0.0, lo_bound - ERR_MARGIN)
    if err_0 is None:
        err_0 = max_err
    design = np.column_stack([np.ones_like(x), -np.log(x), np.log(err_0 - y)])
    err_inf, beta, c, alpha = min_err, 1.0, -0.5, 0.0

    def project(e_inf, e_0):
        e_inf = min(max(e_inf, lo), min_err)
        e_0 = max(e_0, max_err)
        if up_bound is not None:
            e_0 = min(e_0, up_bound + ERR_MARGIN)
        return e_inf, e_0

    err_inf, err_0 = project(err_inf, err_0)
    for k in range(max_iterations):
        prev_beta = beta
        coef, _ = nnls(design, np.log(y - err_inf))
        log_beta, c, alpha = coef[0], -coef[1], coef[2]
        beta = np.exp(log_beta)
        base = log_beta + c * np.log(x)
        epochs = GRAD_EPOCHS if k < GRAD_ITERS else NEWTON_EPOCHS
        for _ in range(epochs):
            gap_inf, gap_0 = y - err_inf, err_0 - y
            r = np.log(gap_inf) - alpha * np.log(gap_0) - base
            g_inf = -np.mean(r / gap_inf)
            g_0 = -alpha * np.mean(r / gap_0)
            if k < GRAD_ITERS:
                new_inf = err_inf - GRAD_LR * g_inf
                new_0 = err_0 - GRAD_LR * g_0 if update_err_0 else err_0
            else:
                h_inf = np.mean((1 - r) / gap_inf**2)
                h_0 = alpha * np.mean((alpha + r) / gap_0**2)
                new_inf = err_inf - NEWTON_LR * g_inf / h_inf if abs(h_inf) > 1e-5 else err_inf
                new_0 = err_0 - NEWTON_LR * g_0 / h_0 if update_err_0 and abs(h_0) > 1e-5 else err_0
            err_inf, err_0 = project(new_inf, new_0)
        if trace is not None:
            trace.append((k, beta, c, alpha, err_inf, err_0))
        if abs(beta - prev_beta) < BETA_TOL and k > GRAD_ITERS + 1:
            break
    return (
        {
            "beta": float(beta),
            "c": float(c),
            "alpha": float(alpha),
            "err_inf": float(err_inf),
            "err_0": float(err_0),
        },
        k + 1,
    )


def predict_m4(params, x):
    beta, c, alpha = params["beta"], params["c"], params["alpha"]
    err_inf, err_0 = params["err_inf"], params["err_0"]
    f = beta * np.asarray(x, dtype=float) ** c
    if abs(alpha) < 1e-5:
        return err_inf + f
    b = err_0 - err_inf
    w = np.linspace(0, b, 10_000)
    out = np.empty_like(f)
    for i, fi in enumerate(np.ravel(f)):
        out.flat[i] = err_inf + w[np.argmin(np.abs(w - fi * (b - w) ** alpha))]
    return out


def predict_power(params, x):
    return params["err_inf"] + params["beta"] * np.asarray(x, dtype=float) ** params["c"]


def predict_m3(params, x):
    return params["beta"] * (1 / np.asarray(x, dtype=float) + params["gamma"]) ** params["c"]
