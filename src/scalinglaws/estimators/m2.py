"""M2: the power law with an offset, ε_x − ε_∞ = β x^c (Alabdulmohsin et al. 2022, Section 2).

Fitted on the square-log loss of Eq. (4) with α = 0, following the official optimiser's path
(see :mod:`scalinglaws.estimators._official_path`): least squares of log(ε − ε_∞) on
[1, log x] for (log β, c), alternating with gradient then damped-Newton steps on ε_∞,
which starts at min(ε) − 1e-3 and is projected onto [max(0, lo_bound − 1e-3), min(ε) − 1e-3].

``margins="notebook"`` keeps those absolute margins (and the official absolute step sizes):
the fit then depends on the loss unit, and losses below about 1e-3 leave no room for ε_∞
(the benchmark domains use it, config.yaml). ``"relative"`` (default) runs the same algorithm
on ε / s, s = min ε (``base.unit_free``), and scales back (β·s, ε_∞·s; ``lo_bound`` is in
loss units), so the fit of s'·ε is s'× the fit of ε up to rounding.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from scalinglaws.estimators import _official_path as path
from scalinglaws.estimators._linear import FixedDesignLeastSquares
from scalinglaws.estimators._options import (
    MARGINS,
    check_lo_bound,
    choice_option,
    int_option,
    number_option,
)
from scalinglaws.estimators.base import Estimator, FitResult, ParamBounds, unit_free


def power_law(params: dict[str, float], x: np.ndarray) -> np.ndarray:
    """ε_∞ + β x^c."""
    return params["err_inf"] + params["beta"] * np.asarray(x, dtype=float) ** params["c"]


class M2(Estimator):
    """ε_x = ε_∞ + β x^c, on the official optimiser's path."""

    name = "M2"
    remember_fits = True
    law = staticmethod(power_law)
    param_bounds: ClassVar[ParamBounds] = {
        "beta": (0.0, np.inf),
        "c": (-np.inf, np.inf),
        "err_inf": (0.0, np.inf),
    }

    def __init__(
        self, max_iterations: int = 10_000, lo_bound: float = 0.0, margins: str = "relative"
    ) -> None:
        """``max_iterations`` ≥ 1 outer steps; ε_∞ ≥ ``lo_bound`` ≥ 0 (loss units)."""
        self.max_iterations = int_option("M2", "max_iterations", max_iterations, 1)
        self.lo_bound = number_option("M2", "lo_bound", lo_bound, 0.0)
        self.margins = choice_option("M2", "margins", margins, MARGINS)

    def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        """The notebook fit of ε / s (s = 1 for ``margins="notebook"``), scaled back by s."""
        check_lo_bound(self.name, self.lo_bound, y)
        if self.margins == "notebook":
            return self._scaled_fit(x, y, self.lo_bound)
        z, scale = unit_free(y)
        fit = self._scaled_fit(x, z, self.lo_bound / scale)
        params = {**fit.params, "beta": fit.params["beta"] * scale}
        params["err_inf"] = fit.params["err_inf"] * scale
        return FitResult.of_law(
            power_law, params, x, y, iterations=fit.iterations, converged=fit.converged,
            message=fit.message,
        )  # fmt: skip

    def _scaled_fit(self, x: np.ndarray, y: np.ndarray, lo_bound: float) -> FitResult:
        """The official path on (x, y) (the notebook's algorithm)."""
        log_x = np.log(x)
        least_squares = FixedDesignLeastSquares(np.column_stack([np.ones_like(x), log_x]))
        y_min, y_max = float(y.min()), float(y.max())
        lower = max(0.0, lo_bound - path.ERR_MARGIN)
        upper = y_min - path.ERR_MARGIN

        def linear_fit(state: path.State) -> np.ndarray:
            return least_squares.solve(np.log(y - state[0]))

        plan = path.ChunkPlan()

        def outer_step(state: path.State, k: int) -> path.State:
            log_beta, c = linear_fit(state)
            base = log_beta + c * log_x
            problem = path.InnerProblem(
                grad_hess=None,
                y_min=y_min,
                y_max=y_max,
                lower=(lower, 0.0),
                upper=(upper, 0.0),
                movable=(True, False),
                offset_only=path.ScalarProblem(lambda v: path.offset_grad_hess(y, v, base), y_min),
                plan=plan,
            )
            if k < path.GRAD_ITERATIONS:
                return path.gradient_epochs(problem, state)
            return path.newton_epochs(problem, state)

        end = path.follow_path(
            outer_step,
            beta_of=lambda s: float(np.exp(linear_fit(s)[0])),
            project=lambda s: (min(max(s[0], lower), upper),),
            state=(min(max(upper, lower), upper),),
            max_iterations=self.max_iterations,
            plan=plan,
        )
        log_beta, c = linear_fit(end.state)
        params = {"beta": float(np.exp(log_beta)), "c": float(c), "err_inf": float(end.state[0])}
        return path.fit_result(end, params, power_law, x, y)
