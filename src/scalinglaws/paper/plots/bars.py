"""Figure 1 (bottom): the fraction of a domain's curves on which each estimator is best."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scalinglaws.plots.curves import estimator_order
from scalinglaws.plots.theme import NotApplicable, figure
from scalinglaws.rankings import domain_order

DOMAIN_NAMES = {
    "IC": "Image Classification",
    "NMT": "NMT",
    "LM": "Language Modeling",
    "BB": "BIG-Bench",
}


def fig1_bottom(rankings: pd.DataFrame) -> Figure:
    """Grouped bars of ``win_fraction``: x the domains, one bar per estimator."""
    if rankings.empty:
        raise NotApplicable("rankings of at least one domain")
    table = rankings.copy()
    table["win_fraction"] = pd.to_numeric(table["win_fraction"], errors="coerce")
    domains = domain_order(table["domain"].astype(str))
    estimators = estimator_order(table["estimator"].astype(str))
    values = table.pivot_table(
        index="domain", columns="estimator", values="win_fraction", aggfunc="first"
    ).reindex(index=domains, columns=estimators)
    fig, ax = figure(figsize=(max(6.0, 1.6 * len(domains) + 2.0), 3.6))
    width = 0.8 / len(estimators)
    positions = np.arange(len(domains))
    for i, name in enumerate(estimators):
        heights = values[name].to_numpy(dtype=float)
        bars = ax.bar(
            positions + (i - (len(estimators) - 1) / 2) * width, heights, width, label=name
        )
        ax.bar_label(bars, fmt="%.2f", fontsize="x-small", padding=1.5)
    ax.set_xticks(positions, [DOMAIN_NAMES.get(d, d) for d in domains])
    ax.set_xlabel("Domain")
    ax.set_ylabel("Fraction of curves best")
    top = float(np.nanmax(values.to_numpy(dtype=float), initial=0.0))
    ax.set_ylim(0, max(1.0, top) * 1.1)
    fig.legend(title="Estimator", loc="outside right upper", frameon=False)
    return fig
