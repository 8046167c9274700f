"""Figure 1 (bottom): the fraction of a domain's curves on which each estimator is best.

Two panels. Top, as in the paper: the paper's M1–M4 only, ranked among themselves from
``scores.csv``, with the paper's tie rules: tied winners share an IC curve (its IC bars sum
to 1) and each get the win of an NMT, LM or BB curve (those bars sum to more than 1; see
:mod:`scalinglaws.rankings`). Bottom: every estimator of the run, as in ``rankings.csv`` (tied
winners share the win, so a domain's bars sum to 1). Each bar carries its value; the bottom
panel's labels are vertical, so that eight bars to a domain never print over each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from scalinglaws.plots.curves import estimator_order, numeric
from scalinglaws.plots.theme import NotApplicable, figure
from scalinglaws.rankings import domain_order, rankings

DOMAIN_NAMES = {
    "IC": "Image Classification",
    "NMT": "NMT",
    "LM": "Language Modeling",
    "BB": "BIG-Bench",
}
PAPER_ESTIMATORS = ["M1", "M2", "M3", "M4"]
DECIMALS = 3  # the notebook's truncation of RMSE before ranking
SHARED_CREDIT_DOMAINS = ("IC",)  # the paper's other bars credit every tied estimator


def fig1_bottom(rankings_table: pd.DataFrame, scores: pd.DataFrame | None = None) -> Figure:
    """M1–M4 among themselves (from ``scores``, if it has them) over every estimator."""
    if rankings_table.empty:
        raise NotApplicable("rankings of at least one domain")
    every = _pivot(rankings_table)
    paper = _paper_wins(scores, list(every.index))
    colors = {name: f"C{i % 10}" for i, name in enumerate(every.columns)}
    panels = [] if paper is None else [(paper, "The paper's M1–M4, ranked among themselves")]
    panels.append((every, "Every estimator (ties share the win)"))
    fig, axes = figure(len(panels), 1, figsize=(8.0, 3.3 * len(panels) + 0.4), squeeze=False)
    for ax, (values, title) in zip(axes[:, 0], panels, strict=True):
        _bars(ax, values, colors, vertical_labels=len(values.columns) > len(PAPER_ESTIMATORS))
        ax.set_title(title, fontsize="medium", y=1.0)  # y given: see curves._draw_panel
    axes[-1, 0].set_xlabel("Domain")
    handles = list(axes[-1, 0].containers)  # every estimator, in the colours of both panels
    fig.legend(handles=handles, title="Estimator", loc="outside right upper", frameon=False)
    return fig


def _pivot(table: pd.DataFrame) -> pd.DataFrame:
    """win_fraction by domain (rows, paper order) and estimator (columns, registry order)."""
    table = numeric(table, ["win_fraction"])
    domains = domain_order(table["domain"].astype(str))
    estimators = estimator_order(table["estimator"].astype(str))
    values = table.pivot_table(
        index="domain", columns="estimator", values="win_fraction", aggfunc="first"
    )
    return values.reindex(index=domains, columns=estimators)


def _paper_wins(scores: pd.DataFrame | None, domains: list[str]) -> pd.DataFrame | None:
    """Win fractions of M1–M4 ranked among themselves (the paper's tie rules); None without."""
    if scores is None or scores.empty:
        return None
    mine = scores[scores["estimator"].astype(str).isin(PAPER_ESTIMATORS)]
    if mine.empty:
        return None
    mine = numeric(mine, ["rmse"]).astype({"estimator": str, "domain": str, "status": str})
    shared = rankings(mine, decimals=DECIMALS, credit="shared")
    full = rankings(mine, decimals=DECIMALS, credit="full")
    table = pd.concat([shared[shared["domain"].isin(SHARED_CREDIT_DOMAINS)],
                       full[~full["domain"].isin(SHARED_CREDIT_DOMAINS)]])  # fmt: skip
    return _pivot(table).reindex(index=domains)


def _bars(ax: Axes, values: pd.DataFrame, colors: dict, *, vertical_labels: bool) -> None:
    """Grouped bars (x: domains; one bar per estimator), each labelled with its value."""
    n = len(values.columns)
    width = 0.84 / n
    positions = np.arange(len(values.index))
    for i, name in enumerate(values.columns):
        heights = values[name].to_numpy(dtype=float)
        bars = ax.bar(positions + (i - (n - 1) / 2) * width, heights, width, label=name,
                      color=colors.get(name))  # fmt: skip
        labels = ["" if not np.isfinite(h) else f"{h:.2f}" for h in heights]
        ax.bar_label(bars, labels=labels, padding=2, fontsize="x-small",
                     rotation=90 if vertical_labels else 0)  # fmt: skip
    ax.set_xticks(positions, [DOMAIN_NAMES.get(d, d) for d in values.index])
    ax.set_ylabel("Fraction of curves best")
    top = float(np.nanmax(values.to_numpy(dtype=float), initial=0.0))
    ax.set_ylim(0, max(1.0, top) * 1.18)
    ax.grid(axis="x", visible=False)
