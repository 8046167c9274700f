"""Results of the literal official optimisers on the benchmark curves the sample file leaves out.

Usage: python benchmarks/literal_other_half.py [--out CSV] [--limit N]

tests/data/official_m1_m4_sample.csv holds the official code's results on 47 of the 92 curves.
For the other 45 this script runs ``benchmarks/official_path.py`` (a step-by-step transcription
of the official fixed-step optimisers and M4's grid-search prediction, with the notebook's
per-domain M4 settings) and writes one row per (curve, method): domain, task, model, method,
rmse (natural-log extrapolation RMSE), iterations, params (JSON). It takes ~25 s of CPU per
curve (~20 min in all); tests/test_fidelity.py checks the fast estimators against its output.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
import official_path as literal  # benchmarks/official_path.py (this script's directory)
from speed import ROOT, options_for  # the notebook's per-domain M4 options

from scalinglaws.curves import Curve, read_curves
from scalinglaws.metrics import extrapolation_rmse

SAMPLE = ROOT / "tests" / "data" / "official_m1_m4_sample.csv"
COLUMNS = ("domain", "task", "model", "method", "rmse", "iterations", "params")


def literal_fits(curve: Curve) -> list[tuple[str, dict[str, float], int, np.ndarray]]:
    """(method, params, iterations, test predictions) of the literal M1-M4 on one curve."""
    x, y, x_test = np.asarray(curve.x_fit), np.asarray(curve.y_fit), curve.x_test
    with np.errstate(all="ignore"):
        m2, m2_iterations = literal.fit_m2(x, y)
        m4, m4_iterations = literal.fit_m4(x, y, **options_for(curve.key.domain, "M4"))
        m3, m3_iterations = literal.fit_m3(x, y)
        m1 = literal.fit_m1(x, y)
        return [
            ("M2", m2, m2_iterations, literal.predict_power(m2, x_test)),
            ("M4", m4, m4_iterations, literal.predict_m4(m4, x_test)),
            ("M3", m3, m3_iterations, literal.predict_m3(m3, x_test)),
            ("M1", m1, 1, literal.predict_power(m1, x_test)),
        ]


def sampled_curves() -> set[tuple[str, str, str]]:
    """(domain, task, model) of the curves in the official sample file."""
    with SAMPLE.open(newline="") as handle:
        return {(row["domain"], row["task"], row["model"]) for row in csv.DictReader(handle)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "tests" / "data" / "literal_m1_m4_other_half.csv"
    )
    parser.add_argument("--limit", type=int, default=None, help="stop after this many curves")
    args = parser.parse_args(argv)
    sampled = sampled_curves()
    curves = read_curves(sorted((ROOT / "data" / "benchmark").glob("*.csv")))
    with args.out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        done = 0
        for curve in curves:
            key = (curve.key.domain, curve.key.task, curve.key.model)
            if key in sampled:
                continue
            if args.limit is not None and done == args.limit:
                break
            done += 1
            for method, params, iterations, y_pred in literal_fits(curve):
                rmse = extrapolation_rmse(curve.y_test, y_pred)
                writer.writerow([*key, method, rmse, iterations, json.dumps(params)])
            handle.flush()
            print(f"{curve.key.label}: done", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
