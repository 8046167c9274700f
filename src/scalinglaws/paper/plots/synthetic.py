"""Figure 2: excess risk of synthetic logistic regression and the laws fitted above a cutoff.

One panel per cutoff τ: the simulated excess risk ε_x − δ (dots; points below τ lighter, as
they are not fitted) and each estimator's predicted excess risk ε̂_x − δ on log-log axes,
with the paper's exponent c in the legend (Alabdulmohsin et al. 2022, Figure 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scalinglaws.plots import laws
from scalinglaws.plots.theme import figure

# The paper's colours: M1 dark grey, M2 red, M3 green, M4 purple; others follow the palette.
COLORS = {"M1": "dimgray", "M2": "tab:red", "M3": "tab:green", "M4": "tab:purple"}
EXTEND = 2.0  # the fitted laws are drawn up to EXTEND × the largest size


def exponent_table(fits: pd.DataFrame, paper: dict[float, dict[str, float]]) -> pd.DataFrame:
    """Columns ``cutoff, estimator, c, paper_c, difference, status, error``; c in the paper's
    sign (``exponent_sign`` of the estimator), paper_c from ``paper[cutoff][estimator]``."""
    rows = []
    for fit in fits.itertuples(index=False):
        c = laws.scaling_exponent(fit.estimator, fit.params) if fit.status == "ok" else np.nan
        printed = paper.get(fit.cutoff, {}).get(fit.estimator, np.nan)
        rows.append((fit.cutoff, fit.estimator, c, printed, c - printed, fit.status, fit.error))
    columns = ["cutoff", "estimator", "c", "paper_c", "difference", "status", "error"]
    return pd.DataFrame(rows, columns=columns)


def fig2(curve: pd.DataFrame, fits: pd.DataFrame, noise: float, caption: str = "") -> Figure:
    """Three (one per cutoff) log-log panels of excess risk against data size."""
    cutoffs = list(dict.fromkeys(fits["cutoff"]))
    fig, axes = figure(
        1, len(cutoffs), figsize=(4.2 * len(cutoffs) + 0.4, 4.2), squeeze=False, sharey=True
    )
    x = curve["x"].to_numpy(dtype=float)
    excess = curve["excess_risk"].to_numpy(dtype=float)
    grid = np.geomspace(x.min(), EXTEND * x.max(), 300)
    table = exponent_table(fits, {})
    for ax, cutoff in zip(axes[0], cutoffs, strict=True):
        used = x >= cutoff
        ax.scatter(x[~used], excess[~used], s=12, color="0.7", lw=0, zorder=3)
        ax.scatter(x[used], excess[used], s=12, color="black", lw=0, zorder=3)
        mine = fits[(fits["cutoff"] == cutoff) & (fits["status"] == "ok")]
        for fit, c in zip(mine.itertuples(index=False), table.loc[mine.index, "c"], strict=True):
            predicted = laws.rebuild(fit.estimator, fit.params, grid) - noise
            shown = np.where(predicted > 0, predicted, np.nan)
            ax.plot(
                grid, shown, color=COLORS.get(fit.estimator), label=f"{fit.estimator} c={c:.2f}"
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"Cutoff = {cutoff:,g}".replace(",", "_"), y=1.0)  # see curves._draw_panel
        ax.set_xlabel("Data Size")
        if mine.size:
            ax.legend(loc="lower left", fontsize="small")
    axes[0][0].set_ylabel("Excess Risk")
    axes[0][0].set_ylim(max(1e-4, 0.5 * excess.min()), 1.0)
    if caption:
        fig.suptitle(caption, fontsize="small", fontweight="normal")
    return fig
