"""Figures of the comparisons and of the two-variable law (scalinglaws.compare, .joint_law)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scalinglaws.comparisons import TaskComparison
from scalinglaws.curves import readable
from scalinglaws.joint_law import JointFit, compute_optimal, log_law
from scalinglaws.plots.curves import log_ticks, y_limits
from scalinglaws.plots.theme import (
    DEFAULT_FORMATS,
    EXTRAPOLATION_COLOR,
    X_LABEL,
    Y_LABEL,
    figure,
    save,
)
from scalinglaws.uncertainty import percentile_interval


def task_slug(domain: str, task: str) -> str:
    """A file-name-safe name of a (domain, task)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{domain}_{task}").strip("._-") or "task"


def comparison_figure(
    task: TaskComparison,
    rows: pd.DataFrame,
    stem: str | Path,
    formats: Iterable[str] = DEFAULT_FORMATS,
    axis_labels: tuple[str, str] = (X_LABEL, Y_LABEL),
) -> None:
    """Every model's law with its 95 % band, its points, and the crossovers of its pairs.

    The y axis spans the data and the laws (widened by at most the data's own log span), so a
    band that grows far beyond the data is cut at the axis instead of flattening the curves.
    Each crossover is a black cross labelled with its x.
    """
    fig, ax = figure(figsize=(7.5, 5.0))
    drawn = [np.concatenate([[*m.curve.y_fit, *m.curve.y_test] for m in task.members])]
    for k, (member, grid) in enumerate(zip(task.members, task.grids, strict=True)):
        color = f"C{k % 10}"
        curve = member.curve
        lo, hi = percentile_interval(grid.samples)
        ax.fill_between(grid.grid, lo, hi, color=color, alpha=0.12, linewidth=0)
        ax.plot(grid.grid, grid.base, color=color, lw=1.8, label=curve.key.model)
        drawn.append(np.asarray(grid.base, dtype=float))
        ax.scatter(curve.x_fit, curve.y_fit, s=8, color=color, lw=0)
        ax.scatter(curve.x_test, curve.y_test, s=14, color=color, marker="^",
                   edgecolors=EXTRAPOLATION_COLOR, linewidths=0.6)  # fmt: skip
    crossed = _mark_crossovers(ax, task, rows)
    ax.set(xscale="log", yscale="log", xlabel=axis_labels[0], ylabel=axis_labels[1])
    ax.set_title(f"{task.domain} / {readable(task.task)}")
    y_lo, y_hi = y_limits(drawn)
    ax.set_ylim(y_lo, y_hi)
    log_ticks(ax, y_lo, y_hi)
    models = ax.legend(title="Model", fontsize="x-small", title_fontsize="small", ncol=2,
                       loc="upper right")  # fmt: skip
    ax.add_artist(models)
    ax.legend(handles=_marker_handles(crossed), fontsize="x-small", loc="lower left")
    save(fig, stem, formats)


def _marker_handles(crossed: bool) -> list[Line2D]:
    """Legend entries of the markers shared by every model."""
    handles = [
        Line2D([], [], ls="", marker="o", ms=4, color="grey", label="fit points"),
        Line2D(
            [],
            [],
            ls="",
            marker="^",
            ms=5,
            color="grey",
            mec=EXTRAPOLATION_COLOR,
            label="held-out points",
        ),
        Patch(facecolor="grey", alpha=0.25, label="95 % band"),
    ]
    if crossed:
        handles.append(Line2D([], [], ls="", marker="x", color="black", label="crossover (x)"))
    return handles


def _mark_crossovers(ax, task: TaskComparison, rows: pd.DataFrame) -> bool:
    """A black cross, labelled with its x, where two base laws cross; whether there is one."""
    models = {m.curve.key.model: m for m in task.members}
    pairs = rows.drop_duplicates(["model_a", "model_b"])
    found = False
    for r in pairs.itertuples():
        if np.isfinite(r.crossover_x):
            y = models[r.model_a].predict([r.crossover_x])[0]
            ax.plot([r.crossover_x], [y], marker="x", color="black", markersize=7, linestyle="")
            ax.annotate(short_number(r.crossover_x), (r.crossover_x, y), xytext=(4, 5),
                        textcoords="offset points", fontsize="x-small", zorder=6,
                        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none",
                              "pad": 0.8})  # fmt: skip
            found = True
    return found


def short_number(x: float) -> str:
    """``1.6e9`` for 1.6e+09, ``3e7``; plain below 10,000 (``250``)."""
    if abs(x) < 1e4:
        return f"{x:.3g}"
    mantissa, exponent = f"{x:.2g}".split("e")
    return f"{mantissa}e{int(exponent)}"


def joint_law_figure(fit: JointFit, stem: str | Path) -> None:
    """Iso-loss contours of L(N, D) in log-log (N, D), the data, and the N*(C), D*(C) frontier."""
    data = fit.data
    log_n = np.linspace(np.log(data.n.min()) - 1.0, np.log(data.n.max()) + 2.0, 120)
    log_d = np.linspace(np.log(data.d.min()) - 1.0, np.log(data.d.max()) + 2.0, 120)
    grid_n, grid_d = np.meshgrid(log_n, log_d)
    loss = np.exp(log_law(fit.theta, grid_n, grid_d))
    fig, ax = figure(figsize=(6.5, 5.6))
    contours = ax.contour(np.exp(grid_n), np.exp(grid_d), loss, levels=12, cmap="viridis")
    ax.clabel(contours, fontsize="x-small", fmt="%.3g")
    keep = ~data.holdout
    ax.scatter(data.n[keep], data.d[keep], s=6, color="black", label="fitted points")
    ax.scatter(data.n[data.holdout], data.d[data.holdout], s=10, color=EXTRAPOLATION_COLOR,
               label="holdout (largest model, Training = 0)")  # fmt: skip
    budgets = np.geomspace(6 * np.exp(log_n[0] + log_d[0]), 6 * np.exp(log_n[-1] + log_d[-1]), 60)
    frontier = compute_optimal(fit.theta, budgets)
    inside = (frontier["n_opt"] >= np.exp(log_n[0])) & (frontier["n_opt"] <= np.exp(log_n[-1]))
    ax.plot(frontier["n_opt"][inside], frontier["d_opt"][inside], color="tab:red",
            label="compute-optimal N*(C), D*(C)")  # fmt: skip
    ax.set(xscale="log", yscale="log", xlabel="Model size N", ylabel="Examples seen D",
           xlim=(np.exp(log_n[0]), np.exp(log_n[-1])), ylim=(np.exp(log_d[0]), np.exp(log_d[-1])),
           title="L(N, D) iso-loss contours")  # fmt: skip
    # Below the axes, so that it never hides a contour label.
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    save(fig, stem)
