"""Every estimator on every curve of the benchmark and the dev families: status and errors.

Usage: python benchmarks/robustness.py OUT.csv [--data GLOB ...] [--estimators M1,M2,...]

Options come from config.yaml (``registry.options_for``: the benchmark domains get their
notebook settings, the dev families the defaults for unknown domains). One row per
(curve, estimator): status, the FitError reason, the fitted parameters (JSON), the fit-region
log-RMSE (Training = 1 points), the extrapolation log-RMSE (Training = 0, for reporting only)
and the CPU seconds. ``--summary`` prints failures and mean/median fit-region error per
(Domain, estimator) of a CSV written earlier.
"""

from __future__ import annotations

import argparse
import glob
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from scalinglaws.curves import read_curves
from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators import registry
from scalinglaws.metrics import extrapolation_rmse

ROOT = Path(__file__).resolve().parents[1]
DATA = ("data/benchmark/*.csv", "/work/shared/data/dev/*.csv")


def run(paths: list[str], names: list[str], config: dict) -> pd.DataFrame:
    rows = []
    for curve in read_curves(paths):
        for name in names:
            options = registry.options_for(config.get(name), curve.key.domain)
            row = {"domain": curve.key.domain, "task": curve.key.task, "model": curve.key.model,
                   "estimator": name, "n_fit": curve.n_fit, "status": "failed", "error": "",
                   "params": "{}", "fit_rmse": np.nan, "test_rmse": np.nan}  # fmt: skip
            start = time.process_time()
            try:
                fit = registry.make(name, **options).fit(curve.x_fit, curve.y_fit)
                row.update(
                    status="ok",
                    params=json.dumps(fit.params, sort_keys=True),
                    message=fit.message,
                    fit_rmse=extrapolation_rmse(curve.y_fit, fit.predict(curve.x_fit)),
                    test_rmse=extrapolation_rmse(curve.y_test, fit.predict(curve.x_test)),
                )
            except ScalingLawsError as exc:
                row["error"] = str(exc)
            row["seconds"] = time.process_time() - start
            rows.append(row)
    return pd.DataFrame(rows)


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (domain, estimator): curves, failures, mean/median fit- and test-region log-RMSE."""
    ok = frame["status"] == "ok"
    return (
        frame.assign(failed=~ok)
        .groupby(["domain", "estimator"], sort=False)
        .agg(
            curves=("status", "size"),
            failed=("failed", "sum"),
            fit_mean=("fit_rmse", "mean"),
            fit_median=("fit_rmse", "median"),
            test_mean=("test_rmse", "mean"),
            test_median=("test_rmse", "median"),
            seconds=("seconds", "sum"),
        )
        .round(4)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--data", nargs="*", default=list(DATA))
    parser.add_argument("--estimators", default=",".join(registry.names()))
    parser.add_argument("--summary", action="store_true", help="summarise OUT, do not fit")
    args = parser.parse_args()
    if not args.summary:
        config = yaml.safe_load((ROOT / "config.yaml").read_text())["estimators"]
        paths = sorted(p for pattern in args.data for p in glob.glob(str(ROOT / pattern)))
        run(paths, args.estimators.split(","), config).to_csv(args.out, index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(summary(pd.read_csv(args.out)))


if __name__ == "__main__":
    main()
