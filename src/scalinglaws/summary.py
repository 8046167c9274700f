"""A few lines on a finished run: where the results are, the best estimator per domain, and a
few forecasts (the workflow prints them when it succeeds).

Every part reads its file only if it is there and readable, so a partial run (``--until``, a
single target) still gets the lines it can, and a missing or malformed file costs one line
saying so, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from scalinglaws.curves import CurveKey

SCALE = 10.0
"""The forecast scale shown (a multiple of each curve's largest x)."""
N_FORECASTS = 3
"""Forecast lines shown per dataset."""


def run_summary(
    results: str | Path, datasets: Sequence[str], preferred: Sequence[str | None] = ()
) -> list[str]:
    """The summary lines of ``datasets`` under ``results`` (``results/<dataset>/...``).

    ``preferred``: estimators to show forecasts of, first present wins (e.g. the recommended
    one); otherwise the first estimator in forecasts.csv.
    """
    results = Path(results)
    lines = [
        f"Results in {results}/<dataset>/: scores.csv, forecasts.csv, rankings.csv, tables/, "
        "figures/; an HTML report: snakemake --report report.html"
    ]
    for dataset in datasets:
        folder = results / dataset
        lines.append(f"{dataset}:")
        lines += ["  " + line for line in _safely(ranking_lines, folder / "rankings.csv")]
        forecasts = _safely(forecast_lines, folder / "forecasts.csv", preferred)
        lines += ["  " + line for line in forecasts]
    return lines


def _safely(lines_of: Callable[..., list[str]], path: Path, *args: Any) -> list[str]:
    """``lines_of(path, *args)``, or one line saying why ``path`` cannot be summarised."""
    try:
        return lines_of(path, *args)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [f"{path}: cannot summarise ({type(exc).__name__}: {exc})"]


def ranking_lines(path: Path) -> list[str]:
    """Per domain, the estimator with the lowest mean RMSE and its win fraction."""
    table = _read(path)
    if table is None:
        return [f"no rankings ({path} is missing or unreadable)"]
    parts = []
    for domain, rows in table.groupby("domain", sort=False):
        scored = rows[rows["mean_rmse"].notna()]
        if scored.empty:
            unscored = int(rows["n_unscored"].iloc[0]) if "n_unscored" in rows else 0
            parts.append(f"{domain}: no scored curve ({unscored} unscored)")
            continue
        best = scored.loc[scored["mean_rmse"].idxmin()]
        parts.append(
            f"{domain}: {best['estimator']} (mean RMSE {best['mean_rmse']:.3g}, "
            f"wins {best['win_fraction']:.0%} of {int(best['n_curves'])} curves)"
        )
    return ["best by mean RMSE: " + "; ".join(parts)] if parts else ["rankings are empty"]


def forecast_lines(
    path: Path, preferred: Sequence[str | None] = (), n: int = N_FORECASTS, scale: float = SCALE
) -> list[str]:
    """A count of the forecasts, and ``n`` curves' forecasts at ``scale``× by one estimator."""
    table = _read(path)
    if table is None:
        return [f"no forecasts ({path} is missing or unreadable)"]
    ok = table[table["status"] == "ok"]
    head = f"{len(table)} forecasts ({len(ok)} ok) in {path}"
    estimators = list(dict.fromkeys(ok["estimator"]))
    name = next((e for e in preferred if e in estimators), estimators[0] if estimators else None)
    rows = ok[(ok["estimator"] == name) & ok["scale"].map(lambda s: math.isclose(s, scale))]
    if rows.empty:
        return [head]
    level = rows["level"].iloc[0]
    lines = [f"{head}; {name} at {scale:g}x the largest x, with its {level:.0%} band:"]
    for row in rows.head(n).itertuples():
        title = CurveKey(str(row.domain), str(row.task), str(row.model)).title
        lines.append(
            f"  {title}: {row.y_pred:.4g} "
            f"[{row.y_lo:.4g}, {row.y_hi:.4g}] at x = {row.x:.3g} (last {row.last_y:.4g})"
        )
    if len(rows) > n:
        more = len(rows) - n
        lines.append(f"  ... and {more} more curve{'s' if more > 1 else ''}")
    return lines


def _read(path: Path) -> pd.DataFrame | None:
    """The CSV at ``path``, or None if it is missing or cannot be read."""
    try:
        return pd.read_csv(path)
    except (OSError, ValueError):
        return None
