"""Validated estimator options: each helper returns the option's value or raises a
ScalingLawsError naming the estimator, the option, its allowed values and the value given."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from scalinglaws.errors import FitError, ScalingLawsError

AUTO = "auto"  # an option derived from the data
MARGINS = ("notebook", "relative")  # official absolute margins, or relative to the data
T = TypeVar("T")


def _refuse(estimator: str, option: str, allowed: str, value: object) -> ScalingLawsError:
    return ScalingLawsError(f"{estimator}: option {option} must be {allowed}; got {value!r}")


def _is_number(value: object) -> bool:
    """A real number that is not a bool (True/False are ints to Python, not to a user)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def loss_option(
    estimator: str, option: str, value: object, *, auto: bool = False
) -> float | str | None:
    """A loss-unit option: a finite number > 0 or None (and "auto" if ``auto``)."""
    if value is None or (auto and isinstance(value, str) and value == AUTO):
        return value  # type: ignore[return-value]
    if not (_is_number(value) and np.isfinite(value) and value > 0):  # type: ignore[operator]
        allowed = f"a number > 0, None or {AUTO!r}" if auto else "a number > 0 or None"
        raise _refuse(estimator, option, allowed, value)
    return float(value)  # type: ignore[arg-type]


def number_option(
    estimator: str, option: str, value: object, low: float, high: float = np.inf
) -> float:
    """A finite number in [low, high]."""
    if not (_is_number(value) and np.isfinite(value) and low <= value <= high):  # type: ignore[operator]
        allowed = f"a number ≥ {low:g}" if high == np.inf else f"a number in [{low:g}, {high:g}]"
        raise _refuse(estimator, option, allowed, value)
    return float(value)  # type: ignore[arg-type]


def int_option(estimator: str, option: str, value: object, low: int) -> int:
    """A whole number ≥ ``low`` (an integral float such as 1e4 counts)."""
    if not (_is_number(value) and np.isfinite(value) and value == int(value) >= low):  # type: ignore[arg-type]
        raise _refuse(estimator, option, f"a whole number ≥ {low}", value)
    return int(value)  # type: ignore[arg-type]


def bool_option(estimator: str, option: str, value: object) -> bool:
    """True or False (not a string such as "no", which Python would take as True)."""
    if not isinstance(value, bool | np.bool_):
        raise _refuse(estimator, option, "true or false", value)
    return bool(value)


def choice_option(estimator: str, option: str, value: object, allowed: tuple[T, ...]) -> T:
    """``value`` if it is one of ``allowed`` (a bool never matches a number)."""
    for choice in allowed:
        if type(value) is type(choice) and value == choice:
            return choice
    raise _refuse(estimator, option, f"one of {', '.join(map(repr, allowed))}", value)


def member_options(owner: str, build: Callable[[], T]) -> T:
    """``build()`` (a member's constructor), its option errors prefixed with ``owner``."""
    try:
        return build()
    except ScalingLawsError as exc:
        raise ScalingLawsError(f"{owner}: {exc}") from None


def check_lo_bound(estimator: str, lo_bound: float, y: np.ndarray) -> None:
    """FitError unless ``lo_bound`` lies below the smallest fit loss (ε_∞ must)."""
    if lo_bound >= float(np.min(y)):
        raise FitError(
            f"{estimator}: lo_bound {lo_bound:g} is not below the smallest fit loss "
            f"{float(np.min(y)):.4g}: ε_∞ must lie below every loss"
        )
