"""Per-batch files of a fit job: their column types, and their integrity, checked before
they are merged.

A fit job writes results/<dataset>/batches/<b>/{scores,predictions,forecasts}.parquet
(columnar, typed: :func:`typed` fixes each column's type, so an empty batch has the same
schema as a full one). Each must be complete and readable: one score row per (curve,
estimator) of the batch, the prediction rows of every fitted score row (n_fit + n_test of
them), and one forecast row per (curve, forecast estimator, target), the targets being the
configured scales × the row's last_x and the absolute x. A lost row, a damaged file, a lost
column or a wrong cell raises :class:`BatchError` naming the file, the row (1 = the first data
row) and the problem, and how to rebuild the file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.api import targets_of
from scalinglaws.errors import InputError, ScalingLawsError
from scalinglaws.fitting import FITTED_STATUSES, PREDICTION_COLUMNS, SCORE_COLUMNS, STATUSES
from scalinglaws.forecasting import FORECAST_COLUMNS

CURVE = ["domain", "task", "model"]
KEY = [*CURVE, "estimator"]
LINE = "_line"  # the row number of each row in its file (1-based), kept as the index
INTEGER_COLUMNS = ("n_fit", "n_test")
FLOAT_COLUMNS = (
    "rmse", "rmse_se", "fit_seconds", "x", "y_true", "y_pred", "y_lo", "y_hi", "log_scale",
    "log_df", "scale", "level", "last_x", "last_y", "gain",
)  # fmt: skip
"""Numeric columns of the batch files; every other column is text."""
REGIONS = ("fit", "extrapolation")
FORECAST_STATUSES = ("ok", "failed")


class BatchError(ScalingLawsError):
    """A batch file that is missing, damaged or incomplete; the message says how to rebuild it."""


@dataclass(frozen=True)
class BatchPlan:
    """The rows a batch owes: its curves (domain, task, model) × its estimators, and the
    forecasts of ``forecast_estimators`` at ``scales`` × last_x and at the absolute ``x``."""

    curves: Sequence[Sequence[str]]
    estimators: Sequence[str]
    forecast_estimators: Sequence[str] = ()
    scales: Sequence[float] = ()
    x: Sequence[float] = ()

    def keys(self, estimators: Sequence[str]) -> list[tuple[str, ...]]:
        """(domain, task, model, estimator) of every curve × ``estimators``."""
        return [(*map(str, curve), name) for curve in self.curves for name in estimators]


def rebuild_hint(path: str | Path) -> str:
    """How to rebuild one batch file (and everything merged from it)."""
    return (
        f"rebuild it with: snakemake --forcerun {path} "
        "(or delete it and run snakemake again; either refits its batch)"
    )


def damaged(path: str | Path, reason: str, line: int | None = None) -> BatchError:
    """The error for a damaged batch file: file, row, reason and how to rebuild it."""
    where = InputError(reason, path=str(path), row=line)
    return BatchError(f"{where}; {rebuild_hint(path)}")


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the batch files' column types: n_fit/n_test int64, the other numeric
    columns float64, the rest text (missing text as "")."""
    out = frame.copy()
    for column in out.columns:
        if column in INTEGER_COLUMNS:
            out[column] = out[column].astype("int64")
        elif column in FLOAT_COLUMNS:
            out[column] = out[column].astype("float64")
        else:
            out[column] = out[column].fillna("").astype("str")
    return out


def read_batch(path: str | Path, columns: Sequence[str]) -> pd.DataFrame:
    """Every row of the Parquet batch file ``path``, typed and indexed by row number
    (1-based); BatchError unless it can be read and has exactly ``columns``."""
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise damaged(path, f"cannot be read ({type(exc).__name__}: {exc})") from None
    if list(frame.columns) != list(columns):
        raise damaged(path, f"has columns {list(frame.columns)}, expected {list(columns)}")
    frame.index = pd.Index(range(1, len(frame) + 1), name=LINE)
    return frame


def read_scores(path: str | Path, plan: BatchPlan) -> pd.DataFrame:
    """A batch's scores.parquet, checked: one valid row per (curve, estimator) of ``plan``."""
    frame = read_batch(path, SCORE_COLUMNS)
    _check_keys(path, frame, plan.keys(plan.estimators), unique=True)
    _check_choice(path, frame, "status", STATUSES)
    _check_numbers(path, frame, ["rmse", "rmse_se", "fit_seconds"], required=[])
    _check_numbers(path, frame, ["n_fit", "n_test"], required=["n_fit", "n_test"])
    fitted = frame[frame["status"].isin(FITTED_STATUSES)]
    _check_numbers(path, fitted[fitted["status"] == "ok"], ["rmse"], required=["rmse"])
    for line, text in fitted["params"].items():
        if not _is_json_object(text):
            raise damaged(path, f"column 'params' is not a JSON object: {text[:40]!r}", line)
    return frame


def read_predictions(path: str | Path, scores: pd.DataFrame) -> pd.DataFrame:
    """A batch's predictions.parquet, checked against its ``scores`` (from :func:`read_scores`):
    n_fit fit rows and n_test extrapolation rows for every fitted (curve, estimator)."""
    frame = read_batch(path, PREDICTION_COLUMNS)
    _check_choice(path, frame, "region", REGIONS)
    numbers = ["x", "y_true", "y_pred", "y_lo", "y_hi", "log_scale", "log_df"]
    _check_numbers(path, frame, numbers, required=["x", "y_true"])
    fitted = scores[scores["status"].isin(FITTED_STATUSES)]
    counts = frame.groupby([*KEY, "region"]).size()
    _check_keys(path, frame, [tuple(key) for key in fitted[KEY].to_numpy()], unique=False)
    for row in fitted.itertuples(index=False):
        key = (row.domain, row.task, row.model, row.estimator)
        for region, owed in (("fit", row.n_fit), ("extrapolation", row.n_test)):
            found = int(counts.get((*key, region), 0))
            if found != int(owed):
                raise damaged(
                    path, f"has {found} {region} rows of {' / '.join(key)}, expected {owed}"
                )
    return frame


def read_forecasts(path: str | Path, plan: BatchPlan) -> pd.DataFrame:
    """A batch's forecasts.parquet, checked: every (curve, forecast estimator) of ``plan`` with
    one row per target (``plan.scales`` × its last_x and ``plan.x``)."""
    frame = read_batch(path, FORECAST_COLUMNS)
    _check_choice(path, frame, "status", FORECAST_STATUSES)
    numbers = ["x", "scale", "y_pred", "y_lo", "y_hi", "level", "last_x", "last_y", "gain"]
    _check_numbers(path, frame, numbers, required=["x", "scale", "level", "last_x", "last_y"])
    _check_keys(path, frame, plan.keys(plan.forecast_estimators), unique=False)
    for key, rows in frame.groupby(KEY, sort=False):
        last_x = pd.to_numeric(rows["last_x"]).to_numpy()
        owed = targets_of(list(plan.scales) or None, list(plan.x) or None, float(last_x[0]))
        found = np.sort(pd.to_numeric(rows["x"]).to_numpy())
        if not np.array_equal(found, owed) or np.any(last_x != last_x[0]):
            raise damaged(
                path,
                f"has targets x = {found.tolist()} for {' / '.join(key)}, expected {owed.tolist()}",
                int(rows.index[0]),
            )
    return frame


def read_batch_files(
    scores: str | Path, predictions: str | Path, forecasts: str | Path | None, plan: BatchPlan
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """The three files of one batch, each checked (forecasts skipped when None)."""
    score_frame = read_scores(scores, plan)
    prediction_frame = read_predictions(predictions, score_frame)
    forecast_frame = None if forecasts is None else read_forecasts(forecasts, plan)
    return score_frame, prediction_frame, forecast_frame


def _check_keys(
    path: str | Path, frame: pd.DataFrame, owed: list[tuple[str, ...]], *, unique: bool
) -> None:
    """Every key of ``owed`` present (once if ``unique``) and no other key."""
    keys = list(frame[KEY].itertuples(index=False, name=None))
    expected = set(owed)
    seen: set[tuple[str, ...]] = set()
    for line, key in zip(frame.index, keys, strict=True):
        if key not in expected:
            raise damaged(path, f"row of {' / '.join(key)} does not belong to this batch", line)
        if unique and key in seen:
            raise damaged(path, f"second row of {' / '.join(key)}", line)
        seen.add(key)
    missing = [key for key in owed if key not in seen]
    if missing:
        raise damaged(
            path,
            f"lacks the rows of {len(missing)} of its {len(owed)} (curve, estimator) pairs, "
            f"first {' / '.join(missing[0])}",
        )


def _check_choice(path: str | Path, frame: pd.DataFrame, column: str, allowed: tuple) -> None:
    """Every cell of ``column`` one of ``allowed``."""
    bad = ~frame[column].isin(allowed)
    if bad.any():
        line = int(frame.index[bad.argmax()])
        value = frame.loc[line, column]
        raise damaged(path, f"column {column!r} is {value!r}, expected one of {allowed}", line)


def _check_numbers(
    path: str | Path, frame: pd.DataFrame, columns: list[str], required: list[str]
) -> None:
    """Cells of ``columns`` are numbers (or empty/NaN, except in ``required``)."""
    for column in columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values):
            empty, numbers = values.isna(), values
        else:
            empty = values == ""
            numbers = pd.to_numeric(values.where(~empty, None), errors="coerce")
        bad = (numbers.isna() & ~empty) | (empty if column in required else False)
        if np.any(bad):
            line = int(frame.index[np.argmax(bad.to_numpy())])
            value = frame.loc[line, column]
            value = value if isinstance(value, str) else float(value)  # NaN, not np.float64(nan)
            raise damaged(path, f"column {column!r} is {value!r}, not a number", line)


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
