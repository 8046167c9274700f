"""Pairwise comparisons of models by their fitted scaling laws, not at one scale.

After Nezhurina et al. 2025 ("Scaling Laws for Robust Comparison of Open Foundation
Language-Vision Models and Datasets"): two models that share a (domain, task) are compared by
their laws ε_a(x), ε_b(x), each fitted to its Training = 1 points with one estimator (the M1-M4
laws of Alabdulmohsin et al. 2022, Eq. 4). For a pair:

* targets x_t = s · x_max for each configured multiple s, where x_max is the largest x of
  either curve (fit and extrapolation points alike);
* the predicted difference Δ(x_t) = ε_a(x_t) − ε_b(x_t) with a 95 % interval from the
  parameter samples of both fits (:func:`scalinglaws.uncertainty.bootstrap_params`); the
  predicted winner is the model with the lower ε (the lower loss or error);
* the crossover: the smallest x in [x_min, max x_t] where Δ changes sign, x_min being the first
  fit x shared by both curves, refined by bisection in log x; its interval comes from the
  crossovers of the samples that have one;
* the after-the-fact check: at x_check, the largest x at which both curves have Training = 0
  points, the observed ordering confirms the predicted one when the signs of Δ agree. The
  Training = 0 points are never fitted.

Intervals come from a residual bootstrap in log space, each replicate refitted by one bounded
Gauss-Newton step from the base fit (:mod:`scalinglaws.uncertainty`, as ``bootstrap_fits``).
The base fit is the one in scores.csv (the estimator's own optimiser, same options), so no
curve is refitted along M4's slow official path here.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalinglaws.curves import Curve
from scalinglaws.estimators.base import Law
from scalinglaws.estimators.registry import ESTIMATORS
from scalinglaws.fitting import FITTED_STATUSES
from scalinglaws.uncertainty import bootstrap_params, percentile_interval

COMPARISON_COLUMNS = [
    "domain", "task", "model_a", "model_b", "estimator", "scale", "x",
    "pred_a", "pred_b", "diff", "diff_lo95", "diff_hi95", "better", "significant",
    "crossover_x", "crossover_lo95", "crossover_hi95", "crossover_share",
    "check_x", "observed_diff", "confirmed", "status", "error",
]  # fmt: skip
FLIP_COLUMNS = [
    "domain", "task", "pairs", "checked", "small_scale_wrong", "small_scale_wrong_share",
    "law_wrong", "law_wrong_share",
]  # fmt: skip
GRID_POINTS = 200


@dataclass(frozen=True)
class FittedCurve:
    """A curve, its base parameters and parameter samples under one estimator's law."""

    curve: Curve
    law: Law
    params: dict[str, float]
    samples: list[dict[str, float]]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The base law at ``x``."""
        with np.errstate(all="ignore"):
            return np.asarray(self.law(self.params, np.asarray(x, dtype=float)), dtype=float)

    def predict_samples(self, x: np.ndarray) -> np.ndarray:
        """Each sample's law at ``x``: shape (samples, len(x)); invalid values are NaN.

        The law is called once with every parameter as a column of samples, broadcasting
        against ``x`` (the registered laws support it); otherwise once per sample.
        """
        x = np.asarray(x, dtype=float).reshape(1, -1)
        names = sorted(self.params)
        stacked = {k: np.array([[float(p[k])] for p in self.samples]) for k in names}
        with np.errstate(all="ignore"):
            try:
                out = np.broadcast_to(self.law(stacked, x), (len(self.samples), x.size))
            except (TypeError, ValueError):
                out = [self.law({k: np.float64(p[k]) for k in names}, x[0]) for p in self.samples]
        out = np.array(out, dtype=float).reshape(len(self.samples), x.size)
        out[~(np.isfinite(out) & (out > 0))] = np.nan
        return out


# --------------------------------------------------------------------------------------------
# Parameter samples
# --------------------------------------------------------------------------------------------


def curve_seed(seed: int, curve: Curve) -> int:
    """A per-curve seed from ``seed`` and the curve key, independent of the curve order."""
    digest = hashlib.sha256(f"{seed}\x1f{curve.key.slug}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def fitted_curves(
    curves: Sequence[Curve], scores: pd.DataFrame, estimator: str, replicates: int, seed: int
) -> tuple[list[FittedCurve], list[str]]:
    """The curves whose ``estimator`` fit in ``scores`` succeeded, and notes on the others."""
    law = ESTIMATORS[estimator].law
    ok = scores[(scores["estimator"] == estimator) & scores["status"].isin(FITTED_STATUSES)]
    params = {(r.domain, r.task, r.model): json.loads(r.params) for r in ok.itertuples()}
    fitted, notes = [], []
    for curve in curves:
        key = (curve.key.domain, curve.key.task, curve.key.model)
        if key not in params:
            notes.append(f"{curve.key.label}: no successful {estimator} fit in scores.csv")
            continue
        p = {k: float(v) for k, v in params[key].items()}
        samples = bootstrap_params(
            ESTIMATORS[estimator], p, curve.x_fit, curve.y_fit, replicates, curve_seed(seed, curve)
        )
        fitted.append(FittedCurve(curve, law, p, samples))
    return fitted, notes


# --------------------------------------------------------------------------------------------
# One pair
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridPredictions:
    """Base and sample predictions of one curve on its task's x grid (computed once)."""

    grid: np.ndarray
    base: np.ndarray
    samples: np.ndarray

    @classmethod
    def of(cls, fitted: FittedCurve, grid: np.ndarray) -> GridPredictions:
        """Evaluate ``fitted`` on ``grid``."""
        return cls(grid, fitted.predict(grid), fitted.predict_samples(grid))

    def at(self, x: np.ndarray) -> np.ndarray:
        """Sample predictions at ``x`` (inside the grid), interpolated linearly in log-log."""
        log_x, log_grid = np.log(x), np.log(self.grid)
        with np.errstate(all="ignore"):
            log_s = np.log(self.samples)
        out = np.array([np.interp(log_x, log_grid, row) for row in log_s])
        return np.exp(out).reshape(len(self.samples), np.size(x))


def task_grid(members: Sequence[FittedCurve], scales: Sequence[float]) -> np.ndarray:
    """GRID_POINTS log-spaced x from the task's smallest fit x to its largest target."""
    low = min(float(f.curve.x_fit[0]) for f in members)
    high = max(_x_max(f.curve) for f in members) * max(scales) * 1.01
    return np.geomspace(low, max(high, low * 1.01), GRID_POINTS)


def crossover(
    ga: GridPredictions, gb: GridPredictions, low: float, high: float
) -> tuple[float, np.ndarray]:
    """First sign change of ε_a − ε_b in [low, high] for the base laws and for every sample.

    Returns (base crossover or NaN, sample crossovers with NaN where a sample has none).
    """
    inside = (ga.grid >= low) & (ga.grid <= high)
    grid = ga.grid[inside]
    base = _first_root(ga.base[inside] - gb.base[inside], grid)
    diffs = ga.samples[:, inside] - gb.samples[:, inside]
    return base, np.array([_first_root(row, grid) for row in diffs])


def _first_root(diff: np.ndarray, grid: np.ndarray) -> float:
    """x of the first sign change of ``diff`` on ``grid``, interpolated linearly in log x."""
    sign = np.sign(diff)
    if diff.size < 2:
        return float("nan")
    change = np.flatnonzero(np.isfinite(diff[:-1] * diff[1:]) & (sign[:-1] * sign[1:] < 0))
    if change.size == 0:
        return float("nan")
    i = change[0]
    t = diff[i] / (diff[i] - diff[i + 1])
    return float(np.exp(np.log(grid[i]) + t * (np.log(grid[i + 1]) - np.log(grid[i]))))


def shared_fit_x(a: Curve, b: Curve) -> float:
    """The smallest fit x shared by both curves, else the larger of their first fit x."""
    shared = np.intersect1d(a.x_fit, b.x_fit)
    return float(shared[0]) if shared.size else float(max(a.x_fit[0], b.x_fit[0]))


def observed_at(curve: Curve, x: float, *, fit: bool) -> float:
    """The curve's observed loss at ``x``, interpolated linearly in log-log between its fit (or
    extrapolation) points; the mean over duplicates; NaN outside their range."""
    xs, ys = (curve.x_fit, curve.y_fit) if fit else (curve.x_test, curve.y_test)
    if xs.size == 0 or not (xs[0] <= x <= xs[-1]):
        return float("nan")
    ux, inverse = np.unique(xs, return_inverse=True)
    log_y = np.bincount(inverse, np.log(ys)) / np.bincount(inverse)
    return float(np.exp(np.interp(np.log(x), np.log(ux), log_y)))


def check_scale(a: Curve, b: Curve) -> float:
    """The largest x inside both curves' extrapolation ranges, min(max x_a, max x_b), or NaN."""
    if a.n_test == 0 or b.n_test == 0:
        return float("nan")
    x = float(min(a.x_test[-1], b.x_test[-1]))
    return x if x >= max(a.x_test[0], b.x_test[0]) else float("nan")


def _x_max(curve: Curve) -> float:
    """The largest x of a curve, fit and extrapolation points alike."""
    return float(max(curve.x_fit.max(), curve.x_test.max(initial=0.0)))


def compare_pair(
    pair: tuple[FittedCurve, FittedCurve],
    grids: tuple[GridPredictions, GridPredictions],
    estimator: str,
    scales: Sequence[float],
) -> list[dict[str, object]]:
    """One row per target scale for the pair (a, b); see the module docstring."""
    fa, fb = pair
    a, b = fa.curve, fb.curve
    targets = max(_x_max(a), _x_max(b)) * np.asarray(scales, dtype=float)
    low = shared_fit_x(a, b)
    cross, cross_samples = crossover(*grids, low, targets.max())
    x_check = check_scale(a, b)
    observed = observed_at(a, x_check, fit=False) - observed_at(b, x_check, fit=False)
    predicted_check = float(fa.predict([x_check])[0] - fb.predict([x_check])[0])
    confirmed = None
    if np.isfinite(observed):
        confirmed = bool(np.sign(observed) == np.sign(predicted_check))
    pa, pb = fa.predict(targets), fb.predict(targets)
    diff_samples = grids[0].at(targets) - grids[1].at(targets)
    lo, hi = percentile_interval(diff_samples)
    found = cross_samples[np.isfinite(cross_samples)]
    c_lo, c_hi = percentile_interval(found[:, None])
    rows = []
    for k, scale in enumerate(scales):
        rows.append({
            "domain": a.key.domain, "task": a.key.task, "model_a": a.key.model,
            "model_b": b.key.model, "estimator": estimator, "scale": float(scale),
            "x": targets[k], "pred_a": pa[k], "pred_b": pb[k], "diff": pa[k] - pb[k],
            "diff_lo95": lo[k], "diff_hi95": hi[k],
            "better": a.key.model if pa[k] < pb[k] else b.key.model,
            "significant": bool(lo[k] > 0 or hi[k] < 0),
            "crossover_x": cross, "crossover_lo95": c_lo[0], "crossover_hi95": c_hi[0],
            "crossover_share": found.size / max(cross_samples.size, 1),
            "check_x": x_check, "observed_diff": observed,
            "confirmed": "" if confirmed is None else confirmed, "status": "ok", "error": "",
        })  # fmt: skip
    return rows


# --------------------------------------------------------------------------------------------
# A dataset
# --------------------------------------------------------------------------------------------


def groups(fitted: Sequence[FittedCurve]) -> dict[tuple[str, str], list[FittedCurve]]:
    """Fitted curves by (domain, task), each list sorted by model."""
    out: dict[tuple[str, str], list[FittedCurve]] = {}
    for f in sorted(fitted, key=lambda f: f.curve.key):
        out.setdefault((f.curve.key.domain, f.curve.key.task), []).append(f)
    return out


@dataclass(frozen=True)
class TaskComparison:
    """The fitted curves of one (domain, task), sorted by model, and their grid predictions."""

    domain: str
    task: str
    members: list[FittedCurve]
    grids: list[GridPredictions]


def compare_all(
    fitted: Sequence[FittedCurve], estimator: str, scales: Sequence[float]
) -> tuple[pd.DataFrame, list[TaskComparison], list[str]]:
    """comparisons.csv rows for every same-task pair, the compared tasks, and notes."""
    rows, tasks, notes = [], [], []
    for (domain, task), members in groups(fitted).items():
        if len(members) < 2:
            notes.append(f"{domain} / {task}: one model only ({members[0].curve.key.model})")
            continue
        grid = task_grid(members, scales)
        cached = [GridPredictions.of(f, grid) for f in members]
        tasks.append(TaskComparison(domain, task, members, cached))
        for i, j in itertools.combinations(range(len(members)), 2):
            pair, grids = (members[i], members[j]), (cached[i], cached[j])
            rows.extend(compare_pair(pair, grids, estimator, scales))
    if not rows:
        notes.insert(0, "no (domain, task) has two models with a successful fit: no comparisons")
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS), tasks, notes


def flip_table(comparisons: pd.DataFrame, fitted: Sequence[FittedCurve]) -> pd.DataFrame:
    """Per (domain, task) and per domain ("all" task): how often the winner would be wrong.

    ``small_scale_wrong``: the model with the lower observed loss at the first shared fit x is
    not the one with the lower observed loss at check_x. ``law_wrong``: the law's predicted
    winner at check_x is not the observed one (= unconfirmed). Only pairs with a check_x count.
    """
    curves = {(f.curve.key.domain, f.curve.key.task, f.curve.key.model): f.curve for f in fitted}
    pairs = comparisons.drop_duplicates(["domain", "task", "model_a", "model_b"])
    records = []
    for r in pairs.itertuples():
        a, b = curves[(r.domain, r.task, r.model_a)], curves[(r.domain, r.task, r.model_b)]
        x0 = shared_fit_x(a, b)
        small = observed_at(a, x0, fit=True) - observed_at(b, x0, fit=True)
        checked = np.isfinite(r.observed_diff) and np.isfinite(small)
        records.append({
            "domain": r.domain, "task": r.task, "checked": checked,
            "small_wrong": checked and np.sign(small) != np.sign(r.observed_diff),
            "law_wrong": checked and not bool(r.confirmed),
        })  # fmt: skip
    frame = pd.DataFrame(records, columns=["domain", "task", "checked", "small_wrong", "law_wrong"])
    rows = [_flip_row(d, t, g) for (d, t), g in frame.groupby(["domain", "task"], sort=True)]
    rows += [_flip_row(d, "all", g) for d, g in frame.groupby("domain", sort=True)]
    return pd.DataFrame(rows, columns=FLIP_COLUMNS)


def _flip_row(domain: str, task: str, group: pd.DataFrame) -> dict[str, object]:
    checked = int(group["checked"].sum())
    small, law = int(group["small_wrong"].sum()), int(group["law_wrong"].sum())
    return {
        "domain": domain, "task": task, "pairs": len(group), "checked": checked,
        "small_scale_wrong": small, "small_scale_wrong_share": _share(small, checked),
        "law_wrong": law, "law_wrong_share": _share(law, checked),
    }  # fmt: skip


def _share(count: int, total: int) -> float:
    """count / total, NaN when total is 0."""
    return count / total if total else float("nan")
