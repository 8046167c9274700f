"""Scaling exponents: Figure 6 (IC n-shot ImageNet), Figure 7 (excess risk) and Figure 9 (LM).

The exponent is the paper's c (negative: the loss falls with data), read from the stored
parameters of every estimator whose fits have a ``c`` (see :func:`laws.scaling_exponent`).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import (
    FormatStrFormatter,
    LogLocator,
    MaxNLocator,
    NullFormatter,
    NullLocator,
)

from scalinglaws.fitting import FITTED_STATUSES
from scalinglaws.plots import laws
from scalinglaws.plots.curves import (
    LM_DOMAIN,
    MAX_COLUMNS,
    estimator_order,
    model_size,
    numeric,
)
from scalinglaws.plots.theme import X_LABEL, NotApplicable, figure

IC_DOMAIN = "IC"
SHOT_TASK = re.compile(r"inet_(\d+)")
FAMILIES = ["BiT", "ViT", "MiX"]
# Within a family, the paper's small model first (drawn blue), then the large one (orange).
MODEL_ORDER = ["BiT/50/1", "BiT/101/3", "ViT/S/16", "ViT/B/16", "MiX/B/16", "MiX/L/16"]
C_LABEL = "Scaling exponent c"


def exponents(scores: pd.DataFrame) -> pd.DataFrame:
    """The successful fits that have a ``c``, with a column ``c`` in the paper's sign."""
    ok = scores[scores["status"].astype(str).isin(FITTED_STATUSES)].copy()
    ok["c"] = [
        laws.scaling_exponent(str(name), params)
        for name, params in zip(ok["estimator"], ok["params"], strict=True)
    ]
    return ok[np.isfinite(ok["c"].to_numpy(dtype=float))]


def _family_order(families) -> list[str]:
    present = set(families)
    return [f for f in FAMILIES if f in present] + sorted(present - set(FAMILIES))


def _model_rank(model: str) -> tuple:
    return (MODEL_ORDER.index(model), "") if model in MODEL_ORDER else (len(MODEL_ORDER), model)


def fig6(scores: pd.DataFrame) -> Figure:
    """c against n (ImageNet n-shot), one column per architecture family, row per estimator."""
    table = exponents(scores)
    shots = table["task"].astype(str).str.fullmatch(SHOT_TASK.pattern)
    table = table[(table["domain"].astype(str) == IC_DOMAIN) & shots].copy()
    if table.empty:
        raise NotApplicable("IC curves of ImageNet n-shot tasks (inet_<n>) with a fitted c")
    table["shot"] = table["task"].astype(str).str.extract(SHOT_TASK.pattern)[0].astype(int)
    table["family"] = table["model"].astype(str).str.split("/").str[0]
    estimators = estimator_order(table["estimator"].astype(str))
    families = _family_order(table["family"])
    shots = sorted(table["shot"].unique())
    fig, axes = figure(
        len(estimators),
        len(families),
        figsize=(3.3 * len(families) + 0.8, 2.6 * len(estimators) + 0.5),
        squeeze=False,
        sharex=True,
        sharey="row",
    )
    for row, name in enumerate(estimators):
        for col, family in enumerate(families):
            ax = axes[row][col]
            mine = table[(table["estimator"] == name) & (table["family"] == family)]
            for model in sorted(mine["model"].astype(str).unique(), key=_model_rank):
                line = mine[mine["model"] == model].sort_values("shot", kind="mergesort")
                ax.plot(line["shot"], line["c"], marker="o", label=model)
            if row == 0:  # the family's models, above its column (never over the data)
                ax.legend(
                    title=f"Model = {family}",
                    loc="lower center",
                    bbox_to_anchor=(0.5, 1.0),
                    ncol=2,
                    fontsize="small",
                    frameon=False,
                )
            if row == len(estimators) - 1:
                ax.set_xlabel("n-shot (ImageNet)")
        axes[row][0].set_ylabel(f"{name}\n{C_LABEL}")
    axes[0][0].set_xticks(shots)
    return fig


def fig9(scores: pd.DataFrame) -> Figure:
    """c against language-model size (billions of parameters), one panel per estimator, at
    most four to a row."""
    table = exponents(scores)
    table = table[table["domain"].astype(str) == LM_DOMAIN].copy()
    table["size"] = [model_size(m) for m in table["model"].astype(str)]
    table = table[table["size"].notna()]
    if table.empty:
        raise NotApplicable("LM curves whose model names are sizes (e.g. 1.07e+09) with a fitted c")
    table["size"] = table["size"].astype(float) / 1e9
    estimators = estimator_order(table["estimator"].astype(str))
    tasks = sorted(table["task"].astype(str).unique())
    n_rows, n_cols = math.ceil(len(estimators) / MAX_COLUMNS), min(len(estimators), MAX_COLUMNS)
    fig, axes = figure(
        n_rows, n_cols, figsize=(3.0 * n_cols + 0.5, 2.9 * n_rows + 0.3), squeeze=False
    )
    for k, ax in enumerate(axes.ravel()):
        if k >= len(estimators):
            ax.set_axis_off()
            continue
        name = estimators[k]
        for task in tasks:
            line = table[(table["estimator"] == name) & (table["task"] == task)]
            line = line.sort_values("size", kind="mergesort")
            ax.plot(line["size"], line["c"], marker="o", label=task)
        ax.set_title(name, y=1.0)  # y given: see curves._draw_panel
        if k % n_cols == 0:
            ax.set_ylabel(C_LABEL)
        ax.yaxis.set_major_locator(MaxNLocator(5))
        # c in full, never as an offset text above the axes (where the title is)
        ax.ticklabel_format(axis="y", useOffset=False)
    fig.supxlabel("Model size (billions of parameters)")
    if len(tasks) > 1:
        fig.legend(title="Task", loc="outside right upper", frameon=False)
    return fig


EXCESS_ESTIMATOR = "M4"
EXCESS_TASK = "inet_10"


def fig7(scores: pd.DataFrame, predictions: pd.DataFrame) -> Figure:
    """Excess risk ε_x − ε_∞ (ε_∞ of M4) of ImageNet 10-shot against examples seen, log-log.

    One panel per architecture family, small and large model; dots are the data (fit and
    extrapolation points), dashed lines the fitted M4 law minus ε_∞, whose slope tends to c.
    """
    table = scores[
        (scores["domain"].astype(str) == IC_DOMAIN)
        & (scores["task"].astype(str) == EXCESS_TASK)
        & (scores["estimator"].astype(str) == EXCESS_ESTIMATOR)
        & scores["status"].astype(str).isin(FITTED_STATUSES)
    ]
    if table.empty:
        raise NotApplicable(f"{EXCESS_ESTIMATOR} fits of IC curves of task {EXCESS_TASK}")
    points = predictions[
        (predictions["domain"].astype(str) == IC_DOMAIN)
        & (predictions["task"].astype(str) == EXCESS_TASK)
        & (predictions["estimator"].astype(str) == EXCESS_ESTIMATOR)
    ]
    points = numeric(points, ["x", "y_true"])
    models = sorted(table["model"].astype(str).unique(), key=_model_rank)
    families = _family_order(m.split("/")[0] for m in models)
    fig, axes = figure(1, len(families), figsize=(3.6 * len(families) + 0.5, 3.6), squeeze=False)
    for ax, family in zip(axes[0], families, strict=True):
        for model in (m for m in models if m.split("/")[0] == family):
            params = laws.parse_params(table[table["model"] == model]["params"].iloc[0])
            mine = points[points["model"] == model]
            x = mine["x"].to_numpy(dtype=float)
            excess = mine["y_true"].to_numpy(dtype=float) - params["err_inf"]
            keep = excess > 0
            c = laws.scaling_exponent(EXCESS_ESTIMATOR, params)
            dots = ax.scatter(x[keep], excess[keep], s=8, alpha=0.6, lw=0)
            if x.size:
                grid = np.geomspace(x.min(), x.max(), 200)
                law = laws.rebuild(EXCESS_ESTIMATOR, params, grid) - params["err_inf"]
                ax.plot(
                    grid,
                    law,
                    ls="--",
                    color=dots.get_facecolor()[0][:3],
                    alpha=1.0,
                    label=f"{model} (c = {c:.2f})",
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # 0.05, 0.1, 0.2, ...
        ax.yaxis.set_major_formatter(FormatStrFormatter("%.2g"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_title(f"Model = {family}", y=1.0)  # y given: see curves._draw_panel
        ax.set_xlabel(X_LABEL)
        ax.legend(loc="upper right", fontsize="small")
    axes[0][0].set_ylabel(f"Excess risk (ε − ε∞ of {EXCESS_ESTIMATOR})")
    return fig
