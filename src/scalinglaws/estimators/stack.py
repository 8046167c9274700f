"""STACK: a fixed-weight geometric-mean ensemble of M2, M3, M4 and one-break BNSL.

    log ŷ(x) = Σ_m w_m · log ŷ_m(x),   Σ_m w_m = 1,   m ∈ {M2, M3, M4, BNSL}

M2 and M4 are Eqs. (1) and (2) of Alabdulmohsin, Neyshabur and Zhai (2022, "Revisiting Neural
Scaling Laws in Language and Vision", Section 3); M3 is their Eq. (5) (after Bansal et al.
2022); BNSL is Eq. (1) of Caballero et al. (2023, "Broken Neural Scaling Laws", ICLR) with one
break. Averaging forecasts of several models in log space is the forecast combination of Bates
and Granger (1969, "The Combination of Forecasts"), with the weights learnt once by stacking
(Wolpert 1992, "Stacked Generalization"): the weights minimise the pooled held-out error of
backtests on fit points only (docs/recommended_estimator.md gives the procedure and the commit
that fixed it). The weights :data:`WEIGHTS` are global constants, the same for every curve.

Each member sees only the curve's fit points. A member is left out, exactly as BLEND and MEDIAN
leave one out (:func:`~scalinglaws.estimators._members.usable_fit`), if its fit fails,
predicts a non-positive or non-finite loss at a fit point, or has a positive asymptotic
exponent; the remaining weights are renormalised to sum to 1 (if every remaining weight is 0,
the remaining members get equal weights).

Parameters are the members' own, prefixed ``m2_``, ``m3_``, ``m4_`` and ``bnsl_``, the weights
actually used, ``w_m2``, ``w_m3``, ``w_m4``, ``w_bnsl``, and ``c``, the weighted asymptotic
exponent of the members (the paper's sign convention). Predictive bands combine the members'
bands with the same weights (``band_parts``), as for BLEND. Options: M4's ``err_0``,
``up_bound`` and ``max_iterations``, BNSL's ``breaks``, and ``margins`` for M2 and M4 (the
notebook's absolute margins on the benchmark domains, relative, i.e. unit-free, elsewhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from scalinglaws.estimators._members import (
    combined_result,
    fit_members,
    member_bounds,
    member_params,
)
from scalinglaws.estimators._options import AUTO
from scalinglaws.estimators.base import Estimator, FitResult, ParamBounds
from scalinglaws.estimators.bnsl import BNSL
from scalinglaws.estimators.m2 import M2
from scalinglaws.estimators.m3 import M3
from scalinglaws.estimators.m4 import M4

MEMBERS: tuple[tuple[str, type[Estimator]], ...] = (
    ("m2_", M2),
    ("m3_", M3),
    ("m4_", M4),
    ("bnsl_", BNSL),
)
MEMBER_NAMES = tuple(cls.name for _, cls in MEMBERS)
# The stacking weights of M2, M3, M4, BNSL, learnt by the procedure of
# docs/recommended_estimator.md (benchmarks/families.py --backtest --learn).
WEIGHTS: tuple[float, ...] = (0.1, 0.05, 0.45, 0.4)


def weight_key(prefix: str) -> str:
    """The parameter holding a member's weight, e.g. ``w_m4``."""
    return "w_" + prefix.rstrip("_")


def renormalised(weights: Mapping[str, float], present: list[str]) -> dict[str, float]:
    """The weights of the ``present`` members, rescaled to sum to 1 (equal if they sum to 0)."""
    total = sum(weights[p] for p in present)
    if total <= 0:
        return {p: 1.0 / len(present) for p in present}
    return {p: weights[p] / total for p in present}


def parts(params: Mapping[str, float]) -> list[tuple[float, type[Estimator], dict[str, float]]]:
    """The members with a positive weight in ``params``: (weight, class, member params)."""
    return [
        (params[weight_key(prefix)], cls, member_params(params, prefix))
        for prefix, cls in MEMBERS
        if params.get(weight_key(prefix), 0.0) > 0
    ]


def stack_law(params: dict[str, float], x: np.ndarray) -> np.ndarray:
    """exp(Σ w_m log ŷ_m(x)) over the members with a positive weight."""
    logs = [share * np.log(cls.law(p, x)) for share, cls, p in parts(params)]
    return np.exp(sum(logs[1:], logs[0]))


class Stack(Estimator):
    """Fixed-weight geometric mean of M2, M3, M4 and one-break BNSL fits (module docstring)."""

    name = "STACK"
    min_points = 4
    law = staticmethod(stack_law)
    param_bounds: ClassVar[ParamBounds] = member_bounds(MEMBERS)

    @classmethod
    def band_parts(
        cls, params: Mapping[str, float]
    ) -> list[tuple[float, type[Estimator], dict[str, float]]]:
        """The members with their weights: log ŷ = Σ w_m log ŷ_m."""
        return parts(params)

    def __init__(
        self,
        err_0: float | None = None,
        up_bound: float | str | None = AUTO,
        max_iterations: int = 10_000,
        breaks: int = 1,
        margins: str = "relative",
    ) -> None:
        self.members = (
            M2(max_iterations=max_iterations, margins=margins),
            M3(max_iterations=max_iterations),
            M4(err_0=err_0, up_bound=up_bound, max_iterations=max_iterations, margins=margins),
            BNSL(breaks=breaks),
        )

    def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        prefixes = [prefix for prefix, _ in MEMBERS]
        fits, params, reasons = fit_members(self.name, self.members, prefixes, x, y)
        present = [p for p, fit in zip(prefixes, fits, strict=True) if fit is not None]
        weights = renormalised(dict(zip(prefixes, WEIGHTS, strict=True)), present)
        params.update({weight_key(p): weights.get(p, 0.0) for p in prefixes})
        params["c"] = sum(
            weights[p] * member.exponent_sign * fit.params["c"]
            for p, member, fit in zip(prefixes, self.members, fits, strict=True)
            if fit is not None
        )
        summary = "stack of " + ", ".join(MEMBER_NAMES)
        return combined_result(stack_law, params, x, y, fits, reasons, summary)
