"""How BNSL's default number of breaks was chosen: a backtest on the fit points only.

Usage: python benchmarks/bnsl_breaks.py [--data GLOB]

For every curve and breaks ∈ {0, 1, 2}: fit BNSL on the fit points (Training=1) whose log x
lies in the first 2/3 of the fit range, predict the remaining fit points, and record the
log-RMSE. The extrapolation points (Training=0) are never read. Prints, per number of breaks,
the per-domain and overall mean over the curves that variant could fit, the count, and the
CPU seconds.
"""

from __future__ import annotations

import argparse
import glob
import time

import numpy as np
import pandas as pd

from scalinglaws.curves import Curve, read_curves
from scalinglaws.errors import FitError
from scalinglaws.estimators.bnsl import BNSL
from scalinglaws.metrics import extrapolation_rmse

SPLIT = 2.0 / 3.0  # share of the fit range of log x used to refit


def backtest_error(curve: Curve, breaks: int) -> float:
    """Log-RMSE on the last third of the fit range after fitting on the first two thirds."""
    log_x = np.log(curve.x_fit)
    early = log_x <= log_x.min() + SPLIT * (log_x.max() - log_x.min())
    try:
        fit = BNSL(breaks=breaks).fit(curve.x_fit[early], curve.y_fit[early])
    except FitError:
        return float("nan")
    return extrapolation_rmse(curve.y_fit[~early], fit.predict(curve.x_fit[~early]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/benchmark/*.csv")
    curves = read_curves(sorted(glob.glob(parser.parse_args().data)))
    for breaks in (0, 1, 2):
        start = time.process_time()
        errors = pd.DataFrame(
            [(c.key.domain, backtest_error(c, breaks)) for c in curves], columns=["domain", "rmse"]
        )
        per_domain = errors.groupby("domain")["rmse"].mean().round(5).to_dict()
        print(
            f"breaks={breaks}: mean {errors['rmse'].mean():.5f} over {errors['rmse'].count()} "
            f"curves; per domain {per_domain}; {time.process_time() - start:.1f} s CPU"
        )


if __name__ == "__main__":
    main()
