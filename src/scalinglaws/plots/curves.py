"""Fitted-curve panels: a grid of at most four panels per row, one panel per (curve, estimator).

The paper's own layouts of these panels (Figures 1 top, 5 and 8) are in
:mod:`scalinglaws.paper.plots.layouts`.

Each curve gets one or more rows of up to :data:`MAX_COLUMNS` panels, one per estimator, on
log-log axes. A panel shows the fit points (grey dots), the held-out points (Training = 0:
orange diamonds, drawn over the line), the fitted law (blue, on a log-spaced
grid from the smallest fit x to 3 times the largest x), the predictive band of
``predictions.csv`` (``y_lo``–``y_hi``, shaded, at the points where it exists) and, shaded
grey, the extrapolation region beyond the last fit point. Its title names the estimator and
its RMSE on the held-out points ("unscored" when the curve has none). The inputs are the
workflow's ``scores.csv`` and ``predictions.csv`` frames, read as text (every cell a string,
empty cells "") or typed (numbers as numbers, empty cells NaN): both draw the same figure.

:class:`CurveFigures` draws many per-curve figures fast (the gallery,
:func:`scalinglaws.plots.gallery.curve_figures`).
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import (
    FixedLocator,
    LogLocator,
    MaxNLocator,
    NullLocator,
    StrMethodFormatter,
)
from scipy.special import stdtr

from scalinglaws.curves import CurveKey
from scalinglaws.estimators import registry
from scalinglaws.fitting import FITTED_STATUSES
from scalinglaws.plots import laws
from scalinglaws.plots.theme import (
    BAND_ALPHA,
    EXTRAPOLATION_COLOR,
    FIT_ALPHA,
    FIT_COLOR,
    LAW_COLOR,
    REGION_COLOR,
    X_LABEL,
    Y_LABEL,
    NotApplicable,
    figure,
)

GRID_POINTS = 400
X_STRETCH = 3.0
MAX_COLUMNS = 4
PANEL = (2.75, 2.05)  # width, height of one panel (inches)
GAP = (0.22, 0.62)  # space between panels (inches): across, and down (title + tick labels)
MARGIN = {"left": 0.95, "right": 0.15, "top": 0.4, "bottom": 1.05}  # inches
TITLE_SPACE = 0.4  # inches above the panels for the figure's title
LM_DOMAIN = "LM"
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
CURVE_COLUMNS = ["domain", "task", "model"]
PREDICTION_NUMBERS = ["x", "y_true", "y_pred", "y_lo", "y_hi", "log_scale", "log_df"]


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
    """``frame`` with ``columns`` as numbers: text is parsed, empty text and text that is no
    number become NaN; columns that hold numbers already are kept (then ``frame`` itself is
    returned when nothing needs parsing)."""
    parsed = {
        column: pd.to_numeric(frame[column].replace("", np.nan), errors="coerce")
        for column in columns
        if column in frame and not _holds_numbers(frame[column])
    }
    return frame.assign(**parsed) if parsed else frame


def _holds_numbers(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def cell_text(value: Any) -> str:
    """A cell as text: ``""`` for a missing one (NaN or None in a typed frame)."""
    if isinstance(value, str):
        return value
    return "" if value is None or pd.isna(value) else str(value)


def band_level(predictions: pd.DataFrame) -> float | None:
    """The level of the stored bands, read back from y_lo, y_hi, log_scale and log_df.

    ``y_hi / y_lo = exp(2 t s)`` with t the ``(1 + level) / 2`` quantile of a Student-t with
    ``log_df`` degrees of freedom (:mod:`scalinglaws.bands`); None if no row has a band.
    """
    if not {"y_lo", "y_hi", "log_scale", "log_df"} <= set(predictions.columns):
        return None
    rows = numeric(predictions, ["y_lo", "y_hi", "log_scale", "log_df"])
    y_lo, y_hi = rows["y_lo"].to_numpy(dtype=float), rows["y_hi"].to_numpy(dtype=float)
    scale, df = rows["log_scale"].to_numpy(dtype=float), rows["log_df"].to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        t = np.log(y_hi / y_lo) / (2.0 * scale)
        level = 2.0 * stdtr(df, t) - 1.0  # Student-t CDF (scipy.stats.t.cdf(t, df))
        level = level[np.isfinite(level) & (scale > 0)]
    return round(float(np.median(level)), 2) if len(level) else None


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


@dataclass
class _Curve:
    """What the panels of one curve share: its points, law grid and y values drawn."""

    fit: pd.DataFrame
    held_out: pd.DataFrame
    grid: np.ndarray
    drawn: list[np.ndarray]


def _curve_data(pred_rows: pd.DataFrame, estimators: list[str]) -> _Curve:
    points = _points(pred_rows, estimators)
    fit = points[points["region"] == "fit"]
    held_out = points[points["region"] != "fit"]
    xs = points["x"].to_numpy(dtype=float)
    xs = xs[np.isfinite(xs) & (xs > 0)]
    grid = np.array([])
    if xs.size:
        fit_x = fit["x"].to_numpy(dtype=float)
        start = float(np.nanmin(fit_x)) if fit_x.size else float(xs.min())
        grid = np.geomspace(start, X_STRETCH * float(xs.max()), GRID_POINTS)
    return _Curve(fit, held_out, grid, [points["y_true"].to_numpy(dtype=float)])


def _grid_shape(n_estimators: int) -> tuple[int, int]:
    """(rows per curve, columns) for ``n_estimators`` panels per curve."""
    columns = min(n_estimators, MAX_COLUMNS)
    return math.ceil(n_estimators / columns), columns


def _new_figure(n_rows: int, n_cols: int, title: bool) -> tuple[Figure, np.ndarray]:
    """A figure of panels of :data:`PANEL` inches with fixed margins (faster than a layout)."""
    top = MARGIN["top"] + (TITLE_SPACE if title else 0.0)
    width = MARGIN["left"] + n_cols * PANEL[0] + (n_cols - 1) * GAP[0] + MARGIN["right"]
    height = top + n_rows * PANEL[1] + (n_rows - 1) * GAP[1] + MARGIN["bottom"]
    fig, axes = figure(n_rows, n_cols, figsize=(width, height), squeeze=False, layout=None)
    fig.subplots_adjust(
        left=MARGIN["left"] / width,
        right=1 - MARGIN["right"] / width,
        bottom=MARGIN["bottom"] / height,
        top=1 - top / height,
        wspace=GAP[0] / PANEL[0],
        hspace=GAP[1] / PANEL[1],
    )
    return fig, axes


def curve_panels(
    scores: pd.DataFrame,
    predictions: pd.DataFrame,
    keys: Sequence[CurveKey],
    *,
    row_labels: Sequence[str] | None = None,
    title: str | None = None,
    estimators: Sequence[str] | None = None,
    axis_labels: tuple[str, str] = (X_LABEL, Y_LABEL),
) -> Figure:
    """Panels of the given curves and estimators (default: every estimator in ``scores``).

    Each curve takes ``ceil(len(estimators) / 4)`` rows of at most four panels; its label
    (``row_labels``, by default the model, or model and task) heads its first row's y axis.
    """
    if not keys:
        raise NotApplicable("at least one curve")
    scores = numeric(scores, ["rmse"])
    wanted = pd.concat([_rows_of(predictions, key) for key in keys])
    predictions = numeric(wanted, PREDICTION_NUMBERS)
    present = estimator_order(scores["estimator"].astype(str))
    names = [n for n in estimators if n in present] if estimators else present
    if not names:
        raise NotApplicable("scores of at least one estimator")
    if row_labels is None:
        tasks = {k.task for k in keys}
        row_labels = [k.model if len(tasks) == 1 else f"{k.model}, {k.title_task}" for k in keys]
        if title is None and len({(k.domain, k.task) for k in keys}) == 1:
            title = f"{keys[0].domain} / {keys[0].title_task}"
    per_curve, n_cols = _grid_shape(len(names))
    fig, axes = _new_figure(per_curve * len(keys), n_cols, bool(title))
    curves = [(_rows_of(scores, key), _rows_of(predictions, key)) for key in keys]
    _draw(fig, axes, names, curves, list(row_labels), title, axis_labels, predictions)
    return fig


def _draw(fig, axes, names, curves, row_labels, title, axis_labels, predictions) -> None:
    """Fill the grid ``axes``: one block of rows per curve (its score and prediction rows,
    numeric), x labels under the last row, the legend and the title."""
    per_curve = len(axes) // len(curves)
    for i, (score_rows, pred_rows) in enumerate(curves):
        block = axes[i * per_curve : (i + 1) * per_curve].ravel()
        curve = _curve_data(pred_rows, names)
        _draw_curve(block, names, score_rows, pred_rows, curve, axis_labels[1], row_labels[i])
    for ax in axes[-1]:
        ax.set_xlabel(axis_labels[0])
    _legend(fig, predictions, band_level(predictions))
    if title:
        fig.suptitle(title, y=1 - 0.1 / fig.get_figheight(), va="top", fontsize="x-large")


def _legend(fig: Figure, predictions: pd.DataFrame, level: float | None) -> None:
    """The figure's legend, below the panels: only the elements some panel shows."""
    held_out = bool((predictions["region"] != "fit").any())
    handles = [Line2D([], [], ls="", marker="o", color=FIT_COLOR, alpha=FIT_ALPHA,
                      label="fit points")]  # fmt: skip
    if held_out:
        handles.append(Line2D([], [], ls="", **_HELD_OUT, label="held-out points"))
    handles.append(Line2D([], [], color=LAW_COLOR, label="fitted law"))
    if level is not None:
        label = f"{level:.0%} predictive band"
        handles.append(Patch(facecolor=LAW_COLOR, alpha=BAND_ALPHA, label=label))
    if held_out:
        handles.append(Patch(facecolor=REGION_COLOR, label="beyond the fit points"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False,
               bbox_to_anchor=(0.5, 0.0), columnspacing=1.2, handlelength=1.6)  # fmt: skip


_HELD_OUT = {"marker": "D", "markersize": 4.5, "color": EXTRAPOLATION_COLOR, "mew": 0}


def _draw_curve(axes, names, score_rows, pred_rows, curve, y_label, label) -> None:
    """One curve's panels (``axes``: its block of the grid, row by row)."""
    scores_of, predictions_of = _by_estimator(score_rows), _by_estimator(pred_rows)
    for ax, name in zip(axes, names, strict=False):
        mine = predictions_of.get(name, pred_rows.iloc[0:0]).sort_values("x", kind="mergesort")
        _draw_panel(ax, name, scores_of.get(name, score_rows.iloc[0:0]), mine, curve)
    for ax in axes[len(names) :]:
        ax.set_axis_off()
    n_cols = min(len(axes), MAX_COLUMNS)
    for k, ax in enumerate(axes[: len(names)]):
        if k % n_cols:
            ax.tick_params(labelleft=False)
        else:
            ax.set_ylabel(f"{label}\n{y_label}" if label and k == 0 else y_label)
    _share_limits(axes[: len(names)], curve)


def _by_estimator(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``rows`` split by estimator (each in its order)."""
    return {name: group for name, group in rows.groupby("estimator", sort=False)}


def _status(row: pd.DataFrame) -> str:
    return cell_text(row["status"].iloc[0])


def _draw_panel(ax: Axes, name: str, row: pd.DataFrame, mine: pd.DataFrame, curve) -> None:
    """One estimator's panel: region, band, points, law and title."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    if len(curve.fit) and len(curve.held_out):
        last_fit = float(curve.fit["x"].astype(float).max())
        ax.axvspan(last_fit, curve.grid[-1] * 10, color=REGION_COLOR, lw=0, zorder=0)
    fitted = not row.empty and _status(row) in FITTED_STATUSES
    band = mine[np.isfinite(mine["y_lo"]) & np.isfinite(mine["y_hi"])] if "y_lo" in mine else []
    if fitted and len(band):
        ax.fill_between(band["x"], band["y_lo"], band["y_hi"], color=LAW_COLOR,
                        alpha=BAND_ALPHA, lw=0, zorder=1)  # fmt: skip
        curve.drawn += [band["y_lo"].to_numpy(dtype=float), band["y_hi"].to_numpy(dtype=float)]
    ax.plot(curve.fit["x"], curve.fit["y_true"], ls="", marker="o", markersize=3.5,
            color=FIT_COLOR, alpha=FIT_ALPHA, mew=0, zorder=2)  # fmt: skip
    note = _draw_law(ax, name, row, mine, curve)
    ax.plot(curve.held_out["x"], curve.held_out["y_true"], ls="", zorder=4, **_HELD_OUT)
    # y given: the title stays at the top of the axes (where matplotlib would put it, as no
    # tick labels are above them), without measuring every tick label at each draw to know.
    ax.set_title(_panel_title(name, row), fontsize="medium", y=1.0)
    if note:
        box = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.5}
        ax.text(0.96, 0.94, textwrap.fill(note, 30), transform=ax.transAxes, ha="right",
                va="top", fontsize="small", zorder=5, bbox=box)  # fmt: skip


def _draw_law(ax: Axes, name: str, row: pd.DataFrame, mine: pd.DataFrame, curve) -> str | None:
    """Draw the fitted law; returns a note for the panel when there is none to draw."""
    if row.empty:
        return "no score"
    if _status(row) not in FITTED_STATUSES:
        return "fit failed: " + cell_text(row["error"].iloc[0])
    if not curve.grid.size:
        return None
    if laws.has_law(name):
        y = laws.rebuild(name, row["params"].iloc[0], curve.grid)
        ax.plot(curve.grid, y, color=LAW_COLOR, lw=1.6, zorder=3)
        curve.drawn.append(y)
        return None
    ax.plot(mine["x"], mine["y_pred"], color=LAW_COLOR, lw=1.6, ls="--", zorder=3)
    curve.drawn.append(mine["y_pred"].to_numpy(dtype=float))
    return "no law registered: predictions shown"


def _panel_title(name: str, row: pd.DataFrame) -> str:
    """``"M4 · RMSE 0.0306"``, ``"M4 · unscored"``, or the estimator's name."""
    if row.empty or _status(row) not in FITTED_STATUSES:
        return name
    if _status(row) == "unscored":
        return f"{name} · unscored"
    rmse = float(row["rmse"].iloc[0])
    return f"{name} · RMSE {rmse:.3g}" if math.isfinite(rmse) else name


def _share_limits(axes, curve: _Curve) -> None:
    """The same x and y limits and ticks on every panel of one curve."""
    if not curve.grid.size:  # no successful fit, so no points: no meaningless axis ticks
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
        return
    lo, hi = y_limits(curve.drawn)
    for ax in axes:
        ax.set_xlim(curve.grid[0] / 1.3, curve.grid[-1])
        ax.set_ylim(lo, hi)
        log_ticks(ax, lo, hi)


def y_limits(drawn: Sequence[np.ndarray]) -> tuple[float, float]:
    """Limits around the data (first array), widened to the drawn curves by at most the data's
    own log span on each side, with a small margin (log scale)."""
    data = drawn[0][np.isfinite(drawn[0]) & (drawn[0] > 0)]
    if not data.size:
        data = np.array([0.5, 1.0])
    lo, hi = np.log(float(data.min())), np.log(float(data.max()))
    span = max(hi - lo, 0.05)
    for values in drawn[1:]:
        values = values[np.isfinite(values) & (values > 0)]
        if values.size:
            lo = min(lo, max(float(np.log(values.min())), lo - span))
            hi = max(hi, min(float(np.log(values.max())), hi + span))
    pad = 0.06 * (hi - lo)
    return float(np.exp(lo - pad)), float(np.exp(hi + pad))


def log_ticks(ax: Axes, lo: float, hi: float) -> None:
    """Readable ticks on log axes: plain numbers on y, powers of ten on x, no minor ticks."""
    ticks = _nice_ticks(lo, hi)
    ax.yaxis.set_major_locator(FixedLocator(ticks) if ticks else MaxNLocator(nbins=4))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:.3g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(LogLocator(numticks=6))
    ax.xaxis.set_minor_locator(NullLocator())  # the paper shows none; slow to draw


def _nice_ticks(lo: float, hi: float) -> list[float]:
    """3 to 6 ticks of the form m·10^k (m in 1, 2, 5, then 1, 2, 3, 5) in [lo, hi]; [] if
    the range is too narrow for that (evenly spaced ticks are then used)."""
    powers = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    for mantissas in ((1.0,), (1.0, 2.0, 5.0), (1.0, 2.0, 3.0, 5.0)):
        ticks = [m * 10.0**k for k in powers for m in mantissas if lo <= m * 10.0**k <= hi]
        if 3 <= len(ticks) <= 6:
            return ticks
    return []


def curve_figure(
    scores: pd.DataFrame,
    predictions: pd.DataFrame,
    key: CurveKey,
    axis_labels: tuple[str, str] = (X_LABEL, Y_LABEL),
) -> Figure:
    """Appendix A.3 format for any curve: one panel per estimator, at most four per row."""
    return curve_panels(
        scores, predictions, [key], row_labels=[""], title=key.title, axis_labels=axis_labels
    )


def _by_curve(frame: pd.DataFrame) -> dict[tuple[str, str, str], pd.DataFrame]:
    """``frame``'s rows per curve (domain, task, model as text), in their order."""
    if frame.empty:
        return {}
    keys = [frame[column].astype(str) for column in CURVE_COLUMNS]
    return {key: rows for key, rows in frame.groupby(keys, sort=False)}


class CurveFigures:
    """The figures of :func:`curve_figure` for the curves of one ``scores`` and
    ``predictions``, drawn faster than one by one.

    The tables are made numeric and split by curve once. A figure is drawn on the previous
    one's figure, its panels cleared of their data, when the grid of panels is the same (it
    is: every figure has a panel per estimator of ``scores``), so the axes, their ticks and the
    cached text layout of the renderer are made once. The figure returned by :meth:`figure` is
    therefore only valid until the next call: render it first. The images are the same, byte
    for byte, as :func:`curve_figure`'s.
    """

    def __init__(
        self,
        scores: pd.DataFrame,
        predictions: pd.DataFrame,
        axis_labels: tuple[str, str] = (X_LABEL, Y_LABEL),
    ) -> None:
        scores = numeric(scores, ["rmse"])
        predictions = numeric(predictions, PREDICTION_NUMBERS)
        self.names = estimator_order(scores["estimator"].astype(str))
        self.axis_labels = tuple(axis_labels)
        self._scores, self._no_scores = _by_curve(scores), scores.iloc[0:0]
        self._predictions, self._no_predictions = _by_curve(predictions), predictions.iloc[0:0]
        self._figures: dict[tuple[int, int], tuple[Figure, np.ndarray]] = {}

    def keys(self) -> list[CurveKey]:
        """The curves of ``scores``, sorted."""
        return sorted(CurveKey(*key) for key in self._scores)

    def figure(self, key: CurveKey) -> Figure:
        """The figure of curve ``key`` (valid until the next call)."""
        if not self.names:
            raise NotApplicable("scores of at least one estimator")
        triple = (key.domain, key.task, key.model)
        score_rows = self._scores.get(triple, self._no_scores)
        pred_rows = self._predictions.get(triple, self._no_predictions)
        shape = _grid_shape(len(self.names))
        # Without a law grid the limits are matplotlib's own (autoscaled): a fresh figure.
        reuse = _curve_data(pred_rows, self.names).grid.size > 0
        if reuse and shape in self._figures:
            fig, axes = self._figures[shape]
            _clear(fig)
        else:
            fig, axes = _new_figure(*shape, True)
            if reuse:
                self._figures[shape] = fig, axes
        curves = [(score_rows, pred_rows)]
        _draw(fig, axes, self.names, curves, [""], key.title, self.axis_labels, pred_rows)
        return fig


def _clear(fig: Figure) -> None:
    """Remove what :func:`_draw` added to a figure of panels: its data, notes and legend."""
    for ax in fig.axes:
        for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts]:
            artist.remove()
    for legend in list(fig.legends):
        legend.remove()
