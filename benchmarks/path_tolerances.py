"""How the official-path emulation's tolerances trade CPU time for fidelity (M2 and M4).

Usage: python benchmarks/path_tolerances.py

For each setting of ``_official_path.JUMP_RTOL`` and ``MODEL_RTOL`` (the first row is the
tight setting used before 2026-11-23, the baseline), fits M2 and M4 on all 92 benchmark curves
in this process and prints: CPU seconds and their ratio to the baseline; pairs whose RMSE is
within max(1e-3, 2 %) of the reference (the official sample on 47 curves, the literal
transcription on the other 45: tests/data/*.csv); the largest deviation of a (domain, method)
mean RMSE from the reference's; and how many fits moved by more than 1e-6 (relative RMSE)
from the baseline's.
"""

from __future__ import annotations

import glob
import sys
import time

import numpy as np
import pandas as pd
from speed import AGREE_ABS, AGREE_REL, ROOT, options_for

from scalinglaws.curves import read_curves
from scalinglaws.estimators import _official_path as path
from scalinglaws.estimators import registry
from scalinglaws.estimators.base import forget_fits
from scalinglaws.metrics import extrapolation_rmse

SETTINGS = ((0.05, 0.02), (0.5, 0.1), (2.0, 0.1), (4.0, 0.1))  # (JUMP_RTOL, MODEL_RTOL)
METHODS = ("M2", "M4")
REFERENCES = ("official_m1_m4_sample.csv", "literal_m1_m4_other_half.csv")
KEY = ["domain", "task", "model", "method"]


def reference() -> pd.DataFrame:
    frames = [
        pd.read_csv(ROOT / "tests" / "data" / name, dtype={"task": str, "model": str})[
            [*KEY, "rmse"]
        ]
        for name in REFERENCES
    ]
    table = pd.concat(frames, ignore_index=True)
    return table[table["method"].isin(METHODS)].rename(columns={"rmse": "reference"})


def fit_all(curves: list, jump_rtol: float, model_rtol: float) -> tuple[float, pd.DataFrame]:
    """CPU seconds and per-pair RMSE of M2 and M4 on every curve at these tolerances."""
    path.JUMP_RTOL, path.MODEL_RTOL = jump_rtol, model_rtol
    forget_fits()  # remembered fits were made at other tolerances
    rows, start = [], time.process_time()
    for curve in curves:
        for method in METHODS:
            fit = registry.make(method, **options_for(curve.key.domain, method))
            y_pred = fit.fit(curve.x_fit, curve.y_fit).predict(curve.x_test)
            key = (curve.key.domain, curve.key.task, curve.key.model, method)
            rows.append((*key, extrapolation_rmse(curve.y_test, y_pred)))
    return time.process_time() - start, pd.DataFrame(rows, columns=[*KEY, "rmse"])


def main() -> int:
    curves = read_curves(sorted(glob.glob(str(ROOT / "data" / "benchmark" / "*.csv"))))
    ref = reference()
    print(f"{'JUMP_RTOL':>9} {'MODEL_RTOL':>10} {'CPU s':>7} {'ratio':>6} {'pairs ok':>9}"
          f" {'worst mean dev':>15} {'moved':>6}")  # fmt: skip
    baseline_seconds, baseline = None, None
    for jump_rtol, model_rtol in SETTINGS:
        seconds, table = fit_all(curves, jump_rtol, model_rtol)
        joined = table.merge(ref, on=KEY, validate="one_to_one")
        ok = (joined["rmse"] - joined["reference"]).abs() <= np.maximum(
            AGREE_ABS, AGREE_REL * joined["reference"]
        )
        means = joined.groupby(["domain", "method"])[["rmse", "reference"]].mean()
        worst = float((means["rmse"] / means["reference"] - 1.0).abs().max())
        if baseline is None:
            baseline_seconds, baseline = seconds, table["rmse"].to_numpy()
        moved = int(np.sum(np.abs(table["rmse"].to_numpy() / baseline - 1.0) > 1e-6))
        ratio = seconds / baseline_seconds
        print(f"{jump_rtol:>9g} {model_rtol:>10g} {seconds:>7.2f} {ratio:>6.2f}"
              f" {int(ok.sum()):>4}/{len(ok):<4} {worst:>15.2%} {moved:>6}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
