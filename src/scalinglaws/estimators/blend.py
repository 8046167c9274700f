"""BLEND: the log-space average of M4 and a one-break BNSL.

    log ŷ(x) = w · log ŷ_M4(x) + (1 − w) · log ŷ_BNSL(x),   w = 1/2

M4 (Alabdulmohsin et al. 2022, Eq. 2, on the official optimiser's path) and BNSL with one
break (Caballero et al. 2023, Eq. 1) are the two forms published as the strongest on this
kind of curve; their extrapolation errors are only partly correlated, so their geometric mean
is a bagging-style variance reduction (a "forecast combination"). The weight is fixed a priori
at 1/2 for every curve, not tuned; both members see only the fit points. If one member fails,
predicts a non-positive or non-finite loss on the fit points, or has a positive asymptotic
exponent (a loss that eventually grows with more data: a guard against blow-ups), the other
is used alone (w = 1 or 0) and the message says why. Both members fit any curve of 4 or more
fit points (BNSL with fewer breaks on short curves), and a member fit that misses its own
points fails the fit-region check (:func:`~scalinglaws.estimators.base.check_fit_region`);
that reason, too, is in the message. ``err_0``, ``up_bound``, ``max_iterations`` and
``margins`` are the M4 member's options (see :mod:`~scalinglaws.estimators.m4`).

Tried and not kept (weights chosen by a backtest inside the fit region, i.e. refit on the fit
points in the first 2/3 of the fit range of log x, scored on the rest): inverse-MSE weights
and best-of selection among M4/BNSL/M3 both extrapolated worse on image classification than
the fixed equal weights, and the M4 refits made them ~5x slower.

Parameters are the members' own, prefixed ``m4_`` and ``bnsl_``, plus ``w`` and ``c``
(the w-weighted asymptotic exponent of the two members).
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
from scalinglaws.estimators._options import AUTO, member_options, number_option
from scalinglaws.estimators.base import Estimator, FitResult, ParamBounds
from scalinglaws.estimators.bnsl import BNSL, bnsl_law
from scalinglaws.estimators.m4 import M4, m4_law

PREFIXES = ("m4_", "bnsl_")


def blend_law(params: dict[str, float], x: np.ndarray) -> np.ndarray:
    """exp(w log M4(x) + (1 − w) log BNSL(x)); a member with zero weight is not evaluated."""
    w = params["w"]
    if w >= 1.0:
        return m4_law(member_params(params, "m4_"), x)
    if w <= 0.0:
        return bnsl_law(member_params(params, "bnsl_"), x)
    log_m4 = np.log(m4_law(member_params(params, "m4_"), x))
    log_bnsl = np.log(bnsl_law(member_params(params, "bnsl_"), x))
    return np.exp(w * log_m4 + (1.0 - w) * log_bnsl)


class Blend(Estimator):
    """Geometric mean of M4 and one-break BNSL fits to the same fit points."""

    name = "BLEND"
    min_points = 4
    law = staticmethod(blend_law)
    # Generic refits move each member within its own box; the weight w stays fixed.
    param_bounds: ClassVar[ParamBounds] = member_bounds((("m4_", M4), ("bnsl_", BNSL)))

    @classmethod
    def band_parts(
        cls, params: Mapping[str, float]
    ) -> list[tuple[float, type[Estimator], dict[str, float]]]:
        """The members with their weights: log ŷ = w log ŷ_M4 + (1 − w) log ŷ_BNSL."""
        w = params["w"]
        parts = ((w, M4, "m4_"), (1.0 - w, BNSL, "bnsl_"))
        return [
            (share, member, member_params(params, prefix))
            for share, member, prefix in parts
            if share > 0
        ]

    def __init__(
        self,
        weight: float = 0.5,
        err_0: float | None = None,
        up_bound: float | str | None = AUTO,
        max_iterations: int = 10_000,
        breaks: int = 1,
        margins: str = "relative",
    ) -> None:
        """``weight`` ∈ [0, 1] of M4; the other options are the members' (checked by them)."""
        self.weight = number_option("BLEND", "weight", weight, 0.0, 1.0)
        self.members = member_options(
            "BLEND",
            lambda: (
                M4(err_0=err_0, up_bound=up_bound, max_iterations=max_iterations, margins=margins),
                BNSL(breaks=breaks),
            ),
        )

    def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        fits, stored, reasons = fit_members(self.name, self.members, PREFIXES, x, y)
        m4_fit, bnsl_fit = fits
        w = self.weight if m4_fit and bnsl_fit else (1.0 if m4_fit else 0.0)
        params = {"w": w, **stored}
        params["c"] = sum(
            share * fit.params["c"]
            for share, fit in ((w, m4_fit), (1.0 - w, bnsl_fit))
            if fit is not None and share > 0
        )
        summary = f"geometric blend, w(M4) = {w:g}"
        return combined_result(blend_law, params, x, y, fits, reasons, summary)
