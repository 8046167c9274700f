"""Bootstrap refits of any estimator's law, warm-started from its base fit.

:func:`bootstrap_fits` fits an estimator once (its own, possibly slow, optimiser), then draws a
residual bootstrap in log space (Efron & Tibshirani 1993, ch. 9):

    r_i = log y_i − log ŷ_i,   r̃_i = (r_i − r̄)·√(n / (n − k)),   y*_i = ŷ_i · exp(r̃_{J_i}),

with J_i drawn uniformly with replacement and k the number of free parameters, and refits each
replicate (:func:`bootstrap_refits`) by a bounded Levenberg-Marquardt fit of the estimator's law
(``Estimator.law``) in log space, min Σ (log law(θ, x_i) − log y*_i)², started from the base
fit's parameters (Nocedal & Wright, *Numerical Optimization*, 2nd ed., §10.3: the damped
Gauss-Newton step (JᵀJ + λ·diag JᵀJ) δ = Jᵀr, kept only when it lowers the objective, with θ
projected onto the box). All replicates of a curve are iterated at once (the laws broadcast
over a column of parameter sets). Which parameters move, and their box bounds, come from the
estimator class's ``param_bounds`` (the others stay at their fitted values), so any estimator
with a ``law`` gets replicates without code here.

A replicate is a valid fit of the law only if it still describes a curve: its fitted log loss
must fall over the fit points by at least MIN_DROP_SHARE of the base fit's fall (a law that
collapsed to a constant, β = 0 or c = 0, does not) and be finite and positive there. A single
linearised step, the former refit, sent 2,165 of the benchmark's 9,200 M4 replicates to such a
constant (its Jacobian is nearly singular at α = 0, ε∞ = 0); the iterated refit keeps them
valid, and the few that are not are dropped and counted (:class:`Replicates`).

A combination of laws (``Estimator.band_parts``) is refitted part by part, each part on its
own residual bootstrap drawn with the same indices J (so the parts see the same resampled
points), and recombined as its law does (:func:`combine_parts`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from scalinglaws.errors import FitError
from scalinglaws.estimators import registry
from scalinglaws.estimators.base import Estimator, FitResult, Law

RCOND = 1e-10  # relative singular-value cut of the unit-scaled Jacobian
MAX_LOG_CHANGE = 0.05  # largest change of log ŷ a finite-difference step may cause
JACOBIAN_TRIES = 12  # step shrinks (×0.1 each) before a parameter counts as having no effect


MIN_DROP_SHARE = 1e-3  # a replicate must keep this share of the base fit's fall of log ŷ
LM_ITERATIONS = 20  # Levenberg-Marquardt iterations at most per replicate (all at once)
FD_STEP = 1e-6  # relative forward-difference step of the refits' Jacobians
LM_TOLERANCE = 1e-6  # a replicate stops when an accepted step gains less than this share
MAX_DAMPING = 1e6  # ... or when its damping grew this large (steps rejected in a row)


def bootstrap_fits(
    name: str,
    options: Mapping[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    replicates: int,
    seed: int,
) -> tuple[FitResult, list[FitResult]]:
    """The base fit of estimator ``name`` and its valid residual-bootstrap refits.

    Deterministic given ``seed``. Raises FitError if the base fit fails or the estimator has
    no ``law``. Replicates that are not valid fits of the law are left out (module docstring).
    """
    estimator = registry.make(name, **options)
    base = estimator.fit(x, y)
    order = np.argsort(np.asarray(x, dtype=float), kind="stable")
    x = np.asarray(x, dtype=float)[order]
    y = np.asarray(y, dtype=float)[order]
    samples = bootstrap_params(type(estimator), base.params, x, y, replicates, seed)
    return base, [_law_result(_law_of(type(estimator)), params, x, y) for params in samples]


def bootstrap_params(
    cls: type[Estimator],
    params: Mapping[str, float],
    x: np.ndarray,
    y: np.ndarray,
    replicates: int,
    seed: int,
) -> list[dict[str, float]]:
    """The parameters of the valid ones among ``replicates`` residual-bootstrap refits of the
    fit ``params`` of ``cls`` to the points (x, y) sorted by x (:func:`bootstrap_refits`)."""
    refits = bootstrap_refits(cls, params, x, y, replicates, seed)
    return [p for p, ok in zip(refits.params, refits.valid, strict=True) if ok]


@dataclass(frozen=True)
class Replicates:
    """Bootstrap refits of one law: every replicate's parameters and whether it is valid."""

    params: list[dict[str, float]]
    valid: np.ndarray  # bool per replicate

    @property
    def dropped(self) -> int:
        """How many replicates are not valid fits of the law."""
        return int((~self.valid).sum())


def bootstrap_refits(
    cls: type[Estimator],
    params: Mapping[str, float],
    x: np.ndarray,
    y: np.ndarray,
    replicates: int,
    seed: int,
) -> Replicates:
    """``replicates`` residual-bootstrap refits of the fit ``params`` of ``cls`` to (x, y)
    sorted by x, each a bounded Levenberg-Marquardt fit from the base (module docstring)."""
    x = np.asarray(x, dtype=float)
    lin = linearise(cls, params, x)
    targets = residual_bootstrap(lin.log_pred, np.log(y), lin.rank(), replicates, seed)
    theta, log_pred = levenberg_marquardt(lin, x, targets)
    drop = lin.log_pred[0] - lin.log_pred[-1]
    fall = (log_pred[:, 0] - log_pred[:, -1]) * np.sign(drop)
    valid = np.all(np.isfinite(log_pred), axis=1) & (fall > MIN_DROP_SHARE * abs(drop))
    return Replicates([lin.params_at(t - lin.theta) for t in theta], valid)


def levenberg_marquardt(
    lin: Linearised, x: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """θ (replicates × free parameters) minimising Σ (log law(θ, x) − target)² per row of
    ``targets``, from the fit ``lin`` inside its box, and log law(θ, x) (module docstring).

    The Jacobian of a row is recomputed only after one of its steps was accepted; a row stops
    when an accepted step gains less than LM_TOLERANCE of its cost or its damping exceeds
    MAX_DAMPING.
    """
    rows = targets.shape[0]
    theta = np.tile(lin.theta, (rows, 1))
    pred = np.tile(lin.log_pred, (rows, 1))
    if theta.shape[1] == 0:
        return theta, pred
    cost = np.sum((targets - pred) ** 2, axis=1)
    jac = np.tile(_jacobian_rows(lin, theta[:1], x, pred[:1]), (rows, 1, 1))
    damping = np.full(rows, 1e-3)
    active = np.ones(rows, dtype=bool)
    for _ in range(LM_ITERATIONS):
        now = np.flatnonzero(active)
        if now.size == 0:
            break
        step = _damped_steps(jac[now], pred[now], targets[now], damping[now])
        trial = np.clip(theta[now] + step, lin.lower, lin.upper)
        trial_pred = _log_law_rows(lin, trial, x)
        with np.errstate(invalid="ignore"):
            trial_cost = np.sum((targets[now] - trial_pred) ** 2, axis=1)
        better = np.isfinite(trial_cost) & (trial_cost < cost[now])
        gain = np.where(better, cost[now] - trial_cost, 0.0)
        kept = now[better]
        theta[kept], pred[kept], cost[kept] = trial[better], trial_pred[better], trial_cost[better]
        damping[now] = np.where(better, damping[now] / 3.0, damping[now] * 4.0)
        stop = (better & (gain <= LM_TOLERANCE * cost[now])) | (damping[now] > MAX_DAMPING)
        active[now[stop]] = False
        moved = kept[active[kept]]
        if moved.size:
            jac[moved] = _jacobian_rows(lin, theta[moved], x, pred[moved])
    return theta, pred


def _damped_steps(
    jac: np.ndarray, pred: np.ndarray, targets: np.ndarray, damping: np.ndarray
) -> np.ndarray:
    """Per row, δ solving (JᵀJ + λ·diag JᵀJ) δ = Jᵀ(target − log law(θ))."""
    jtj = np.einsum("rni,rnj->rij", jac, jac)
    grad = np.einsum("rni,rn->ri", jac, targets - pred)
    diag = np.einsum("rii->ri", jtj)
    floor = 1e-12 * diag.max(axis=1, keepdims=True) + 1e-300
    system = jtj + np.eye(jac.shape[2]) * (damping[:, None] * np.maximum(diag, floor))[:, None, :]
    try:
        return np.linalg.solve(system, grad[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.einsum("rij,rj->ri", np.linalg.pinv(system), grad)


def _jacobian_rows(
    lin: Linearised, theta: np.ndarray, x: np.ndarray, pred: np.ndarray
) -> np.ndarray:
    """∂ log law / ∂θ at every row of θ by forward differences (backward at an upper bound);
    a non-finite column is zero (that parameter does not move)."""
    columns = []
    for j in range(theta.shape[1]):
        h = FD_STEP * np.maximum(np.maximum(np.abs(theta[:, j]), abs(lin.theta[j])), 1e-6)
        h = np.where(theta[:, j] + h > lin.upper[j], -h, h)
        moved = theta.copy()
        moved[:, j] += h
        column = (_log_law_rows(lin, moved, x) - pred) / h[:, None]
        columns.append(np.where(np.isfinite(column), column, 0.0))
    return np.stack(columns, axis=2)


def _log_law_rows(lin: Linearised, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log law at x for every row of θ (NaN where not positive): one broadcast call when the
    law allows it, else one call per row."""
    stacked = dict(lin.params)
    stacked.update({k: theta[:, [j]] for j, k in enumerate(lin.keys)})
    with np.errstate(all="ignore"):
        try:
            out = np.broadcast_to(lin.law(stacked, x[None, :]), (theta.shape[0], x.size))
            return np.log(np.asarray(out, dtype=float))
        except (TypeError, ValueError):
            rows = [_log_law(lin.law, lin.params_at(t - lin.theta), x) for t in theta]
            return np.array(rows, dtype=float)


def residual_bootstrap(
    log_pred: np.ndarray, log_y: np.ndarray, k: int, replicates: int, seed: int
) -> np.ndarray:
    """``replicates`` × n resampled log losses log y* = log ŷ + r̃_J (module docstring)."""
    resid = log_y - log_pred
    resid = resid - resid.mean()
    n = resid.size
    if n > k:
        resid = resid * np.sqrt(n / (n - k))
    picks = np.random.default_rng(seed).integers(0, n, size=(int(replicates), n))
    return log_pred[None, :] + resid[picks]


def free_bounds(
    cls: type[Estimator], params: Mapping[str, float]
) -> dict[str, tuple[float, float]]:
    """The parameters a refit may move, with their bounds (``cls.param_bounds``, else all)."""
    if cls.param_bounds is None:
        return {key: (-np.inf, np.inf) for key in params}
    return {key: bounds for key, bounds in cls.param_bounds.items() if key in params}


@dataclass(frozen=True)
class Linearised:
    """An estimator's law linearised in its free parameters at a fit: log ŷ(x) ≈ f₀ + J·(θ − θ₀).

    ``log_pred`` and ``jacobian`` are taken at the points ``x`` given to :func:`linearise`.
    """

    law: Law
    params: dict[str, float]
    keys: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    log_pred: np.ndarray
    jacobian: np.ndarray

    @property
    def theta(self) -> np.ndarray:
        """θ₀: the free parameters at the fit."""
        return np.array([self.params[k] for k in self.keys], dtype=float)

    def rank(self) -> int:
        """Numerical rank of the Jacobian on unit-scaled columns (the free parameters fitted)."""
        return self._rank

    @cached_property
    def _rank(self) -> int:
        if self.jacobian.shape[1] == 0:
            return 0
        scale = np.linalg.norm(self.jacobian, axis=0)
        return int(np.linalg.matrix_rank(self.jacobian / np.where(scale > 0, scale, 1.0), RCOND))

    def params_at(self, step: np.ndarray) -> dict[str, float]:
        """The parameters θ₀ + ``step``."""
        return _with(self.params, self.keys, self.theta + step)


def linearise(cls: type[Estimator], params: Mapping[str, float], x: np.ndarray) -> Linearised:
    """:class:`Linearised` law of ``cls`` at ``params``, with a forward-difference Jacobian at x.

    Step h_j = 1e-4·|θ_j| (1e-4 if θ_j = 0), reversed at an upper bound and shrunk tenfold
    while it changes log ŷ by more than MAX_LOG_CHANGE anywhere.
    """
    law = _law_of(cls)
    bounds = free_bounds(cls, params)
    keys = tuple(bounds)
    lower = np.array([bounds[k][0] for k in keys], dtype=float)
    upper = np.array([bounds[k][1] for k in keys], dtype=float)
    params = dict(params)
    x = np.asarray(x, dtype=float)
    log_pred = _log_law(law, params, x)
    if not np.all(np.isfinite(log_pred)):
        raise FitError(f"{cls.name} fit does not predict a positive finite loss at every x")
    columns = [
        _derivative(law, params, key, float(hi), x, log_pred)
        for key, hi in zip(keys, upper, strict=True)
    ]
    jacobian = np.column_stack(columns) if columns else np.zeros((x.size, 0))
    return Linearised(law, params, keys, lower, upper, log_pred, jacobian)


def _derivative(
    law: Law, params: dict[str, float], key: str, upper: float, x: np.ndarray, base: np.ndarray
) -> np.ndarray:
    """Forward-difference ∂ log law / ∂ params[key] at x (see :func:`linearise`)."""
    value = params[key]
    h = 1e-4 * abs(value) if value != 0 else 1e-4
    for _ in range(JACOBIAN_TRIES):
        step = -h if value + h > upper else h
        change = _log_law(law, _with(params, [key], np.array([value + step])), x) - base
        if np.all(np.isfinite(change)) and np.max(np.abs(change)) <= MAX_LOG_CHANGE:
            return change / step
        h *= 0.1
    return np.zeros_like(base)


def _log_law(law: Law, params: dict[str, float], x: np.ndarray) -> np.ndarray:
    """log law(θ, x), NaN where the law is not positive."""
    with np.errstate(all="ignore"):
        return np.log(np.asarray(law(params, x), dtype=float))


def _law_of(cls: type[Estimator]) -> Law:
    """The estimator's law, or FitError if it has none."""
    if cls.law is None:
        raise FitError(f"estimator {cls.name} has no law, so it cannot be refitted")
    return cls.law


def _with(start: Mapping[str, float], keys: Sequence[str], theta: np.ndarray) -> dict[str, float]:
    """``start`` with ``keys`` replaced by ``theta``."""
    params = dict(start)
    params.update(zip(keys, (float(v) for v in theta), strict=True))
    return params


def _law_result(law: Law, params: dict[str, float], x: np.ndarray, y: np.ndarray) -> FitResult:
    """A one-step refit as a FitResult predicting with ``law`` at ``params``."""
    return FitResult.of_law(
        law, params, x, y,
        message="one-step Gauss-Newton bootstrap refit, linearised at the base fit",
    )  # fmt: skip


def percentile_interval(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2.5 % and 97.5 % percentiles per column of ``samples``, ignoring NaN (NaN for a column
    without finite samples, or when there are no rows)."""
    if samples.shape[0] == 0:
        nan = np.full(samples.shape[1], np.nan)
        return nan, nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
        return np.nanpercentile(samples, 2.5, axis=0), np.nanpercentile(samples, 97.5, axis=0)
