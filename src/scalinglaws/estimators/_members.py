"""Pieces shared by the estimators that combine other estimators' fits (BLEND, MEDIAN).

A combination stores each member's parameters under a prefix (``m4_beta``, ``bnsl_a``, ...);
a member that was left out has no parameters in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from scalinglaws.errors import FitError
from scalinglaws.estimators.base import Estimator, FitResult, Law, ParamBounds
from scalinglaws.estimators.bnsl import BNSL

BNSL_LAW_KEYS = ("a", "b", "c0", "c1", "d1", "f1", "c2", "d2", "f2")  # the law's parameters


def member_params(params: Mapping[str, float], prefix: str) -> dict[str, float]:
    """The parameters stored under ``prefix``, without it."""
    return {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}


def prefixed(prefix: str, params: Mapping[str, float]) -> dict[str, float]:
    """``params`` stored under ``prefix``."""
    return {prefix + k: v for k, v in params.items()}


def member_bounds(members: Sequence[tuple[str, type[Estimator]]]) -> ParamBounds:
    """Bounds of the members' (prefix, class) parameters in generic refits: each member's own
    box, BNSL's unbounded."""
    bounds: ParamBounds = {}
    for prefix, member in members:
        if member is BNSL:
            bounds.update({prefix + k: (-np.inf, np.inf) for k in BNSL_LAW_KEYS})
        else:
            bounds.update({prefix + k: box for k, box in (member.param_bounds or {}).items()})
    return bounds


def usable_fit(member: Estimator, x: np.ndarray, y: np.ndarray) -> tuple[FitResult | None, str]:
    """A member's fit, or (None, reason) if it fails or cannot be trusted to extrapolate.

    Left out: a fit that fails, predicts a non-positive or non-finite loss at a fit point, or
    has a positive asymptotic exponent (a loss that eventually grows with more data: the
    guard against blow-ups).
    """
    try:
        fit = member.fit(x, y)
    except FitError as exc:
        return None, f"{member.name} left out: {exc}"
    y_fit = fit.predict(x)
    if not np.all(np.isfinite(y_fit) & (y_fit > 0)):
        return None, f"{member.name} left out: non-positive or non-finite fit-point prediction"
    if member.exponent_sign * fit.params["c"] > 0:
        return None, f"{member.name} left out: its loss grows with data (exponent c > 0)"
    return fit, ""


def fit_members(
    name: str, members: Sequence[Estimator], prefixes: Sequence[str], x: np.ndarray, y: np.ndarray
) -> tuple[list[FitResult | None], dict[str, float], list[str]]:
    """Each member's :func:`usable_fit` (None if left out), the usable fits' parameters under
    their prefixes, and the reasons members were left out. Raises FitError, naming the
    combination ``name``, when no member is usable."""
    fits: list[FitResult | None] = []
    params: dict[str, float] = {}
    reasons: list[str] = []
    for prefix, member in zip(prefixes, members, strict=True):
        fit, reason = usable_fit(member, x, y)
        fits.append(fit)
        if fit is None:
            reasons.append(reason)
        else:
            params.update(prefixed(prefix, fit.params))
    if all(fit is None for fit in fits):
        which = "both members" if len(members) == 2 else "every member"
        raise FitError(f"{name}: {which} failed: " + "; ".join(reasons))
    return fits, params, reasons


def combined_result(
    law: Law,
    params: dict[str, float],
    x: np.ndarray,
    y: np.ndarray,
    fits: Sequence[FitResult | None],
    reasons: Sequence[str],
    summary: str,
) -> FitResult:
    """The combination's result: its law at ``params``; iterations summed over the usable
    members, converged when every member was used and converged, and the reasons members
    were left out as the message (``summary`` when none was)."""
    used = [fit for fit in fits if fit is not None]
    return FitResult.of_law(
        law,
        params,
        x,
        y,
        iterations=sum(fit.iterations for fit in used),
        converged=len(used) == len(fits) and all(fit.converged for fit in used),
        message="; ".join(reasons) or summary,
    )
