"""Predictive bands of a fitted scaling law, with an extrapolation term learnt on the fit points.

The predictive distribution of log y at x is a Student-t (Gelman et al., *Bayesian Data
Analysis*, 3rd ed., §14.8: the predictive of a regression with unknown noise):

    log y ~ f₀(x) + s(x)·t_ν,   s²(x) = v_boot(x) + σ² + κ²·d(x)²,   ν = max(n − k, 1),

where f₀ = log ŷ is the base fit, v_boot(x) the variance of log ŷ over residual-bootstrap
refits (:mod:`scalinglaws.uncertainty`), σ² = Σ r_i² / ν the residual variance of the n fit
points with k fitted parameters, and d(x) = max(0, log(x / x_last)) the log extrapolation
ratio beyond the last fit point. κ measures how fast errors grow beyond the data and is
learnt by backtesting on the fit points alone: refit (one linearised step) on the first
``backtest_fraction`` of them, then regress the squared errors e_j² − σ² at the later fit
points on d_j² (d_j from the last early point): κ̂² = max(0, Σ(e_j² − σ²)d_j² / Σ d_j⁴).
With m held-out points the curve's κ² is shrunk towards a fixed prior,
κ² = (m κ̂² + m₀ κ₀²) / (m + m₀); κ₀ and m₀ are global constants (config ``uncertainty``).
The Training=0 points never enter: they are only scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from scalinglaws.estimators.base import Estimator
from scalinglaws.uncertainty import Linearised, linearise


@dataclass(frozen=True)
class BandSettings:
    """Settings of :func:`predictive` (config section ``uncertainty``)."""

    level: float = 0.8
    replicates: int = 100
    seed: int = 0
    backtest_fraction: float = 0.7  # the three constants: chosen on fit points only
    kappa_prior: float = 0.02  # (benchmarks/band_constants.py)
    prior_weight: float = 10.0

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> BandSettings:
        """Settings from the config section (missing keys take the defaults)."""
        known = {k: v for k, v in (section or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Predictive:
    """A Student-t predictive distribution of log y at points x (module docstring)."""

    center: np.ndarray  # f₀(x) = log ŷ(x)
    scale: np.ndarray  # s(x)
    df: float  # ν

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """The central ``level`` band in loss units: exp(f₀ ∓ t_{ν,(1+level)/2} s)."""
        half = stats.t.ppf(0.5 + level / 2, self.df) * self.scale
        return np.exp(self.center - half), np.exp(self.center + half)


def predictive(
    cls: type[Estimator],
    params: Mapping[str, float],
    x_fit: np.ndarray,
    y_fit: np.ndarray,
    x: np.ndarray,
    settings: BandSettings,
) -> Predictive:
    """The predictive distribution at ``x`` of the fit ``params`` of ``cls`` to (x_fit, y_fit).

    ``x_fit`` must be sorted ascending (as Curve.x_fit is). Raises FitError if the law does not
    give a positive finite loss at some point.
    """
    parts = cls.band_parts(params)
    if parts:
        bands = [
            (share, predictive(part, part_params, x_fit, y_fit, x, settings))
            for share, part, part_params in parts
        ]
        return _median_part(bands) if cls.band_rule == "median" else _combined(bands)
    x_fit = np.asarray(x_fit, dtype=float)
    n = x_fit.size
    lin = linearise(cls, params, np.concatenate([x_fit, np.asarray(x, dtype=float)]))
    log_y = np.log(np.asarray(y_fit, dtype=float))
    resid = log_y - lin.log_pred[:n]
    df = float(max(n - lin.rank(), 1))
    sigma2 = float(resid @ resid) / df
    steps = lin.bootstrap_steps(log_y, settings.replicates, settings.seed, slice(0, n))
    spread = steps @ lin.jacobian[n:].T
    kappa2 = _kappa2(lin, log_y, x_fit, sigma2, settings)
    distance = np.log(np.maximum(np.asarray(x, dtype=float) / x_fit[-1], 1.0))
    variance = spread.var(axis=0) + sigma2 + kappa2 * distance**2
    return Predictive(center=lin.log_pred[n:], scale=np.sqrt(variance), df=df)


def _combined(parts: list[tuple[float, Predictive]]) -> Predictive:
    """The band of Σ wᵢ log ŷᵢ from its parts': centre Σ wᵢ fᵢ, scale Σ wᵢ sᵢ (the parts'
    errors taken as fully correlated, the conservative choice), ν the smallest of theirs."""
    return Predictive(
        center=sum(share * part.center for share, part in parts),
        scale=sum(share * part.scale for share, part in parts),
        df=min(part.df for _, part in parts),
    )


def _median_part(parts: list[tuple[float, Predictive]]) -> Predictive:
    """The band of the pointwise median of the parts' log ŷ: at each x, the centre and scale of
    the median part (of an even number, the mean of the middle two); ν the smallest."""
    centers = np.stack([part.center for _, part in parts])
    scales = np.stack([part.scale for _, part in parts])
    order = np.argsort(centers, axis=0, kind="stable")
    middle = sorted({(len(parts) - 1) // 2, len(parts) // 2})
    picked = order[middle]
    return Predictive(
        center=np.take_along_axis(centers, picked, axis=0).mean(axis=0),
        scale=np.take_along_axis(scales, picked, axis=0).mean(axis=0),
        df=min(part.df for _, part in parts),
    )


def _kappa2(
    lin: Linearised, log_y: np.ndarray, x_fit: np.ndarray, sigma2: float, settings: BandSettings
) -> float:
    """κ² from a backtest on the fit points, shrunk towards κ₀² (module docstring)."""
    n = x_fit.size
    early = min(max(int(np.ceil(settings.backtest_fraction * n)), lin.rank() + 1), n - 1)
    prior = settings.prior_weight * settings.kappa_prior**2
    step = lin.steps(log_y[None, :early], slice(0, early))[0]
    errors = log_y[early:n] - (lin.log_pred[early:n] + lin.jacobian[early:n] @ step)
    distance = np.log(x_fit[early:] / x_fit[early - 1])
    kappa2 = max(float(((errors**2 - sigma2) * distance**2).sum() / (distance**4).sum()), 0.0)
    m = errors.size
    return (m * kappa2 + prior) / (m + settings.prior_weight)
