"""Validated estimator options shared by M2, M4 and the combinations that contain M4."""

from __future__ import annotations

import numpy as np

from scalinglaws.errors import ScalingLawsError

AUTO = "auto"  # an option derived from the data
MARGINS = ("notebook", "relative")  # official absolute margins, or relative to the data


def loss_option(
    estimator: str, option: str, value: object, *, auto: bool = False
) -> float | str | None:
    """A loss-unit option: a finite number > 0 or None (and "auto" if ``auto``); else a
    ScalingLawsError naming the option, its allowed values and ``value``."""
    if value is None or (auto and value == AUTO):
        return value  # type: ignore[return-value]
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number > 0) or isinstance(value, bool):
        allowed = f"a number > 0, None or {AUTO!r}" if auto else "a number > 0 or None"
        raise ScalingLawsError(f"{estimator}: option {option} must be {allowed}; got {value!r}")
    return number


def choice_option(estimator: str, option: str, value: object, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``, else a ScalingLawsError naming all three."""
    if value not in allowed:
        raise ScalingLawsError(
            f"{estimator}: option {option} must be one of {', '.join(map(repr, allowed))}; "
            f"got {value!r}"
        )
    return str(value)
