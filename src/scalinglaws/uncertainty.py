"""Cheap bootstrap refits of any estimator's law, warm-started from its base fit.

:func:`bootstrap_fits` fits an estimator once (its own, possibly slow, optimiser), then draws a
residual bootstrap in log space (Efron & Tibshirani 1993, ch. 9):

    r_i = log y_i − log ŷ_i,   r̃_i = (r_i − r̄)·√(n / (n − k)),   y*_i = ŷ_i · exp(r̃_{J_i}),

with J_i drawn uniformly with replacement and k the number of free parameters, and refits each
replicate with :func:`refit`: a bounded trust-region least-squares fit of the estimator's law
(``Estimator.law``) in log space, min Σ (log law(θ, x_i) − log y*_i)², started from the base
fit's parameters. Which parameters move, and their box bounds, come from the estimator class's
``param_bounds`` (the others stay at their fitted values), so any estimator with a ``law``
gets replicates without code here.
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


def bootstrap_fits(
    name: str,
    options: Mapping[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    replicates: int,
    seed: int,
) -> tuple[FitResult, list[FitResult]]:
    """The base fit of estimator ``name`` and ``replicates`` residual-bootstrap refits.

    Deterministic given ``seed``. Raises FitError if the base fit fails or the estimator has
    no ``law``; a replicate whose refit fails keeps the base parameters.
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
    """The parameters of ``replicates`` residual-bootstrap refits of the fit ``params`` of
    ``cls`` to the points (x, y) sorted by x: one bounded Gauss-Newton step each."""
    lin = linearise(cls, params, x)
    return [lin.params_at(step) for step in lin.bootstrap_steps(np.log(y), replicates, seed)]


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

    def steps(self, log_targets: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Gauss–Newton steps θ* − θ₀ towards each row of ``log_targets``, kept inside the bounds.

        Least squares J δ ≈ log y* − f₀ on the points ``rows`` (minimum-norm on unit-scaled
        columns, so unidentified directions do not move); parameters that leave their box are
        then fixed at the bound they crossed and the others solved again (one active-set pass).
        """
        jac = self.jacobian[rows]
        targets = np.atleast_2d(log_targets) - self.log_pred[rows][None, :]
        steps = _min_norm_solve(jac, targets)
        low, high = self.lower - self.theta, self.upper - self.theta
        clipped = np.clip(steps, low, high)
        crossed = clipped != steps
        for pattern in np.unique(crossed, axis=0):
            if not pattern.any():
                continue
            which = np.all(crossed == pattern, axis=1)
            fixed = clipped[which][:, pattern]
            rest = _min_norm_solve(jac[:, ~pattern], targets[which] - fixed @ jac[:, pattern].T)
            redo = clipped[which]
            redo[:, ~pattern] = np.clip(rest, low[~pattern], high[~pattern])
            clipped[which] = redo
        return clipped

    def rank(self) -> int:
        """Numerical rank of the Jacobian on unit-scaled columns (the free parameters fitted)."""
        return self._rank

    @cached_property
    def _rank(self) -> int:
        if self.jacobian.shape[1] == 0:
            return 0
        scale = np.linalg.norm(self.jacobian, axis=0)
        return int(np.linalg.matrix_rank(self.jacobian / np.where(scale > 0, scale, 1.0), RCOND))

    def bootstrap_steps(
        self, log_y: np.ndarray, replicates: int, seed: int, rows: slice = slice(None)
    ) -> np.ndarray:
        """:meth:`steps` towards ``replicates`` residual-bootstrap resamples of the points
        ``rows`` with log losses ``log_y`` (:func:`residual_bootstrap`)."""
        targets = residual_bootstrap(self.log_pred[rows], log_y, self.rank(), replicates, seed)
        return self.steps(targets, rows)

    def params_at(self, step: np.ndarray) -> dict[str, float]:
        """The parameters θ₀ + ``step``."""
        return _with(self.params, self.keys, self.theta + step)


def _min_norm_solve(jac: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rows δ minimising ‖J δ − t‖ for each row t of ``targets``, minimum-norm in unit columns."""
    if jac.shape[1] == 0:
        return np.zeros((targets.shape[0], 0))
    scale = np.linalg.norm(jac, axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return np.linalg.lstsq(jac / scale, targets.T, rcond=RCOND)[0].T / scale


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
