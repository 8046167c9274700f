"""M3: ε_x = β (x^{-1} + γ)^{c} (Bansal et al. 2022; Alabdulmohsin et al. 2022, Section 2, Eq. 5).

The sign convention is the official code's: c ≥ 0 here equals −c of the paper. Fitted as the
official code does: alternate ordinary least squares of log ε on [1, log(1/x + γ)] (c clipped
at 0) with a candidate search for γ: each fit point i proposes the γ_i ≥ 0 that puts the
curve through it, γ_i = (ε_i/β)^{1/c} − 1/x_i, and the candidate with the smallest objective
replaces γ if it lowers the objective. Stops when |β_k − β_{k−1}| < 1e-10.

Accelerated by jumping to where the loop creeps to (same results, measured: parameters
within 1e-8 relative of the literal loop on all 92 benchmark curves, 73 of them bit for bit):
while one point j keeps winning, γ follows the smooth map F_j(γ) = (ε_j/β(γ))^{1/c(γ)} − 1/x_j.
Once j has won JUMP_AFTER times in a row with shrinking steps, the fixed point γ* of F_j is
found by the secant method (to JUMP_TOL relative to γ* + min 1/x). The jump to γ* is taken
only if the official pass (fit, then full search), run at the JUMP_CHECKS points
γ + (γ* − γ)(1 − 2^-s), s = 1..10 in turn, picks j and improves at each of them; the official
iterations then resume at γ* and stop by the official rule. Where the loop stops short of γ*
or another point takes over, a check fails (the later ones are not run) and the loop goes on
step by step (the next attempt waits as many iterations as were run so far). The skipped
iterates other than the checked points are not searched: a point winning only between two
checks would be missed.

Each pass costs a handful of numpy calls on arrays of n ≤ 70 points: the search evaluates
all candidates (and γ) in one (n+1) × n table of log(1/x + γ), whose winning row is the next
fit's regressor (no logarithm is taken twice), and ranks them by the objective's square
divided by c² (the same order as the official 0.5 ‖…‖ for c > 0).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from scalinglaws.estimators._official_path import BETA_TOL  # the official stopping rule
from scalinglaws.estimators._options import int_option
from scalinglaws.estimators.base import Estimator, FitResult, ParamBounds

JUMP_AFTER = 3  # consecutive wins of one point (with shrinking steps) before a jump
JUMP_TOL = 1e-14  # secant stop: |F_j(γ) − γ| ≤ JUMP_TOL (γ + min 1/x)
JUMP_CHECKS = 10  # full searches on the way to γ*
SECANT_STEPS = 40
NO_WINNER = -1  # the search kept γ (no candidate lowered the objective, or c = 0)


def m3_law(params: dict[str, float], x: np.ndarray) -> np.ndarray:
    """β (1/x + γ)^c."""
    x = np.asarray(x, dtype=float)
    return params["beta"] * (1.0 / x + params["gamma"]) ** params["c"]


class M3(Estimator):
    """ε_x = β (1/x + γ)^c with γ ≥ 0, c ≥ 0 (official sign convention)."""

    name = "M3"
    remember_fits = True
    law = staticmethod(m3_law)
    exponent_sign = -1.0  # c here is −c of the paper
    param_bounds: ClassVar[ParamBounds] = {
        "beta": (0.0, np.inf),
        "c": (0.0, np.inf),
        "gamma": (0.0, np.inf),
    }

    def __init__(self, max_iterations: int = 10_000) -> None:
        """At most ``max_iterations`` (≥ 1) fit-and-search passes."""
        self.max_iterations = int_option("M3", "max_iterations", max_iterations, 1)

    def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        points = _Points(1.0 / x, y)
        gamma, beta, c = 0.0, 1.0, 0.0
        logs = points.logs(gamma)  # log(1/x + γ), kept from the search that chose γ
        run: list[float] = []  # γ before and after each step of the current winner's run
        winner, wait = NO_WINNER, 0
        iterations, converged = 0, False
        while iterations < self.max_iterations and not converged:
            iterations += 1
            previous_beta, previous_gamma = beta, gamma
            log_beta, beta, c = points.regression(logs)
            gamma, won, logs = points.search(log_beta, beta, c, gamma, logs)
            converged = abs(beta - previous_beta) < BETA_TOL
            run = [*run[-2:], gamma] if won == winner != NO_WINNER else [previous_gamma, gamma]
            winner, wait = won, wait - 1
            if converged or len(run) < JUMP_AFTER or wait > 0:
                continue
            target = points.jump(winner, run[-3:])
            if target is None:
                wait = iterations  # back off: the next attempt waits as long again
            else:
                gamma, run, logs = target, [target], points.logs(target)
        params = {"beta": beta, "c": c, "gamma": gamma}
        return FitResult.of_law(m3_law, params, x, y, iterations=iterations, converged=converged)


class _Points:
    """The fit points in the form the M3 iteration uses: 1/x, ε and log ε."""

    def __init__(self, inv_x: np.ndarray, y: np.ndarray) -> None:
        self.inv_x, self.y, self.log_y = inv_x, y, np.log(y)
        self.scale = float(inv_x.min())
        self.log_y_mean = self.log_y.mean()
        self.log_y_centred = self.log_y - self.log_y_mean
        self.n = y.size
        self.values = np.empty(self.n + 1)  # the search's γ_1..γ_n, γ
        self.candidates, self.values_column = self.values[: self.n], self.values[:, None]

    def logs(self, gamma: float) -> np.ndarray:
        """z = log(1/x + γ)."""
        return np.log(self.inv_x + gamma)

    def regression(self, z: np.ndarray) -> tuple[float, float, float]:
        """log β, β and c (clipped at 0) of the least-squares line log ε ≈ log β + c z, with
        z = log(1/x + γ) from ``logs``."""
        z_mean = np.add.reduce(z) / self.n  # = z.mean()
        dz = z - z_mean
        slope = float(dz @ self.log_y_centred / (dz @ dz))
        log_beta = float(self.log_y_mean - slope * z_mean)
        return log_beta, _exp(log_beta), max(0.0, slope)

    def search(
        self, log_beta: float, beta: float, c: float, gamma: float, logs: np.ndarray
    ) -> tuple[float, int, np.ndarray]:
        """The official candidate search after the fit (log β, β, c): the γ_i ≥ 0 with the
        lowest objective if it beats γ's, else γ; with the index i of the winning point (or
        NO_WINNER) and log(1/x + the returned γ) (``logs`` if γ is kept).

        One (n+1) × n table of log(1/x + γ) for γ_1..γ_n, then γ. Invalid candidates
        (γ_i < 0; NaN cannot occur for c > 0) become +inf, whose objective is +inf: never
        below γ's, as if left out. The objective 0.5 ‖log β + c log(1/x + γ) − log ε‖ is
        compared as ‖log(1/x + γ) + (log β − log ε)/c‖², the same order for c > 0."""
        if c <= 0:
            return gamma, NO_WINNER, logs
        n, values, candidates = self.n, self.values, self.candidates
        values[n] = gamma
        np.subtract((self.y / beta) ** (1.0 / c), self.inv_x, out=candidates)
        candidates[candidates < 0] = np.inf
        table = np.add(self.values_column, self.inv_x)
        np.log(table, out=table)
        resid = table + (log_beta - self.log_y) / c
        objectives = np.vecdot(resid, resid)
        best = int(objectives.argmin())
        if objectives[best] < objectives[n]:
            return float(values[best]), best, table[best]
        return gamma, NO_WINNER, logs

    def jump(self, j: int, iterates: list[float]) -> float | None:
        """The fixed point γ* of F_j from iterates g1 = F_j(g0), g2 = F_j(g1), if the steps
        shrink towards it and the full search picks j and improves on the way; else None."""
        g0, g1, g2 = iterates
        if not 0 < abs(g2 - g1) < abs(g1 - g0) or (g2 - g1) * (g1 - g0) <= 0:
            return None
        target = self._fixed_point(j, g1, g2)
        if target is None or (target - g2) * (g2 - g1) <= 0:
            return None
        checks = g2 + (target - g2) * (1.0 - 0.5 ** np.arange(1, JUMP_CHECKS + 1))
        return target if self._picks(j, checks.tolist()) else None

    def _fixed_point(self, j: int, g1: float, g2: float) -> float | None:
        """Secant root of F_j(γ) − γ started from g1 and g2 = F_j(g1)."""
        a, fa, b = g1, g2 - g1, g2
        fb = self._step(j, b) - b
        for _ in range(SECANT_STEPS):
            if not np.isfinite(fb) or fb == fa:
                return None
            a, fa, b = b, fb, b - fb * (b - a) / (fb - fa)
            if not (np.isfinite(b) and b >= 0):
                return None
            fb = self._step(j, b) - b
            if abs(fb) <= JUMP_TOL * (b + self.scale):
                return float(b)
        return None

    def _step(self, j: int, gamma: float) -> float:
        """F_j(γ) = (ε_j/β)^{1/c} − 1/x_j after the fit at γ (NaN if c = 0)."""
        _, beta, c = self.regression(self.logs(gamma))
        if c <= 0:
            return np.nan
        return float((self.y[j] / beta) ** (1.0 / c) - self.inv_x[j])

    def _picks(self, j: int, gammas: list[float]) -> bool:
        """Does the official pass (fit, then search) at each γ in ``gammas`` pick point j and
        improve on γ? Stops at the first γ where it does not."""
        for gamma in gammas:
            logs = self.logs(gamma)
            if self.search(*self.regression(logs), gamma, logs)[1] != j:
                return False
        return True


def _exp(x: float) -> float:
    """e^x as np.exp gives it (inf on overflow), through math.exp where that cannot overflow
    (the same value on this platform, measured, at a tenth of the call cost)."""
    return math.exp(x) if x < 709.0 else float(np.exp(x))
