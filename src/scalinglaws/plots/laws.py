"""Fitted curves rebuilt from an estimator's name and its stored parameters.

``scores.csv`` keeps each fit's parameters as JSON; :func:`rebuild` evaluates the estimator's
law on any x. A new estimator registers its law once with :func:`register_law` (and, if its
``c`` uses another sign convention than the paper's, its sign with ``exponent_sign``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping

import numpy as np

from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators.m2 import power_law
from scalinglaws.estimators.m3 import m3_law
from scalinglaws.estimators.m4 import m4_law

Law = Callable[[dict[str, float], np.ndarray], np.ndarray]

LAWS: dict[str, Law] = {"M1": power_law, "M2": power_law, "M3": m3_law, "M4": m4_law}

# Multiplier turning an estimator's stored ``c`` into the paper's scaling exponent. M3 stores
# the official code's c ≥ 0, which is −c of the paper (README, "params").
EXPONENT_SIGN: dict[str, float] = {"M3": -1.0}


class UnknownLawError(ScalingLawsError):
    """The estimator has no registered law, so its curve cannot be rebuilt."""


def register_law(name: str, law: Law, *, exponent_sign: float = 1.0) -> None:
    """Register (or replace) the law of estimator ``name``."""
    LAWS[name] = law
    EXPONENT_SIGN[name] = float(exponent_sign)


def has_law(name: str) -> bool:
    """Whether :func:`rebuild` knows estimator ``name``."""
    return name in LAWS


def law_for(name: str) -> Law:
    """The law of estimator ``name``; raises :class:`UnknownLawError` naming the fix."""
    try:
        return LAWS[name]
    except KeyError:
        raise UnknownLawError(
            f"no law registered for estimator {name!r} (known: {', '.join(sorted(LAWS))}); "
            "register one with scalinglaws.plots.laws.register_law(name, law)"
        ) from None


def parse_params(params: str | Mapping[str, float]) -> dict[str, float]:
    """Parameters as a dict of floats, from a mapping or the JSON text of ``scores.csv``."""
    if isinstance(params, str):
        if not params.strip():
            return {}
        params = json.loads(params)
    return {str(k): float(v) for k, v in params.items()}


def rebuild(name: str, params: str | Mapping[str, float], x: np.ndarray) -> np.ndarray:
    """The fitted curve of estimator ``name`` with ``params`` at ``x``."""
    law = law_for(name)
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        return np.asarray(law(parse_params(params), x), dtype=float)


def scaling_exponent(name: str, params: str | Mapping[str, float]) -> float:
    """The paper's scaling exponent c of a fit (NaN if the fit has no ``c``)."""
    values = parse_params(params)
    if "c" not in values:
        return math.nan
    return EXPONENT_SIGN.get(name, 1.0) * values["c"]
