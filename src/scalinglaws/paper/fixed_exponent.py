"""M2 with its exponent held fixed: interpolation vs extrapolation (Figure 3 of the paper).

For a fixed c, M2's square-log objective (Alabdulmohsin et al. 2022, Eq. 4 with α = 0),
L(β, ε∞) = Σ (log(ε_x − ε∞) − log β − c log x)², is minimised over β and ε∞. For a given ε∞
the optimal log β is the mean of log(ε_x − ε∞) − c log x, so L is profiled to one variable,
ε∞ ∈ [0, min ε − 1e-3] (M2's bounds), minimised on a grid and refined by bounded Brent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from scalinglaws.errors import FitError
from scalinglaws.estimators._official_path import ERR_MARGIN  # ε∞ stays this far below min y
from scalinglaws.estimators.m2 import power_law
from scalinglaws.metrics import extrapolation_rmse

FIGURE3_CURVE = ("IC", "inet_10", "ViT/B/16")
"""(domain, task, model) of the curve of Figure 3."""

GRID_POINTS = 400
SWEEP_COLUMNS = ["c", "beta", "err_inf", "interpolation_rmse", "extrapolation_rmse"]


@dataclass(frozen=True)
class FixedExponentFit:
    """β and ε∞ of M2 fitted with c held fixed."""

    c: float
    beta: float
    err_inf: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        """ε∞ + β x^c (M2's law)."""
        return power_law({"beta": self.beta, "c": self.c, "err_inf": self.err_inf}, x)


def _profile(err_inf: float, log_x: np.ndarray, y: np.ndarray, c: float) -> tuple[float, float]:
    """(objective, log β) of M2's square-log loss at ε∞ with c fixed (log β in closed form)."""
    residual = np.log(y - err_inf) - c * log_x
    log_beta = float(residual.mean())
    return float(np.sum((residual - log_beta) ** 2)), log_beta


def fit_fixed_exponent(x: np.ndarray, y: np.ndarray, c: float) -> FixedExponentFit:
    """Least squares in log space for β and ε∞ of ε_x = ε∞ + β x^c, c fixed."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 2 or np.any(x <= 0) or np.any(y <= 0):
        raise FitError("a fixed-exponent fit needs at least 2 points with positive x and loss")
    log_x = np.log(x)
    upper = float(y.min()) - ERR_MARGIN
    if upper <= 0:
        return _fit_at(0.0, log_x, y, c)
    grid = np.linspace(0.0, upper, GRID_POINTS)
    residual = np.log(y[None, :] - grid[:, None]) - c * log_x[None, :]
    values = np.sum((residual - residual.mean(axis=1, keepdims=True)) ** 2, axis=1)
    best = int(np.argmin(values))
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    refined = minimize_scalar(
        lambda e: _profile(e, log_x, y, c)[0], bounds=(lo, hi), method="bounded",
        options={"xatol": 1e-12},
    )  # fmt: skip
    err_inf = float(refined.x) if refined.fun <= values[best] else float(grid[best])
    return _fit_at(err_inf, log_x, y, c)


def _fit_at(err_inf: float, log_x: np.ndarray, y: np.ndarray, c: float) -> FixedExponentFit:
    return FixedExponentFit(
        c=c, beta=float(np.exp(_profile(err_inf, log_x, y, c)[1])), err_inf=err_inf
    )


def sweep(
    x: np.ndarray,
    y: np.ndarray,
    exponents: np.ndarray,
    fit_range: tuple[float, float],
    test_range: tuple[float, float],
) -> pd.DataFrame:
    """For every fixed c: β, ε∞ fitted on the x in ``fit_range``, the RMSE there
    (interpolation) and on the x in ``test_range`` (extrapolation); ranges are closed.
    Columns :data:`SWEEP_COLUMNS`.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    fit = (x >= fit_range[0]) & (x <= fit_range[1])
    test = (x >= test_range[0]) & (x <= test_range[1])
    rows = []
    for c in exponents:
        law = fit_fixed_exponent(x[fit], y[fit], float(c))
        rows.append(
            (
                float(c),
                law.beta,
                law.err_inf,
                extrapolation_rmse(y[fit], law.predict(x[fit])),
                extrapolation_rmse(y[test], law.predict(x[test])),
            )
        )
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)


def argmins(table: pd.DataFrame) -> dict[str, float]:
    """The c minimising each RMSE of a :func:`sweep` table."""
    return {
        column: float(table["c"].iloc[int(np.nanargmin(table[column].to_numpy()))])
        for column in ("interpolation_rmse", "extrapolation_rmse")
    }
