"""Fitted curves rebuilt from an estimator's name and its stored parameters.

``scores.csv`` keeps each fit's parameters as JSON; :func:`rebuild` evaluates the estimator's
law on any x. Registered estimators carry their law (``Estimator.law``) and the sign of their
``c`` (``Estimator.exponent_sign``); :func:`register_law` covers estimators outside the
registry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators.base import Law
from scalinglaws.estimators.registry import ESTIMATORS

# Laws and exponent signs of estimators outside the registry (see register_law).
LAWS: dict[str, Law] = {}
EXPONENT_SIGN: dict[str, float] = {}


class UnknownLawError(ScalingLawsError):
    """The estimator has no registered law, so its curve cannot be rebuilt."""


def register_law(name: str, law: Law, *, exponent_sign: float = 1.0) -> None:
    """Register (or replace) the law of estimator ``name``."""
    LAWS[name] = law
    EXPONENT_SIGN[name] = float(exponent_sign)


def _registered_law(name: str) -> Law | None:
    if name in LAWS:
        return LAWS[name]
    cls = ESTIMATORS.get(name)
    return None if cls is None else cls.law


def has_law(name: str) -> bool:
    """Whether :func:`rebuild` knows estimator ``name``."""
    return _registered_law(name) is not None


def law_for(name: str) -> Law:
    """The law of estimator ``name``; raises :class:`UnknownLawError` naming the fix."""
    law = _registered_law(name)
    if law is None:
        known = sorted({*LAWS, *(n for n, c in ESTIMATORS.items() if c.law is not None)})
        raise UnknownLawError(
            f"no law registered for estimator {name!r} (known: {', '.join(known)}); "
            "register one with scalinglaws.plots.laws.register_law(name, law)"
        )
    return law


def parse_params(params: str | Mapping[str, float] | None) -> dict[str, float]:
    """Parameters as a dict of floats, from a mapping or the JSON text of ``scores.csv``; none
    (``{}``) from empty text, None or NaN (an empty cell of a typed frame)."""
    if isinstance(params, str):
        if not params.strip():
            return {}
        params = json.loads(params)
    elif not isinstance(params, Mapping) and (params is None or pd.isna(params)):
        return {}
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
    if name in EXPONENT_SIGN:
        sign = EXPONENT_SIGN[name]
    else:
        cls = ESTIMATORS.get(name)
        sign = 1.0 if cls is None else cls.exponent_sign
    return sign * values["c"]
