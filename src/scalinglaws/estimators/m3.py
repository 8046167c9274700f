"""M3: ε_x = β (x^{-1} + γ)^{c} (Bansal et al. 2022; Alabdulmohsin et al. 2022, Section 2, Eq. 5).

The sign convention is the official code's: c ≥ 0 here equals −c of the paper. Fitted as the
official code does: alternate ordinary least squares of log ε on [1, log(1/x + γ)] (c clipped
at 0) with a candidate search for γ: each fit point i proposes the γ_i ≥ 0 that puts the
curve through it, γ_i = (ε_i/β)^{1/c} − 1/x_i, and the candidate with the smallest objective
replaces γ if it lowers the objective. Stops when |β_k − β_{k−1}| < 1e-10.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from scalinglaws.estimators._official_path import BETA_TOL  # the official stopping rule
from scalinglaws.estimators.base import Estimator, FitResult, ParamBounds


def m3_law(params: dict[str, float], x: np.ndarray) -> np.ndarray:
    """β (1/x + γ)^c."""
    x = np.asarray(x, dtype=float)
    return params["beta"] * (1.0 / x + params["gamma"]) ** params["c"]


class M3(Estimator):
    """ε_x = β (1/x + γ)^c with γ ≥ 0, c ≥ 0 (official sign convention)."""

    name = "M3"
    law = staticmethod(m3_law)
    exponent_sign = -1.0  # c here is −c of the paper
    param_bounds: ClassVar[ParamBounds] = {
        "beta": (0.0, np.inf),
        "c": (0.0, np.inf),
        "gamma": (0.0, np.inf),
    }

    def __init__(self, max_iterations: int = 10_000) -> None:
        self.max_iterations = int(max_iterations)

    def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        log_y = np.log(y)
        inv_x = 1.0 / x
        gamma, beta, c = 0.0, 1.0, 0.0
        iterations, converged = 0, False
        while iterations < self.max_iterations and not converged:
            iterations += 1
            previous_beta = beta
            log_beta, c = _simple_regression(np.log(inv_x + gamma), log_y)
            beta, c = float(np.exp(log_beta)), max(0.0, c)
            gamma = _best_gamma(inv_x, y, log_y, log_beta, c, gamma)
            converged = abs(beta - previous_beta) < BETA_TOL
        params = {"beta": beta, "c": c, "gamma": gamma}
        return FitResult.of_law(m3_law, params, x, y, iterations=iterations, converged=converged)


def _simple_regression(z: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of the least-squares line t ≈ a + b z."""
    z_mean, t_mean = z.mean(), t.mean()
    dz = z - z_mean
    slope = float(dz @ (t - t_mean) / (dz @ dz))
    return float(t_mean - slope * z_mean), slope


def _best_gamma(
    inv_x: np.ndarray, y: np.ndarray, log_y: np.ndarray, log_beta: float, c: float, gamma: float
) -> float:
    """The official candidate search: the γ_i ≥ 0 with the lowest objective, if it improves."""
    if c <= 0:
        return gamma
    candidates = (y / np.exp(log_beta)) ** (1.0 / c) - inv_x
    candidates = candidates[np.isfinite(candidates) & (candidates >= 0)]
    current = _objective(inv_x, log_y, log_beta, c, np.array([gamma]))[0]
    if candidates.size == 0:
        return gamma
    objectives = _objective(inv_x, log_y, log_beta, c, candidates)
    best = int(np.argmin(objectives))
    return float(candidates[best]) if objectives[best] < current else gamma


def _objective(
    inv_x: np.ndarray, log_y: np.ndarray, log_beta: float, c: float, gammas: np.ndarray
) -> np.ndarray:
    """0.5 ‖log β + c log(1/x + γ) − log y‖₂ for each γ in ``gammas``."""
    resid = log_beta + c * np.log(inv_x[None, :] + gammas[:, None]) - log_y[None, :]
    return 0.5 * np.sqrt(np.einsum("ij,ij->i", resid, resid))
