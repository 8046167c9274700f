"""Fit every configured estimator to every curve and score the extrapolation.

One failing fit never sinks the run: it becomes a ``failed`` row carrying the reason.
Scores follow the paper's Eq. (6) (natural-log RMSE over the Training=0 points) with the
notebook's standard error. A curve without Training=0 points is still fitted (predictions
and bands at its fit points) and gets the status ``unscored``: nothing to score it against.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from scalinglaws.bands import BandSettings, Predictive, predictive
from scalinglaws.curves import Curve
from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators import registry
from scalinglaws.estimators.base import FitResult
from scalinglaws.metrics import extrapolation_rmse, rmse_standard_error

SCORE_COLUMNS = [
    "domain", "task", "model", "estimator", "rmse", "rmse_se",
    "n_fit", "n_test", "fit_seconds", "status", "error", "params",
]  # fmt: skip
PREDICTION_COLUMNS = ["domain", "task", "model", "estimator", "x", "y_true", "y_pred", "region"]
# The predictive band (scalinglaws.bands): y_lo/y_hi at the configured level, and the
# Student-t scale and degrees of freedom of log y that calibration.csv is computed from.
PREDICTION_COLUMNS += ["y_lo", "y_hi", "log_scale", "log_df"]
MIN_FIT_POINTS = 3
STATUSES = ("ok", "unscored", "failed")
"""``ok``: fitted and scored; ``unscored``: fitted, no extrapolation point to score;
``failed``: no usable fit (the reason in ``error``)."""
FITTED_STATUSES = ("ok", "unscored")
"""Statuses whose row holds a usable fit (``params``)."""
UNSCORED_NOTE = "no extrapolation points (Training=0) to score: fitted, not scored"


def fit_curves(
    curves: Iterable[Curve],
    estimators: Mapping[str, Mapping[str, Any] | None],
    bands: BandSettings | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores and predictions of every estimator on every curve.

    ``estimators`` maps a registered name to its config entry
    (``{"options": {...}, "by_domain": {...}}``, see :func:`registry.options_for`);
    ``bands`` sets the predictive bands (default: :class:`BandSettings` defaults).
    """
    score_rows: list[dict[str, Any]] = []
    prediction_frames: list[pd.DataFrame] = []
    for curve in curves:
        for name, spec in estimators.items():
            options = registry.options_for(spec, curve.key.domain)
            row, predictions = fit_one(curve, name, options, bands)
            score_rows.append(row)
            if predictions is not None:
                prediction_frames.append(predictions)
    scores = pd.DataFrame(score_rows, columns=SCORE_COLUMNS)
    predictions = (
        pd.concat(prediction_frames, ignore_index=True)
        if prediction_frames
        else pd.DataFrame(columns=PREDICTION_COLUMNS)
    )
    return scores, predictions


def fit_one(
    curve: Curve, name: str, options: Mapping[str, Any], bands: BandSettings | None = None
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Fit one estimator to one curve: its score row and its prediction rows (None if failed)."""
    row: dict[str, Any] = {
        "domain": curve.key.domain, "task": curve.key.task, "model": curve.key.model,
        "estimator": name, "rmse": np.nan, "rmse_se": np.nan,
        "n_fit": curve.n_fit, "n_test": curve.n_test, "fit_seconds": np.nan,
        "status": "failed", "error": "", "params": "{}",
    }  # fmt: skip
    problem = _curve_problem(curve)
    if problem:
        row["error"] = problem
        return row, None
    start = time.process_time()
    try:
        result = registry.make(name, **options).fit(curve.x_fit, curve.y_fit)
        y_pred_test = result.predict(curve.x_test)
    except Exception as exc:  # one failing fit must not sink the run
        row["error"] = failure_reason(exc)
        return row, None
    finally:
        row["fit_seconds"] = time.process_time() - start
    row["params"] = json.dumps(result.params, sort_keys=True)
    if curve.n_test == 0:
        row.update(status="unscored", error=UNSCORED_NOTE)
    else:
        rmse = extrapolation_rmse(curve.y_test, y_pred_test)
        if not np.isfinite(rmse):
            row["error"] = "prediction is not a positive finite number at some extrapolation point"
            return row, None
        row.update(
            rmse=rmse,
            rmse_se=rmse_standard_error(curve.y_test, y_pred_test),
            status="ok",
        )
    predictions = _prediction_rows(curve, name, result, y_pred_test)
    return row, _with_band(predictions, curve, name, result, bands or BandSettings())


def failure_reason(exc: Exception) -> str:
    """The reason recorded for a failed fit: our own errors' message, else the exception's type
    and message (a bug or a numerical failure inside numpy or scipy)."""
    if isinstance(exc, ScalingLawsError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}"


def _curve_problem(curve: Curve) -> str:
    """Why a curve cannot be fitted, or '' if it can."""
    if curve.n_fit < MIN_FIT_POINTS:
        return f"needs at least {MIN_FIT_POINTS} fit points (Training=1), has {curve.n_fit}"
    return ""


def _prediction_rows(
    curve: Curve, name: str, result: FitResult, y_pred_test: np.ndarray
) -> pd.DataFrame:
    """Long-format predictions at the fit points and at the extrapolation points."""
    x = np.concatenate([curve.x_fit, curve.x_test])
    frame = pd.DataFrame(
        {
            "domain": curve.key.domain,
            "task": curve.key.task,
            "model": curve.key.model,
            "estimator": name,
            "x": x,
            "y_true": np.concatenate([curve.y_fit, curve.y_test]),
            "y_pred": np.concatenate([result.predict(curve.x_fit), y_pred_test]),
            "region": ["fit"] * curve.n_fit + ["extrapolation"] * curve.n_test,
        }
    )
    return frame


def _with_band(
    frame: pd.DataFrame, curve: Curve, name: str, result: FitResult, settings: BandSettings
) -> pd.DataFrame:
    """``frame`` with the predictive band columns; NaN (the fit kept) if the band fails."""
    try:
        cls = registry.ESTIMATORS[name]
        band = predictive(cls, result.params, curve.x_fit, curve.y_fit, frame["x"], settings)
    except (ScalingLawsError, ArithmeticError, ValueError, np.linalg.LinAlgError):
        band = Predictive(np.full(len(frame), np.nan), np.full(len(frame), np.nan), np.nan)
    frame["y_lo"], frame["y_hi"] = band.interval(settings.level)
    frame["log_scale"], frame["log_df"] = band.scale, band.df
    return frame[PREDICTION_COLUMNS]
