"""Fitted-curve panels: one row per curve, one column per estimator (Appendix A.3 format).

The paper's own layouts of these panels (Figures 1 top, 5 and 8) are in
:mod:`scalinglaws.paper.plots.layouts`.

One row per curve and one column per estimator present in the scores. Fit points are dark
(black, alpha 0.5), extrapolation points amber, and the fitted law blue, drawn on a
log-spaced grid from the smallest fit x to 3 times the largest x. The inputs are the
workflow's ``scores.csv`` and ``predictions.csv`` frames (text or numeric columns).
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator

from scalinglaws.curves import CurveKey
from scalinglaws.estimators import registry
from scalinglaws.plots import laws
from scalinglaws.plots.theme import (
    EXTRAPOLATION_COLOR,
    FIT_ALPHA,
    FIT_COLOR,
    LAW_COLOR,
    X_LABEL,
    Y_LABEL,
    NotApplicable,
    figure,
)

GRID_POINTS = 400
X_STRETCH = 3.0
LM_DOMAIN = "LM"
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}


def estimator_order(names: Iterable[str]) -> list[str]:
    """Registered estimators in registry order, then any others alphabetically."""
    present = set(names)
    known = [n for n in registry.names() if n in present]
    return known + sorted(present - set(known))


def curve_keys(frame: pd.DataFrame) -> list[CurveKey]:
    """The sorted curve keys of a scores or predictions frame."""
    triples = frame[["domain", "task", "model"]].drop_duplicates().itertuples(index=False)
    return sorted(CurveKey(str(d), str(t), str(m)) for d, t, m in triples)


def model_size(model: str) -> float | None:
    """A model name read as a size: ``1.07e+09``, ``262M``, ``1.7B``; None if it is not one."""
    match = re.fullmatch(r"\s*([0-9.]+(?:[eE][+-]?\d+)?)\s*([kKmMbBgGtT]?)\s*", str(model))
    if not match:
        return None
    try:
        value = float(match.group(1))
    except ValueError:
        return None
    return value * _SUFFIX.get(match.group(2).lower(), 1.0)


def numeric(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy with ``columns`` as floats (empty text becomes NaN)."""
    frame = frame.copy()
    for column in columns:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column].replace("", np.nan), errors="coerce")
    return frame


def _rows_of(frame: pd.DataFrame, key: CurveKey) -> pd.DataFrame:
    mask = (
        (frame["domain"].astype(str) == key.domain)
        & (frame["task"].astype(str) == key.task)
        & (frame["model"].astype(str) == key.model)
    )
    return frame[mask]


def _points(predictions: pd.DataFrame, estimators: list[str]) -> pd.DataFrame:
    """The curve's data points, taken from the first estimator with predictions."""
    for name in estimators:
        rows = predictions[predictions["estimator"] == name]
        if len(rows):
            return rows
    return predictions.iloc[0:0]


def _limits(values: Sequence[np.ndarray], law_values: Sequence[np.ndarray]) -> tuple:
    data = np.concatenate([v for v in values if v.size] or [np.array([0.0, 1.0])])
    lo, hi = float(np.nanmin(data)), float(np.nanmax(data))
    span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.1
    for curve in law_values:
        finite = curve[np.isfinite(curve)]
        if finite.size:
            lo = min(lo, max(float(finite.min()), lo - span))
            hi = max(hi, min(float(finite.max()), hi + span))
    pad = 0.06 * (hi - lo)
    return lo - pad, hi + pad


def curve_panels(
    scores: pd.DataFrame,
    predictions: pd.DataFrame,
    keys: Sequence[CurveKey],
    *,
    row_labels: Sequence[str] | None = None,
    title: str | None = None,
    fixed_layout: bool = False,
) -> Figure:
    """Panels of the given curves (rows) and every estimator in ``scores`` (columns)."""
    if not keys:
        raise NotApplicable("at least one curve")
    scores = numeric(scores, ["rmse"])
    wanted = pd.concat([_rows_of(predictions, key) for key in keys])
    predictions = numeric(wanted, ["x", "y_true", "y_pred"])
    estimators = estimator_order(scores["estimator"].astype(str))
    if not estimators:
        raise NotApplicable("scores of at least one estimator")
    if row_labels is None:
        tasks = {k.task for k in keys}
        row_labels = [k.model if len(tasks) == 1 else f"{k.model}, {k.task}" for k in keys]
        if title is None and len({(k.domain, k.task) for k in keys}) == 1:
            title = f"{keys[0].domain} / {keys[0].task}"
    n_rows, n_cols = len(keys), len(estimators)
    width, height = 3.1 * n_cols + 0.6, 2.4 * n_rows + 0.9
    fig, axes = figure(
        n_rows,
        n_cols,
        figsize=(width, height),
        squeeze=False,
        sharey="row",
        layout=None if fixed_layout else "constrained",
    )
    if fixed_layout:  # margins in inches; much faster to draw than constrained layout
        fig.subplots_adjust(
            left=0.85 / width,
            right=1 - 0.15 / width,
            bottom=0.95 / height,
            top=1 - (0.65 if title else 0.35) / height,
            wspace=0.06,
            hspace=0.12,
        )
    for row, key in enumerate(keys):
        _draw_row(axes[row], key, estimators, scores, predictions, row_labels[row])
        axes[row][0].set_ylabel(f"{row_labels[row]}\n{Y_LABEL}" if row_labels[row] else Y_LABEL)
    for col, name in enumerate(estimators):
        axes[0][col].set_title(name)
        axes[-1][col].set_xlabel(X_LABEL)
    handles = [
        Line2D([], [], ls="", marker="o", color=FIT_COLOR, alpha=FIT_ALPHA, label="Fit points"),
        Line2D([], [], ls="", marker="o", color=EXTRAPOLATION_COLOR, label="Extrapolation"),
        Line2D([], [], color=LAW_COLOR, label="Fitted law"),
    ]
    legend_at = {"loc": "lower center"} if fixed_layout else {"loc": "outside lower center"}
    fig.legend(handles=handles, ncol=3, frameon=False, **legend_at)
    if title:
        fig.suptitle(title)
    return fig


def _draw_row(axes, key, estimators, scores, predictions, label) -> None:
    score_rows = _rows_of(scores, key)
    pred_rows = _rows_of(predictions, key)
    points = _points(pred_rows, estimators)
    fit = points[points["region"] == "fit"]
    extra = points[points["region"] != "fit"]
    xs = points["x"].to_numpy(dtype=float)
    fit_x = fit["x"].to_numpy(dtype=float)
    if xs.size:
        x_lo = float(fit_x.min()) if fit_x.size else float(xs.min())
        x_hi = X_STRETCH * float(xs.max())
        grid = np.geomspace(x_lo, x_hi, GRID_POINTS)
    else:
        grid = np.array([])
    law_values = []
    for ax, name in zip(axes, estimators, strict=True):
        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(NullLocator())  # the paper shows none; slow to draw
        ax.scatter(fit["x"], fit["y_true"], s=10, color=FIT_COLOR, alpha=FIT_ALPHA, lw=0)
        ax.scatter(extra["x"], extra["y_true"], s=10, color=EXTRAPOLATION_COLOR, lw=0)
        row = score_rows[score_rows["estimator"] == name]
        note = None
        if row.empty:
            note = "no score"
        elif str(row["status"].iloc[0]) != "ok":
            note = "fit failed: " + str(row["error"].iloc[0])
        elif grid.size and laws.has_law(name):
            y = laws.rebuild(name, row["params"].iloc[0], grid)
            law_values.append(y)
            ax.plot(grid, y, color=LAW_COLOR)
        elif grid.size:
            mine = pred_rows[pred_rows["estimator"] == name].sort_values("x", kind="mergesort")
            law_values.append(mine["y_pred"].to_numpy(dtype=float))
            ax.plot(mine["x"], mine["y_pred"], color=LAW_COLOR, ls="--")
            note = "no law registered: predictions shown"
        if note is None and not row.empty and math.isfinite(float(row["rmse"].iloc[0])):
            note = f"RMSE {float(row['rmse'].iloc[0]):.3g}"
        if note:
            ax.text(
                0.97,
                0.95,
                textwrap.fill(note, 36),
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize="small",
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5},
            )
        if grid.size:
            # no margin on the right: a tick label there would run into the next panel's
            ax.set_xlim(grid[0] / 1.15, grid[-1])
    if not xs.size:  # no successful fit, so no points: no meaningless axis ticks
        for ax in axes:
            ax.set_xticks([])
        axes[0].set_yticks([])
        return
    values = [points["y_true"].to_numpy(dtype=float)]
    axes[0].set_ylim(*_limits(values, law_values))


def curve_figure(scores: pd.DataFrame, predictions: pd.DataFrame, key: CurveKey) -> Figure:
    """Appendix A.3 format for any curve: one row, one panel per estimator."""
    return curve_panels(
        scores, predictions, [key], row_labels=[""], title=key.label, fixed_layout=True
    )
