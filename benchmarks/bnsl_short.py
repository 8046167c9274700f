"""How many BNSL breaks a short curve supports: a backtest on fit points only.

Usage: python benchmarks/bnsl_short.py [--data GLOB ...]

For every curve with at least 6 fit points (Training = 1): the fit points whose log x lies
in the first 2/3 of the fit range are the "early" points, the others the held-out points.
For n = 4..10 (at most the number of early points), n early points evenly spread by rank
(first and last included) are fitted with 0 and with 1 break, and the log-RMSE on the
held-out points is recorded. The extrapolation points (Training = 0) are never read.
Prints, per family and n, the mean and median log-RMSE of each variant and the share of
curves on which 1 break beats 0.
"""

from __future__ import annotations

import argparse
import glob
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.curves import Curve, read_curves
from scalinglaws.errors import FitError
from scalinglaws.estimators.bnsl import bnsl_law, fit_bnsl
from scalinglaws.metrics import extrapolation_rmse

ROOT = Path(__file__).resolve().parents[1]
DATA = ("data/benchmark/*.csv", "/work/shared/data/dev/*.csv")
SPLIT = 2.0 / 3.0
SIZES = range(4, 11)


def backtest(curve: Curve) -> list[tuple[int, int, float]]:
    """(n, breaks, held-out log-RMSE) for every size n the curve's early points allow."""
    log_x = np.log(curve.x_fit)
    early = log_x <= log_x.min() + SPLIT * (log_x.max() - log_x.min())
    x, y = curve.x_fit[early], curve.y_fit[early]
    rows = []
    for n in SIZES:
        if n > x.size or (~early).sum() == 0:
            break
        pick = np.unique(np.round(np.linspace(0, x.size - 1, n)).astype(int))
        for breaks in (0, 1):
            try:
                params, _ = fit_bnsl(x[pick], y[pick], breaks)
            except FitError:
                continue
            y_hat = bnsl_law(params, curve.x_fit[~early])
            rows.append((n, breaks, extrapolation_rmse(curve.y_fit[~early], y_hat)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="*", default=list(DATA))
    patterns = parser.parse_args().data
    paths = sorted(p for pattern in patterns for p in glob.glob(str(ROOT / pattern)))
    rows = [
        (c.key.domain if c.key.domain in ("OLMO", "GADRE", "PYTHIA") else "benchmark", c.key, *r)
        for c in read_curves(paths)
        if c.n_fit >= 6
        for r in backtest(c)
    ]
    frame = pd.DataFrame(rows, columns=["family", "curve", "n", "breaks", "rmse"])
    wide = frame.pivot_table(index=["family", "curve", "n"], columns="breaks", values="rmse")
    wide = wide.dropna().reset_index()
    table = wide.groupby(["family", "n"]).agg(
        curves=(0, "size"),
        mean_0=(0, "mean"),
        mean_1=(1, "mean"),
        median_0=(0, "median"),
        median_1=(1, "median"),
        one_wins=(1, lambda s: float(np.mean(s < wide.loc[s.index, 0]))),
    )
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(table.round(4))


if __name__ == "__main__":
    main()
