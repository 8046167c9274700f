"""Figures of the comparisons and of the two-variable law (scalinglaws.compare, .joint_law)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.comparisons import TaskComparison
from scalinglaws.joint_law import JointFit, compute_optimal, log_law
from scalinglaws.plots.theme import EXTRAPOLATION_COLOR, X_LABEL, Y_LABEL, figure, save
from scalinglaws.uncertainty import percentile_interval


def task_slug(domain: str, task: str) -> str:
    """A file-name-safe name of a (domain, task)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{domain}_{task}").strip("._-") or "task"


def comparison_figure(task: TaskComparison, rows: pd.DataFrame, stem: str | Path) -> None:
    """Every model's law with its 95 % band, its points, and the crossovers of its pairs."""
    fig, ax = figure(figsize=(7, 4.5))
    for k, (member, grid) in enumerate(zip(task.members, task.grids, strict=True)):
        color = f"C{k % 10}"
        curve = member.curve
        lo, hi = percentile_interval(grid.samples)
        ax.fill_between(grid.grid, lo, hi, color=color, alpha=0.15, linewidth=0)
        ax.plot(grid.grid, grid.base, color=color, label=curve.key.model)
        ax.scatter(curve.x_fit, curve.y_fit, s=8, color=color)
        ax.scatter(curve.x_test, curve.y_test, s=8, color=color, marker="^",
                   edgecolors=EXTRAPOLATION_COLOR, linewidths=0.6)  # fmt: skip
    _mark_crossovers(ax, task, rows)
    ax.set(xscale="log", yscale="log", xlabel=X_LABEL, ylabel=Y_LABEL,
           title=f"{task.domain} / {task.task}")  # fmt: skip
    ax.legend(fontsize="x-small", ncol=2)
    save(fig, stem)


def _mark_crossovers(ax, task: TaskComparison, rows: pd.DataFrame) -> None:
    """A black cross where two base laws cross (one per pair that has a crossover)."""
    models = {m.curve.key.model: m for m in task.members}
    pairs = rows.drop_duplicates(["model_a", "model_b"])
    for r in pairs.itertuples():
        if np.isfinite(r.crossover_x):
            y = models[r.model_a].predict([r.crossover_x])[0]
            ax.plot([r.crossover_x], [y], marker="x", color="black", markersize=7, linestyle="")


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
