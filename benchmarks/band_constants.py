"""Choose the predictive band's global constants on fit points only (no Training=0 point).

Usage: python benchmarks/band_constants.py [--data GLOB] [--holdout 0.7]

Every curve is cut to its first ``holdout`` share of fit points (scalinglaws.calibration.held_out;
the Training=0 points are dropped), M1-M4 are fitted with config.yaml's options, and for each
candidate (backtest_fraction, kappa_prior, prior_weight) the bands of the cut curves are scored
on the held-out later fit points. Prints the pooled coverage at 50/80/95 %, the pooled mean
log-likelihood and the 80 % coverage per domain; the chosen row minimises
Σ_levels |coverage − level| (pooled over domains and estimators).
"""

from __future__ import annotations

import argparse
import glob
import itertools
import json

import numpy as np
import pandas as pd
import yaml

from scalinglaws.bands import BandSettings, predictive
from scalinglaws.calibration import LEVELS, coverage_column, held_out, point_scores
from scalinglaws.curves import CurveKey, read_curves
from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators import registry
from scalinglaws.fitting import fit_curves

GRID = {
    "backtest_fraction": [0.5, 0.6, 0.7],
    "kappa_prior": [0.0, 0.02, 0.05, 0.1],
    "prior_weight": [0.0, 2.0, 5.0, 10.0],
}


def scored_points(fits: list, settings: BandSettings) -> pd.DataFrame:
    """Per held-out point: inside each band and log density, for one candidate setting."""
    frames = []
    for domain, name, curve, params in fits:
        cls = registry.ESTIMATORS[name]
        try:
            band = predictive(cls, params, curve.x_fit, curve.y_fit, curve.x_test, settings)
        except (ScalingLawsError, ArithmeticError, ValueError):
            continue
        df = np.full(curve.n_test, band.df)
        scores = point_scores(curve.y_test, np.exp(band.center), band.scale, df, LEVELS)
        frames.append(pd.DataFrame({"domain": domain, **scores}))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/benchmark/*.csv")
    parser.add_argument("--holdout", type=float, default=0.7)
    args = parser.parse_args()
    with open("config.yaml", encoding="utf-8") as handle:
        estimators = yaml.safe_load(handle)["estimators"]
    curves = held_out(read_curves(sorted(glob.glob(args.data))), args.holdout)
    by_key = {curve.key: curve for curve in curves}
    scores, _ = fit_curves(curves, estimators)
    ok = scores[scores["status"] == "ok"].itertuples()
    fits = [
        (r.domain, r.estimator, by_key[CurveKey(r.domain, r.task, r.model)], json.loads(r.params))
        for r in ok
    ]
    rows = []
    for values in itertools.product(*GRID.values()):
        candidate = dict(zip(GRID, values, strict=True))
        if (candidate["kappa_prior"] == 0) != (candidate["prior_weight"] == 0):
            continue
        points = scored_points(fits, BandSettings(**candidate))
        pooled = points.drop(columns="domain").mean()
        miss = sum(abs(pooled[coverage_column(lv)] - lv) for lv in LEVELS)
        cover_80 = coverage_column(0.8)
        per_domain = points.groupby("domain")[cover_80].mean().add_prefix(f"{cover_80}_")
        rows.append({**candidate, **pooled.to_dict(), "miss": miss, **per_domain.to_dict()})
    table = pd.DataFrame(rows).sort_values("miss", kind="stable")
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
