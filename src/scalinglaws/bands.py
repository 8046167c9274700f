"""Predictive bands of a fitted scaling law, calibrated on fit-point backtests.

The predictive distribution of log y at x is a Student-t around the fit (a location-scale
family, Gelman et al., *Bayesian Data Analysis*, 3rd ed., §14.8):

    log y ~ f(x) + s(x)·t_ν,   s²(x) = m²·(σ² + f₀²) + κ²·r(x)²·D²,

where f = log ŷ is the fitted law (for a combination, the combined law), and

* σ² = Σ rᵢ² / max(n − k, 1) is the residual variance of the n fit points in log space, k the
  number of parameters the fit identifies (the rank of the law's Jacobian at the fit points;
  for a combination, the largest of its parts', :meth:`Estimator.band_parts`); f₀ = NOISE_FLOOR
  keeps a band around a fit that passes through every point;
* r(x) = max(0, log(x / x_n)) / log(x_n / x_1) is the extrapolation distance in units of the
  fit points' log-x range, and D = |f(x_n) − f(x_1)| is the drop of the fitted log loss over
  that range, so κ·r·D is the extrapolation error grown in proportion to the distance and to
  the log-log slope of the curve: both are unit-free (multiplying x or y by a constant leaves
  the band's relative width unchanged).

The constants (m, κ, ν) are split conformal calibration constants in the sense of Vovk,
Gammerman & Shafer (*Algorithmic Learning in a Random World*, 2005, ch. 2; Lei et al. 2018,
"Distribution-free predictive inference for regression", JASA, §2.2, split conformal with a
locally weighted score |e|/s): chosen per estimator once, on fit points only, by
``benchmarks/band_constants.py``. Every curve of the benchmark (IC, NMT, LM, BB) and of the dev
families (OLMO, GADRE, PYTHIA) is refitted on the early 70 % of its fit points' log-x range,
and the band of that fit is scored on the later fit points; the chosen (m, κ, ν) minimises the
mean over those seven groups of the MSCE over the levels 0.50–0.99. The Training=0 points
never enter: they are only scored (``calibration.csv``). An estimator without its own row
(a new combination, say) takes the ``default`` row, chosen the same way on the points of every
estimator pooled.

This replaces a band built from residual-bootstrap spread plus a per-curve extrapolation term
learnt by one linearised step: the bootstrap spread of M4 was 50 times the actual error on the
LM and BB curves (bands covering ≈ 1.00), and the degrees of freedom n − k = 1 of the 5-point
dev curves made every band a Cauchy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from scalinglaws.estimators.base import Estimator
from scalinglaws.uncertainty import linearise

NOISE_FLOOR = 1e-3  # f₀: the smallest noise level in log y (0.1 %)


@dataclass(frozen=True)
class BandConstants:
    """The calibration constants of one estimator's band (module docstring)."""

    noise: float  # m: multiplier of the residual noise σ
    kappa: float  # κ: extrapolation error per unit of relative distance and of log drop
    df: float  # ν: degrees of freedom of the Student-t


# Chosen by benchmarks/band_constants.py on fit points only (benchmark + dev families);
# the comment gives the backtest's mean MSCE over the seven groups.
BAND_CONSTANTS: dict[str, BandConstants] = {
    "M1": BandConstants(1.4, 0.5, 2.0),  # backtest MSCE 0.0345
    "M2": BandConstants(0.7, 0.4, 10.0),  # backtest MSCE 0.0174
    "M3": BandConstants(0.7, 0.5, 3.0),  # backtest MSCE 0.0235
    "M4": BandConstants(0.7, 0.4, 10.0),  # backtest MSCE 0.0185
    "BNSL": BandConstants(2.0, 0.1, 2.0),  # backtest MSCE 0.0265
    "BLEND": BandConstants(1.4, 0.15, 3.0),  # backtest MSCE 0.0159
    "MEDIAN": BandConstants(0.7, 0.3, 10.0),  # backtest MSCE 0.0182
    "STACK": BandConstants(1.4, 0.2, 10.0),  # backtest MSCE 0.0144
    "default": BandConstants(1.0, 0.3, 5.0),  # backtest MSCE 0.0058 (all estimators pooled)
}


@dataclass(frozen=True)
class BandSettings:
    """Settings of :func:`predictive` (config section ``uncertainty``)."""

    level: float = 0.8
    noise_floor: float = NOISE_FLOOR

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> BandSettings:
        """Settings from the config section (missing keys take the defaults; keys of the
        former bootstrap bands, such as ``replicates``, are ignored)."""
        known = {k: v for k, v in (section or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Predictive:
    """A Student-t predictive distribution of log y at points x (module docstring)."""

    center: np.ndarray  # f(x) = log ŷ(x)
    scale: np.ndarray  # s(x)
    df: float  # ν

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """The central ``level`` band in loss units: exp(f ∓ t_{ν,(1+level)/2} s)."""
        half = special.stdtrit(self.df, 0.5 + level / 2) * self.scale
        with np.errstate(over="ignore"):
            return np.exp(self.center - half), np.exp(self.center + half)


@dataclass(frozen=True)
class Ingredients:
    """What a band is made of at points x: f(x), σ² and the drift r(x)·D (module docstring)."""

    center: np.ndarray
    sigma2: float
    drift: np.ndarray


def constants_for(name: str) -> BandConstants:
    """The estimator's calibration constants, else the ``default`` row."""
    return BAND_CONSTANTS.get(name, BAND_CONSTANTS["default"])


def ingredients(
    cls: type[Estimator],
    params: Mapping[str, float],
    x_fit: np.ndarray,
    y_fit: np.ndarray,
    x: np.ndarray,
) -> Ingredients:
    """f(x), σ² and r(x)·D of the fit ``params`` of ``cls`` to (x_fit, y_fit), x_fit sorted.

    Raises FitError if the law does not give a positive finite loss at some fit point.
    """
    x_fit = np.asarray(x_fit, dtype=float)
    x = np.asarray(x, dtype=float)
    parts = cls.band_parts(params) or [(1.0, cls, dict(params))]
    rank = max(linearise(part, p, x_fit).rank() for _, part, p in parts)
    law = cls.law
    assert law is not None  # linearise raised FitError otherwise
    with np.errstate(all="ignore"):
        fitted = np.log(np.asarray(law(dict(params), x_fit), dtype=float))
        center = np.log(np.asarray(law(dict(params), x), dtype=float))
    resid = np.log(np.asarray(y_fit, dtype=float)) - fitted
    sigma2 = float(resid @ resid) / max(x_fit.size - rank, 1)
    span = np.log(x_fit[-1] / x_fit[0])
    distance = np.log(np.maximum(x / x_fit[-1], 1.0)) / span
    drop = abs(float(fitted[-1] - fitted[0]))
    return Ingredients(center=center, sigma2=sigma2, drift=distance * drop)


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
    give a positive finite loss at some fit point.
    """
    parts = ingredients(cls, params, x_fit, y_fit, x)
    const = constants_for(cls.name)
    variance = const.noise**2 * (parts.sigma2 + settings.noise_floor**2)
    scale = np.sqrt(variance + const.kappa**2 * parts.drift**2)
    return Predictive(center=parts.center, scale=scale, df=const.df)
