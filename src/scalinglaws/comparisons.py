"""Pairwise comparisons of models by their fitted scaling laws, not at one scale.

After Nezhurina et al. 2025 ("Scaling Laws for Robust Comparison of Open Foundation
Language-Vision Models and Datasets"): two models that share a (domain, task) are compared by
their laws ε_a(x), ε_b(x), each fitted to its Training = 1 points with one estimator (the M1-M4
laws of Alabdulmohsin et al. 2022, Eq. 4). For a pair:

* targets x_t = s · x_max for each configured multiple s, where x_max is the largest x of
  either curve (fit and extrapolation points alike);
* the predicted difference Δ(x_t) = ε_a(x_t) − ε_b(x_t) with a 95 % interval from the
  replicates of both fits (below); the predicted winner is the model with the lower ε (the
  lower loss or error);
* the crossover: the first x up to max x_t where Δ changes sign after the two laws have been
  apart by more than their noise levels (and beyond the first grid step), x_min being the
  first fit x shared by both curves, interpolated in log x; laws that start level at x_min
  and part later do not cross there (:func:`crossover`). Its interval comes from the
  crossovers of the replicates that have one;
* the after-the-fact check: at x_check, the largest x at which both curves have Training = 0
  points, the observed ordering confirms the predicted one when the signs of Δ agree, and
  ``check_covered`` says whether the observed Δ lies in the predicted 95 % interval at x_check.
  The Training = 0 points are never fitted.

Replicates: a residual bootstrap in log space, each replicate refitted by a bounded
Levenberg-Marquardt fit of the law from the base fit (:mod:`scalinglaws.uncertainty`); a
replicate that is not a valid fit of the law (collapsed to a constant) is dropped and counted.
A combination (``Estimator.band_parts``, e.g. BLEND, MEDIAN) is resampled part by part and
recombined by its rule. Each replicate's log law is then bent by the predictive band's
extrapolation term κ·r(x)·D·ξ (scalinglaws.bands; ξ ~ t_ν drawn once per replicate and shared
by the curves of a task, so their extrapolation errors are fully correlated): zero over the fit
points, it makes the intervals at the target scales account for the extrapolation error and
not only for the parameters' noise. The base fit is the one in scores.csv (the estimator's own
optimiser, same options), so no curve is refitted along M4's slow official path here.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalinglaws.bands import NOISE_FLOOR, constants_for, ingredients
from scalinglaws.curves import Curve
from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators.base import Estimator, Law
from scalinglaws.estimators.registry import ESTIMATORS
from scalinglaws.fitting import FITTED_STATUSES
from scalinglaws.uncertainty import bootstrap_refits, percentile_interval

COMPARISON_COLUMNS = [
    "domain", "task", "model_a", "model_b", "estimator", "scale", "x",
    "pred_a", "pred_b", "diff", "diff_lo95", "diff_hi95", "better", "significant",
    "crossover_x", "crossover_lo95", "crossover_hi95", "crossover_share",
    "check_x", "observed_diff", "confirmed", "check_lo95", "check_hi95", "check_covered",
    "status", "error",
]  # fmt: skip
CHECK_COLUMNS = ["domain", "task", "checked", "small_wrong", "law_wrong"]
FLIP_COLUMNS = [
    "domain", "task", "pairs", "checked", "small_scale_wrong", "small_scale_wrong_share",
    "law_wrong", "law_wrong_share",
]  # fmt: skip
GRID_POINTS = 200


@dataclass(frozen=True)
class LawSamples:
    """One law's parameter samples (one per valid bootstrap replicate), with its weight in a
    combination (1 for a single law)."""

    share: float
    law: Law
    samples: list[dict[str, float]]

    def log_predict(self, x: np.ndarray) -> np.ndarray:
        """log of each sample's law at ``x``: shape (samples, len(x)); invalid values are NaN.

        The law is called once with every parameter as a column of samples, broadcasting
        against ``x`` (the registered laws support it); otherwise once per sample.
        """
        x = np.asarray(x, dtype=float).reshape(1, -1)
        if not self.samples:
            return np.empty((0, x.size))
        names = sorted(self.samples[0])
        stacked = {k: np.array([[float(p[k])] for p in self.samples]) for k in names}
        with np.errstate(all="ignore"):
            try:
                out = np.broadcast_to(self.law(stacked, x), (len(self.samples), x.size))
            except (TypeError, ValueError):
                out = [self.law({k: np.float64(p[k]) for k in names}, x[0]) for p in self.samples]
            out = np.array(out, dtype=float).reshape(len(self.samples), x.size)
            out[~(np.isfinite(out) & (out > 0))] = np.nan
            return np.log(out)


@dataclass(frozen=True)
class FittedCurve:
    """A curve, its base parameters under one estimator's law, and the bootstrap samples of
    that law: of the law itself, or of each part of a combination (``Estimator.band_parts``),
    recombined by ``rule`` ("sum": Σ wᵢ log ŷᵢ; "median": the pointwise median of log ŷᵢ)."""

    curve: Curve
    law: Law
    params: dict[str, float]
    parts: tuple[LawSamples, ...]
    rule: str = "sum"
    dropped: int = 0  # replicates left out: not a valid fit of the law (or of some part)
    drift: Drift | None = None  # the extrapolation error added to each replicate
    noise: float = 0.0  # the band's noise level of log y over the fit points, m·√(σ² + f₀²)

    @property
    def samples(self) -> int:
        """How many valid replicates the curve has."""
        return len(self.parts[0].samples) if self.parts else 0

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The base law at ``x``."""
        with np.errstate(all="ignore"):
            return np.asarray(self.law(self.params, np.asarray(x, dtype=float)), dtype=float)

    def predict_samples(self, x: np.ndarray) -> np.ndarray:
        """Each replicate's (combined) law at ``x``: shape (samples, len(x)); invalid is NaN."""
        logs = np.stack([part.log_predict(x) for part in self.parts])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if self.rule == "median":
                combined = np.median(logs, axis=0)
            else:
                shares = np.array([part.share for part in self.parts])
                combined = np.tensordot(shares, logs, axes=1)
        if self.drift is not None:
            combined = combined + self.drift.at(np.asarray(x, dtype=float))
        return np.exp(combined)


@dataclass(frozen=True)
class Drift:
    """The band's extrapolation term as a random bend of each replicate's log law:
    κ·r(x)·D·ξⱼ with ξⱼ ~ t_ν, one draw per replicate (scalinglaws.bands: r the distance
    beyond the last fit point in units of the fit range, D the fit's fall of log ŷ, κ and ν
    the estimator's band constants). Zero over the fit points."""

    x_first: float
    x_last: float
    scale: float  # κ·D
    draws: np.ndarray  # ξⱼ per replicate

    def at(self, x: np.ndarray) -> np.ndarray:
        """(replicates, len(x)) log-space offsets."""
        r = np.log(np.maximum(x.ravel() / self.x_last, 1.0)) / np.log(self.x_last / self.x_first)
        return self.scale * self.draws[:, None] * r[None, :]


# --------------------------------------------------------------------------------------------
# Parameter samples
# --------------------------------------------------------------------------------------------


def curve_seed(seed: int, curve: Curve) -> int:
    """A per-curve seed from ``seed`` and the curve key, independent of the curve order."""
    digest = hashlib.sha256(f"{seed}\x1f{curve.key.slug}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def task_seed(seed: int, curve: Curve) -> int:
    """A seed from ``seed`` and the curve's (domain, task), shared by the task's curves."""
    digest = hashlib.sha256(f"{seed}\x1f{curve.key.domain}\x1f{curve.key.task}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def fitted_curve(
    curve: Curve, cls: type[Estimator], params: dict[str, float], replicates: int, seed: int
) -> FittedCurve:
    """The curve with bootstrap samples of the fit ``params`` of ``cls``: part by part for a
    combination, every part resampled with the same seed (the same resampled points), and a
    replicate kept only if every part's refit is valid (scalinglaws.uncertainty); each
    replicate bent by the band's extrapolation term (:class:`Drift`). ``seed`` is the run's
    seed, combined with the curve's key (resampling) or its task (drift draws)."""
    parts = cls.band_parts(params) or [(1.0, cls, dict(params))]
    own_seed = curve_seed(seed, curve)
    refits = [
        (share, part, bootstrap_refits(part, p, curve.x_fit, curve.y_fit, replicates, own_seed))
        for share, part, p in parts
    ]
    valid = np.logical_and.reduce([r.valid for _, _, r in refits])
    samples = tuple(
        LawSamples(share, part.law, [p for p, ok in zip(r.params, valid, strict=True) if ok])
        for share, part, r in refits
    )
    law = cls.law
    assert law is not None  # bootstrap_refits raised FitError otherwise
    drift = _drift(curve, cls, params, valid, task_seed(seed, curve))
    const = constants_for(cls.name)
    sigma2 = ingredients(cls, params, curve.x_fit, curve.y_fit, curve.x_fit[:1]).sigma2
    noise = const.noise * float(np.sqrt(sigma2 + NOISE_FLOOR**2))
    dropped = int((~valid).sum())
    return FittedCurve(curve, law, params, samples, cls.band_rule, dropped, drift, noise)


def _drift(
    curve: Curve, cls: type[Estimator], params: dict[str, float], valid: np.ndarray, seed: int
) -> Drift:
    """The band's extrapolation term of the ``valid`` replicates. The draws ξ come from a
    stream seeded by the task (:func:`task_seed`), so that every curve of a task bends the same
    way in a replicate: their extrapolation errors are taken as fully correlated, each with its
    own size κ·D."""
    const = constants_for(cls.name)
    x_first, x_last = float(curve.x_fit[0]), float(curve.x_fit[-1])
    with np.errstate(all="ignore"):
        log_ends = np.log(np.asarray(cls.law(dict(params), np.array([x_first, x_last])), float))
    fall = abs(float(log_ends[0] - log_ends[1]))
    draws = np.random.default_rng(seed).standard_t(const.df, size=valid.size)
    return Drift(x_first, x_last, const.kappa * fall, draws[: int(valid.sum())])


def fitted_curves(
    curves: Sequence[Curve], scores: pd.DataFrame, estimator: str, replicates: int, seed: int
) -> tuple[list[FittedCurve], list[str]]:
    """The curves whose ``estimator`` fit in ``scores`` succeeded, and notes on the others."""
    cls = ESTIMATORS[estimator]
    ok = scores[(scores["estimator"] == estimator) & scores["status"].isin(FITTED_STATUSES)]
    params = {(r.domain, r.task, r.model): json.loads(r.params) for r in ok.itertuples()}
    fitted, notes = [], []
    for curve in curves:
        key = (curve.key.domain, curve.key.task, curve.key.model)
        if key not in params:
            notes.append(f"{curve.key.label}: no successful {estimator} fit in scores.csv")
            continue
        p = {k: float(v) for k, v in params[key].items()}
        try:
            fitted.append(fitted_curve(curve, cls, p, replicates, seed))
        except ScalingLawsError as exc:
            notes.append(f"{curve.key.label}: no bootstrap for {estimator}: {exc}")
    dropped = sum(f.dropped for f in fitted)
    if dropped:
        notes.append(
            f"{dropped} of {replicates * len(fitted)} bootstrap replicates were left out: "
            "not a valid fit of the law (it collapsed to a constant or is not finite)"
        )
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

    def base_at(self, x: np.ndarray) -> np.ndarray:
        """The base law's predictions at ``x`` (inside the grid), interpolated in log-log."""
        with np.errstate(all="ignore"):
            log_base = np.log(self.base)
        return np.exp(np.interp(np.log(x), np.log(self.grid), log_base))

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
    high = max(f.curve.last_point[0] for f in members) * max(scales) * 1.01
    return np.geomspace(low, max(high, low * 1.01), GRID_POINTS)


def crossover(
    ga: GridPredictions, gb: GridPredictions, low: float, high: float, apart: float = 0.0
) -> tuple[float, np.ndarray]:
    """First reversal of the ordering of ε_a and ε_b in (low, high] for the base laws and for
    every sample.

    The search grid starts exactly at ``low`` (the first shared fit x). A sign change of
    ε_a − ε_b is a crossover only once the two laws have been ordered: |log ε_a − log ε_b|
    above ``apart`` (their noise levels combined) somewhere between ``low`` and the sign change,
    and not within the grid's first step. So two laws that start level at the first shared
    point (the random-guessing plateau of error curves, say) and part later do not cross there.
    Returns (base crossover or NaN, sample crossovers with NaN where a sample has none).
    """
    step = ga.grid[1] / ga.grid[0] if ga.grid.size > 1 else 1.0
    inside = (ga.grid > low * step) & (ga.grid <= high)
    grid = np.concatenate([[low], ga.grid[inside]])
    start = np.array([low])
    base_a = np.concatenate([ga.base_at(start), ga.base[inside]])
    base_b = np.concatenate([gb.base_at(start), gb.base[inside]])
    sa, sb = paired(
        np.hstack([ga.at(start), ga.samples[:, inside]]),
        np.hstack([gb.at(start), gb.samples[:, inside]]),
    )
    roots = np.array([_first_root(a, b, grid, apart) for a, b in zip(sa, sb, strict=True)])
    return _first_root(base_a, base_b, grid, apart), roots


def _first_root(a: np.ndarray, b: np.ndarray, grid: np.ndarray, apart: float) -> float:
    """x of the first sign change of a − b on ``grid`` after its first step and after the two
    were more than ``apart`` apart in log, interpolated linearly in log x (NaN if none)."""
    diff = a - b
    if diff.size < 3:
        return float("nan")
    sign = np.sign(diff)
    with np.errstate(all="ignore"):
        gap = np.abs(np.log(a) - np.log(b))
    ordered = np.maximum.accumulate(np.where(np.isfinite(gap), gap, 0.0)) > apart
    change = np.flatnonzero(np.isfinite(diff[:-1] * diff[1:]) & (sign[:-1] * sign[1:] < 0))
    change = change[(change > 0) & ordered[change]]
    if change.size == 0:
        return float("nan")
    i = change[0]
    t = diff[i] / (diff[i] - diff[i + 1])
    return float(np.exp(np.log(grid[i]) + t * (np.log(grid[i + 1]) - np.log(grid[i]))))


def paired(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first min(len a, len b) rows of each: the replicates of two independent curves,
    paired in order (their counts differ when invalid replicates were left out)."""
    rows = min(a.shape[0], b.shape[0])
    return a[:rows], b[:rows]


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


def compare_pair(
    pair: tuple[FittedCurve, FittedCurve],
    grids: tuple[GridPredictions, GridPredictions],
    estimator: str,
    scales: Sequence[float],
) -> list[dict[str, object]]:
    """One row per target scale for the pair (a, b); see the module docstring."""
    fa, fb = pair
    a, b = fa.curve, fb.curve
    targets = max(a.last_point[0], b.last_point[0]) * np.asarray(scales, dtype=float)
    low = shared_fit_x(a, b)
    cross, cross_samples = crossover(
        *grids, low, targets.max(), float(np.hypot(fa.noise, fb.noise))
    )
    x_check = check_scale(a, b)
    observed = observed_at(a, x_check, fit=False) - observed_at(b, x_check, fit=False)
    predicted_check = float(fa.predict([x_check])[0] - fb.predict([x_check])[0])
    confirmed = None
    if np.isfinite(observed):
        confirmed = bool(np.sign(observed) == np.sign(predicted_check))
    pa, pb = fa.predict(targets), fb.predict(targets)
    lo, hi = percentile_interval(np.subtract(*paired(grids[0].at(targets), grids[1].at(targets))))
    check_lo, check_hi, covered = check_interval(grids, x_check, observed)
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
            "confirmed": "" if confirmed is None else confirmed,
            "check_lo95": check_lo, "check_hi95": check_hi, "check_covered": covered,
            "status": "ok", "error": "",
        })  # fmt: skip
    return rows


def check_interval(
    grids: tuple[GridPredictions, GridPredictions], x_check: float, observed: float
) -> tuple[float, float, object]:
    """The 95 % interval of the predicted Δ at ``x_check`` and whether it holds the observed
    Δ ('' when there is nothing to check)."""
    if not np.isfinite(x_check):
        return float("nan"), float("nan"), ""
    at = np.array([x_check])
    lo, hi = percentile_interval(np.subtract(*paired(grids[0].at(at), grids[1].at(at))))
    if not (np.isfinite(observed) and np.isfinite(lo[0])):
        return float(lo[0]), float(hi[0]), ""
    return float(lo[0]), float(hi[0]), bool(lo[0] <= observed <= hi[0])


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
    """Per (domain, task) and per domain ("all" task): how often the winner would be wrong
    (:func:`flip_summary` of :func:`pair_checks`)."""
    return flip_summary(pair_checks(comparisons, fitted))


def pair_checks(comparisons: pd.DataFrame, fitted: Sequence[FittedCurve]) -> pd.DataFrame:
    """Per compared pair (one row): ``checked`` (observed losses at both scales),
    ``small_wrong``: the model with the lower observed loss at the first shared fit x is not
    the one with the lower observed loss at check_x; ``law_wrong``: the law's predicted
    winner at check_x is not the observed one (= unconfirmed). Only checked pairs can be wrong.
    """
    curves = {(f.curve.key.domain, f.curve.key.task, f.curve.key.model): f.curve for f in fitted}
    pairs = comparisons.drop_duplicates(["domain", "task", "model_a", "model_b"])
    records = []
    for r in pairs.itertuples():
        a, b = curves[(r.domain, r.task, r.model_a)], curves[(r.domain, r.task, r.model_b)]
        x0 = shared_fit_x(a, b)
        small = observed_at(a, x0, fit=True) - observed_at(b, x0, fit=True)
        checked = bool(np.isfinite(r.observed_diff) and np.isfinite(small))
        records.append({
            "domain": r.domain, "task": r.task, "checked": checked,
            "small_wrong": checked and bool(np.sign(small) != np.sign(r.observed_diff)),
            "law_wrong": checked and not bool(r.confirmed),
        })  # fmt: skip
    return pd.DataFrame(records, columns=CHECK_COLUMNS)


def flip_summary(checks: pd.DataFrame) -> pd.DataFrame:
    """The flip table from :func:`pair_checks` rows (of one batch or of many): per (domain,
    task) and per domain ("all" task), pairs, checked pairs and the wrong counts and shares."""
    rows = [_flip_row(d, t, g) for (d, t), g in checks.groupby(["domain", "task"], sort=True)]
    rows += [_flip_row(d, "all", g) for d, g in checks.groupby("domain", sort=True)]
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
