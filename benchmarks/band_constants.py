"""Choose the predictive band's constants per estimator on fit points only (no Training=0 point).

Usage: python benchmarks/band_constants.py [--data GLOB ...] [--estimators M4,BLEND,...]

The band (scalinglaws.bands) is log y ~ log ŷ(x) + s(x)·t_ν with

    s²(x) = m²·(σ² + f²) + κ²·r(x)²·D²,

σ² the residual variance of the fit points (n − k degrees of freedom), f = NOISE_FLOOR,
r(x) the log-x distance beyond the last fit point relative to the fit points' log-x range and
D the fitted law's drop of log ŷ over that range. Procedure (fixed on 2026-12-06 at 19:22 UTC,
before any Training=0 coverage of these bands was looked at):

1. Every curve of the benchmark and of the dev families (data/dev or ../shared/data/dev: OLMO,
   GADRE, PYTHIA) is cut to its early fit points, those with log x ≤ log x₁ + 0.7·(log xₙ −
   log x₁) (at least min(4, n − 1) points, at least one left out). Training=0 points are dropped
   before anything is fitted (scalinglaws.calibration.early_part).
2. Each estimator is fitted to the early points with config.yaml's options for the domain;
   its band ingredients (σ, k, D, r) come from that early fit alone, and the later fit points
   are its "extrapolation points".
3. For every candidate (m, κ, ν) in GRID, the coverage of each central band of level
   0.50, 0.51, …, 0.99 is computed per group (benchmark domains IC, NMT, LM, BB and each dev
   family), every curve weighing the same inside its group; the chosen row minimises the mean
   over groups of the MSCE (scalinglaws.calibration.msce). Ties keep the first row of GRID.

The printed BAND_CONSTANTS dict is pasted into scalinglaws/bands.py; the row ``default``
(used for an estimator without its own row, e.g. a new combination) is chosen the same way on
every listed estimator's points pooled (each estimator weighing the same in a group).
"""

from __future__ import annotations

import argparse
import glob
import itertools
import os

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from scalinglaws.bands import NOISE_FLOOR, ingredients
from scalinglaws.calibration import MSCE_LEVELS, early_part
from scalinglaws.curves import read_curves
from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators import registry

GRID = {
    "noise": [0.5, 0.7, 1.0, 1.4, 2.0],
    "kappa": [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5],
    "df": [2.0, 3.0, 5.0, 10.0],
}
DEV = ["data/dev/*.csv", "../shared/data/dev/*.csv", "/work/shared/data/dev/*.csv"]


def default_data() -> list[str]:
    """The benchmark and the first dev-family location that exists."""
    dev = next((pattern for pattern in DEV if glob.glob(pattern)), None)
    return ["data/benchmark/*.csv"] + ([dev] if dev else [])


def backtest_points(curves: list, name: str, spec: dict | None) -> pd.DataFrame:
    """Per later fit point of every curve: the group, curve, error and band ingredients."""
    cls = registry.ESTIMATORS[name]
    frames = []
    for curve in map(early_part, curves):
        options = registry.options_for(spec, curve.key.domain)
        try:
            params = registry.make(name, **options).fit(curve.x_fit, curve.y_fit).params
            parts = ingredients(cls, params, curve.x_fit, curve.y_fit, curve.x_test)
        except (ScalingLawsError, ArithmeticError, ValueError, np.linalg.LinAlgError):
            continue
        error = np.log(curve.y_test) - parts.center
        if not np.all(np.isfinite(error)):
            continue
        frames.append(pd.DataFrame({
            "group": curve.key.domain, "curve": curve.key.slug, "estimator": name,
            "error": error, "sigma2": parts.sigma2, "drift": parts.drift,
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def group_weights(points: pd.DataFrame) -> np.ndarray:
    """Each (estimator, curve) weighing the same inside its group; groups sum to 1."""
    size = points.groupby(["estimator", "curve"])["error"].transform("size")
    w = 1.0 / size
    return (w / w.groupby(points["group"]).transform("sum")).to_numpy()


def score_grid(points: pd.DataFrame) -> pd.DataFrame:
    """One row per GRID candidate: mean MSCE over groups and per-group 50/80/95 coverage."""
    levels = np.asarray(MSCE_LEVELS)
    weights = group_weights(points)
    error = np.abs(points["error"].to_numpy())
    sigma2 = points["sigma2"].to_numpy() + NOISE_FLOOR**2
    drift2 = points["drift"].to_numpy() ** 2
    groups = points.groupby("group").indices
    rows = []
    for noise, kappa, df in itertools.product(*GRID.values()):
        scale = np.sqrt(noise**2 * sigma2 + kappa**2 * drift2)
        level = 2.0 * stats.t.cdf(error / scale, df) - 1.0
        row: dict[str, float | str] = {"noise": noise, "kappa": kappa, "df": df}
        msces = []
        for group, index in sorted(groups.items()):
            inside = level[index][:, None] <= levels[None, :]
            coverage = weights[index] @ inside
            msces.append(float(np.mean((coverage - levels) ** 2)))
            for lv in (0.5, 0.8, 0.95):
                row[f"{group}_{round(100 * lv)}"] = round(float(coverage[levels == lv][0]), 3)
        row["msce"] = float(np.mean(msces))
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="*", default=None)
    parser.add_argument("--estimators", default=",".join(registry.names()))
    args = parser.parse_args()
    with open("config.yaml", encoding="utf-8") as handle:
        specs = yaml.safe_load(handle)["estimators"]
    paths = sorted(p for pattern in (args.data or default_data()) for p in glob.glob(pattern))
    print("data:", ", ".join(os.path.relpath(p) for p in paths))
    curves = read_curves(paths)
    names = args.estimators.split(",")
    pd.set_option("display.width", 250)
    chosen, pooled = {}, []
    for name in names:
        points = backtest_points(curves, name, specs.get(name))
        pooled.append(points)
        table = score_grid(points)
        best = table.loc[table["msce"].idxmin()]
        print(f"\n{name}: {points['curve'].nunique()} curves, best rows")
        print(table.nsmallest(3, "msce").round(4).to_string(index=False))
        chosen[name] = (best["noise"], best["kappa"], best["df"], best["msce"])
    table = score_grid(pd.concat(pooled, ignore_index=True))
    best = table.loc[table["msce"].idxmin()]
    chosen["default"] = (best["noise"], best["kappa"], best["df"], best["msce"])
    print("\nBAND_CONSTANTS = {")
    for name, (noise, kappa, df, msce) in chosen.items():
        print(f'    "{name}": BandConstants({noise}, {kappa}, {df}),  # backtest MSCE {msce:.4f}')
    print("}")


if __name__ == "__main__":
    main()
