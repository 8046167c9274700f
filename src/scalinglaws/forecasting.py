"""Forecasts: fit every curve of a table and predict the loss at larger scales, with bands.

For each curve, each estimator and each target x (multiples ``at`` of the curve's largest
observed x, and absolute values ``x``), one row of :data:`FORECAST_COLUMNS`:

    y_pred = ŷ(x),   (y_lo, y_hi) = the central ``level`` predictive band at x,
    scale = x / last_x,   gain = last_y − y_pred,

where last_x is the curve's largest observed x (Training 0 or 1) and last_y its loss there:
``gain`` is the predicted improvement over the last observed loss (positive = lower loss).
A row is ``ok`` only when ŷ, y_lo and y_hi are positive and finite and y_lo ≤ ŷ ≤ y_hi;
otherwise it is ``failed`` with the reason in ``error`` (one failing fit never sinks the rest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from scalinglaws.api import (
    ScalingLawFit,
    checked_level,
    estimator_name,
    fit_points,
    targets_of,
)
from scalinglaws.bands import BandSettings
from scalinglaws.curves import (
    COLUMNS,
    KEY_COLUMNS,
    LOSS,
    SEEN,
    TRAINING,
    VALUE_RANGE,
    Curve,
    CurveKey,
    curves_from_table,
    read_curves,
)
from scalinglaws.errors import InputError
from scalinglaws.estimators import registry
from scalinglaws.fitting import MIN_FIT_POINTS, failure_reason

FORECAST_COLUMNS = [
    "domain", "task", "model", "estimator", "x", "scale", "y_pred", "y_lo", "y_hi", "level",
    "last_x", "last_y", "gain", "status", "error",
]  # fmt: skip
SORT_COLUMNS = ["domain", "task", "model", "estimator", "x"]
POINTS = ("all", "fit")
BAND_TOLERANCE = 1e-9  # relative rounding allowed between ŷ and a band edge before it fails

Data = pd.DataFrame | str | PathLike[str] | Iterable[str | PathLike[str]] | Iterable[Curve]


@dataclass(frozen=True, eq=False)
class CurveFit:
    """One curve's fit by one estimator: the fit, or why it failed; and its last point."""

    key: CurveKey
    estimator: str
    last_x: float
    last_y: float
    fit: ScalingLawFit | None
    error: str = ""


# --------------------------------------------------------------------------------------------
# Reading curves
# --------------------------------------------------------------------------------------------


def load_curves(data: Data) -> list[Curve]:
    """Curves from a long-format table, a CSV path or paths, or a list of :class:`Curve`."""
    if isinstance(data, pd.DataFrame):
        return curves_from_table(checked_table(data))
    if isinstance(data, str | PathLike):
        return read_curves([data])
    if isinstance(data, Iterable):
        items = list(data)
        if items and all(isinstance(item, Curve) for item in items):
            return sorted(items, key=lambda curve: curve.key)
        if items and all(isinstance(item, str | PathLike) for item in items):
            return read_curves(items)
    raise InputError(
        "data must be a curves table (a DataFrame with columns "
        f"{', '.join(COLUMNS)}), a CSV path or a non-empty list of paths, or a list of Curves"
    )


def checked_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with typed columns; raises InputError naming a bad column and row."""
    missing = [name for name in COLUMNS if name not in table.columns]
    if missing:
        raise InputError(f"table lacks column(s) {missing}; it needs {list(COLUMNS)}")
    out = table.copy()
    for name in KEY_COLUMNS:
        out[name] = out[name].astype("str")
        _reject(out[name].str.strip() == "", table, name, "must not be empty")
    low, high = VALUE_RANGE  # as read_curves checks a CSV
    for name in (SEEN, LOSS):
        values = pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            inside = (values >= low) & (values <= high)
        _reject(~inside, table, name, f"must lie in [{low:g}, {high:g}], so positive, finite")
        out[name] = values
    training = pd.to_numeric(table[TRAINING], errors="coerce").to_numpy(dtype=float)
    _reject(~np.isin(training, (0.0, 1.0)), table, TRAINING, "must be 0 or 1")
    out[TRAINING] = training.astype(np.int64)
    return out


def _reject(bad: Any, table: pd.DataFrame, column: str, rule: str) -> None:
    """Raise for the first True of ``bad``: the column, its table row and value, and the count."""
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        i = int(np.argmax(bad))
        value = table[column].iloc[i]
        value = value.item() if isinstance(value, np.generic) else value
        raise InputError(
            f"{rule}; got {value!r} at table row {table.index[i]!r} "
            f"({int(bad.sum())} bad row(s))",
            column=column,
        )


def fit_data(curve: Curve, points: str) -> tuple[np.ndarray, np.ndarray]:
    """The points fitted for a forecast: every point ("all", unique x) or Training = 1 ("fit")."""
    if points == "fit":
        return curve.x_fit, curve.y_fit
    x = np.concatenate([curve.x_fit, curve.x_test])
    y = np.concatenate([curve.y_fit, curve.y_test])
    x, first = np.unique(x, return_index=True)
    return x, y[first]


# --------------------------------------------------------------------------------------------
# Fitting and forecasting
# --------------------------------------------------------------------------------------------


def estimator_names(estimator: str | Sequence[str] | None) -> list[str]:
    """One name or a list of names (default: the recommended estimator), checked, in order."""
    if estimator is None or isinstance(estimator, str):
        return [estimator_name(estimator)]
    names = list(dict.fromkeys(estimator_name(name) for name in estimator))
    if not names:
        raise InputError("estimator: give at least one estimator name")
    return names


def _specs(options: Mapping[str, Any] | None, names: Sequence[str]) -> dict[str, Any]:
    """Each estimator's config entry (``{options, by_domain}`` or None) from a workflow-style
    estimators mapping."""
    if options is not None and not isinstance(options, Mapping):
        raise InputError("options must map estimator names to {options: ..., by_domain: ...}")
    specs = {name: (options or {}).get(name) for name in names}
    for name, spec in specs.items():
        if spec is not None and not isinstance(spec, Mapping):
            raise InputError(f"options[{name!r}] must be a mapping with keys options and by_domain")
    return specs


def fit_curves(
    data: Data,
    estimator: str | Sequence[str] | None = None,
    points: str = "all",
    options: Mapping[str, Any] | None = None,
) -> list[CurveFit]:
    """Fit every curve of ``data`` with every estimator; a failed fit carries its reason.

    ``options``: per-estimator config as in the workflow's ``estimators`` section,
    ``{"M4": {"options": {...}, "by_domain": {"IC": {...}}}}``. Unknown estimators or options
    raise before any fit; ``points``: "all" (every point) or "fit" (Training = 1 only).
    """
    if points not in POINTS:
        raise InputError(f"points must be one of {', '.join(POINTS)}; got {points!r}")
    specs = _specs(options, estimator_names(estimator))
    curves = load_curves(data)
    registry.check_entries(specs, sorted({curve.key.domain for curve in curves}))
    return [
        _fit_curve(curve, name, registry.options_for(spec, curve.key.domain), points)
        for curve in curves
        for name, spec in specs.items()
    ]


def _fit_curve(curve: Curve, name: str, options: dict[str, Any], points: str) -> CurveFit:
    """One estimator's fit of one curve, or the reason it failed."""
    x, y = fit_data(curve, points)
    last = curve.last_point
    if x.size < MIN_FIT_POINTS:
        which = "Training = 1 points" if points == "fit" else "points"
        error = f"needs at least {MIN_FIT_POINTS} {which}, has {x.size}"
        return CurveFit(curve.key, name, *last, None, error)
    try:
        fitted = fit_points(x, y, name, options, label=curve.key.label)
    except Exception as exc:  # one failing fit must not sink the rest
        return CurveFit(curve.key, name, *last, None, failure_reason(exc))
    return CurveFit(curve.key, name, *last, fitted)


def forecast_fits(
    fits: Iterable[CurveFit],
    at: Sequence[float] | float | None = (2, 10, 100),
    x: Sequence[float] | float | None = None,
    level: float = 0.8,
    bands: BandSettings | None = None,
) -> pd.DataFrame:
    """The forecast rows (:data:`FORECAST_COLUMNS`) of fits made by :func:`fit_curves`."""
    level = checked_level(level)
    targets_of(at, x, 1.0)  # reject bad or missing targets even when there is no curve
    rows = [row for cf in fits for row in _forecast_rows(cf, at, x, level, bands)]
    frame = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    frame = frame.sort_values(SORT_COLUMNS, kind="stable", ignore_index=True)
    return frame.astype({"status": "str", "error": "str"})


def _forecast_rows(
    cf: CurveFit, at: Any, x: Any, level: float, bands: BandSettings | None
) -> list[dict[str, Any]]:
    """One row per target of one curve's fit; see the module docstring."""
    targets = targets_of(at, x, cf.last_x) if np.isfinite(cf.last_x) else np.array([])
    base = {
        "domain": cf.key.domain, "task": cf.key.task, "model": cf.key.model,
        "estimator": cf.estimator, "level": level, "last_x": cf.last_x, "last_y": cf.last_y,
    }  # fmt: skip
    nan = np.full(targets.size, np.nan)
    y_pred, lo, hi, errors = nan, nan, nan, [cf.error] * targets.size
    if cf.fit is not None:
        try:
            y_pred = cf.fit.predict(targets)
            lo, hi = cf.fit.interval(targets, level, bands)
            lo, hi, errors = _checked_band(y_pred, np.asarray(lo), np.asarray(hi))
        except Exception as exc:  # a band that cannot be made fails these rows only
            errors = [f"no predictive band: {failure_reason(exc)}"] * targets.size
    values = zip(targets, y_pred, lo, hi, errors, strict=True)
    return [
        {**base, "x": t, "scale": t / cf.last_x, "y_pred": p, "y_lo": a, "y_hi": b,
         "gain": cf.last_y - p, "status": "failed" if e else "ok", "error": e}
        for t, p, a, b, e in values
    ]  # fmt: skip


def _checked_band(
    y_pred: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The band with rounding-level gaps to ŷ closed, and each target's problem ('' if ok)."""
    errors = [_band_problem(*values) for values in zip(y_pred, lo, hi, strict=True)]
    return np.minimum(lo, y_pred), np.maximum(hi, y_pred), errors


def _band_problem(y_pred: float, lo: float, hi: float) -> str:
    """Why (ŷ, lo, hi) is not a valid forecast, or '' (ŷ may sit outside by rounding only)."""
    if not (np.isfinite(y_pred) and y_pred > 0):
        return f"prediction {y_pred!r} is not a positive finite number"
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi):
        return f"band [{lo!r}, {hi!r}] is not a positive finite interval"
    tol = BAND_TOLERANCE * y_pred
    if lo > y_pred + tol or hi < y_pred - tol:
        return f"band [{lo:.6g}, {hi:.6g}] does not contain the prediction {y_pred:.6g}"
    return ""


def forecast(
    data: Data,
    at: Sequence[float] | float | None = (2, 10, 100),
    x: Sequence[float] | float | None = None,
    estimator: str | Sequence[str] | None = None,
    level: float = 0.8,
    points: str = "all",
    options: Mapping[str, Any] | None = None,
    bands: BandSettings | None = None,
) -> pd.DataFrame:
    """Forecast every curve of ``data`` at larger scales, with predictive bands.

    ``data``: a long-format table (Domain, Task, Model, Seen Examples, Loss, Training), a CSV
    path or list of paths, or a list of Curves. Targets: ``at`` × each curve's largest observed
    x and/or the absolute ``x``. ``estimator``: a name or list (default: the recommended one);
    ``options``: per-estimator config (see :func:`fit_curves`); ``points``: "all" (every point,
    held-out ones too) or "fit" (Training = 1 only); ``bands``: band settings (its level is
    replaced by ``level``). Returns one row per curve × estimator × target,
    :data:`FORECAST_COLUMNS`, sorted by domain, task, model, estimator, x, with
    scale = x / last_x and gain = last_y − y_pred (the module docstring).
    """
    level = checked_level(level)
    targets_of(at, x, 1.0)
    if bands is not None and not isinstance(bands, BandSettings):
        raise InputError("bands must be a BandSettings (see BandSettings.from_config)")
    fits = fit_curves(data, estimator, points, options)
    return forecast_fits(fits, at, x, level, bands)
