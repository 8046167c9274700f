"""Every registered estimator per benchmark domain and per dev family: errors, bands, failures.

Usage: python benchmarks/families.py [--backtest] [--estimators A,B] [--groups IC,OLMO]
                                     [--refresh] [--learn]

Groups: the benchmark's domains (IC, NMT, LM, BB; data/benchmark/*.csv) and the development
families (OLMO, GADRE, PYTHIA; data/dev/, see its README). For each group and estimator: the
number of curves, failures, mean and median extrapolation log-RMSE (the paper's Eq. 6 over the
Training=0 points, scalinglaws.metrics.extrapolation_rmse), the coverage of the 50/80/95 %
predictive bands, the MSCE over the levels 0.50, 0.51, ..., 0.99 (as NSL-PFN reports it) and
the mean log-likelihood of log y (a density in log space; scalinglaws.calibration).
Estimators and their options come from config.yaml (`estimators`, with `by_domain`), the bands
from its `uncertainty` section.

``--backtest`` scores on fit points only (the scoreboard the recommended estimator was chosen
on, docs/recommended_estimator.md): Training=0 points are dropped, each curve is cut to its
fit points in the first 2/3 of its log-x fit range (at least 4 kept, at least 1 held out; a
curve with fewer than 5 fit points is left out) and scored on its remaining fit points.
``--learn`` (with --backtest) prints the stacking weights that the procedure of
docs/recommended_estimator.md derives from those backtests (scalinglaws.estimators.stack).

Fits are cached per (mode, group, estimator) under benchmarks/out/families/cache/, keyed by the
options and a digest of the library's source; ``--refresh`` refits. Markdown goes to stdout,
CSVs to benchmarks/out/families/<mode>/.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

import scalinglaws
from scalinglaws.bands import BandSettings
from scalinglaws.calibration import LEVELS, calibration_table, coverage_column
from scalinglaws.curves import Curve, read_curves
from scalinglaws.fitting import fit_curves

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "families"
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
SOURCES = {
    "benchmark": sorted(glob.glob(str(ROOT / "data" / "benchmark" / "*.csv"))),
    "OLMO": [str(ROOT / "data" / "dev" / "olmo.csv")],
    "GADRE": [str(ROOT / "data" / "dev" / "gadre.csv")],
    "PYTHIA": [str(ROOT / "data" / "dev" / "pythia.csv")],
}
GROUPS = ("IC", "NMT", "LM", "BB", "OLMO", "GADRE", "PYTHIA")
BACKTEST_FRACTION = 2 / 3  # share of the log-x fit range kept for fitting in a backtest
BACKTEST_MIN_KEEP = 4  # fit points kept at least (BNSL and the combinations need 4)


def load_groups(groups: Sequence[str]) -> dict[str, list[Curve]]:
    """The curves of each requested group (a benchmark domain or a dev family)."""
    curves: list[Curve] = []
    for paths in SOURCES.values():
        curves.extend(read_curves(paths))
    return {g: [c for c in curves if c.key.domain == g] for g in groups}


def backtest_curve(curve: Curve) -> Curve | None:
    """The curve cut to its fit points in the first 2/3 of its log-x fit range (at least 4,
    at least 1 held out), scored on the remaining fit points; Training=0 points dropped.
    None if the curve has fewer than 5 fit points."""
    n = curve.n_fit
    if n < BACKTEST_MIN_KEEP + 1:
        return None
    log_x = np.log(curve.x_fit)
    cut = log_x[0] + BACKTEST_FRACTION * (log_x[-1] - log_x[0])
    keep = int(np.clip(np.sum(log_x <= cut), BACKTEST_MIN_KEEP, n - 1))
    x, y = curve.x_fit, curve.y_fit
    return Curve(curve.key, x[:keep], y[:keep], x[keep:], y[keep:])


def backtest_curves(curves: Sequence[Curve]) -> list[Curve]:
    """:func:`backtest_curve` of every curve that has one."""
    cut = (backtest_curve(c) for c in curves)
    return [c for c in cut if c is not None]


def library_digest() -> str:
    """A digest of the library's source: a cached fit is stale when any of it changes."""
    h = hashlib.sha256()
    package = Path(scalinglaws.__file__).parent
    for file in sorted(package.rglob("*.py")):
        h.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes())
    return h.hexdigest()[:12]


def cached_fits(
    mode: str,
    group: str,
    curves: Sequence[Curve],
    name: str,
    spec: Mapping[str, Any] | None,
    bands: BandSettings,
    refresh: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores and predictions of ``name`` on ``curves``, from the cache or fitted now."""
    key = json.dumps([spec, bands.__dict__, library_digest()], sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    stem = OUT / "cache" / mode / group / f"{name}-{digest}"
    files = (stem.with_suffix(".scores.csv"), stem.with_suffix(".predictions.csv"))
    if not refresh and all(f.exists() for f in files):
        text = dict.fromkeys(("domain", "task", "model", "status", "error", "params"), str)
        scores = pd.read_csv(files[0], dtype=text, keep_default_na=False, na_values={"rmse": [""]})
        return scores, pd.read_csv(files[1], dtype=text)
    scores, predictions = fit_curves(curves, {name: spec}, bands)
    stem.parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(files[0], index=False)
    predictions.to_csv(files[1], index=False)
    return scores, predictions


def summary_row(scores: pd.DataFrame, predictions: pd.DataFrame) -> dict[str, float]:
    """One group × estimator: counts, log-RMSE mean/median, coverage, MSCE and LL."""
    ok = scores["status"] == "ok"
    rmse = scores.loc[ok, "rmse"].astype(float)
    row: dict[str, float] = {
        "n": len(scores),
        "failed": int((~ok).sum()),
        "mean": float(rmse.mean()),
        "median": float(rmse.median()),
    }
    if len(predictions):
        table = calibration_table(predictions, LEVELS).iloc[0]
        row.update({coverage_column(lv): float(table[coverage_column(lv)]) for lv in LEVELS})
        row["msce"] = float(table["msce"])
        row["log_lik"] = float(table["log_lik"])
        row["n_no_band"] = int(table["n_no_band"])
    return row


def evaluate(
    mode: str,
    groups: dict[str, list[Curve]],
    estimators: Mapping[str, Mapping[str, Any] | None],
    refresh: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary rows per group × estimator, and every score row."""
    bands = BandSettings.from_config(CONFIG.get("uncertainty"))
    rows, all_scores = [], []
    for group, curves in groups.items():
        for name, spec in estimators.items():
            scores, predictions = cached_fits(mode, group, curves, name, spec, bands, refresh)
            print(f"  {mode} {group} {name}: {len(scores)} curves", file=sys.stderr)
            rows.append({"group": group, "estimator": name, **summary_row(scores, predictions)})
            all_scores.append(scores)
    return pd.DataFrame(rows), pd.concat(all_scores, ignore_index=True)


def markdown(summary: pd.DataFrame) -> str:
    """The summary as a Markdown table (one row per group × estimator)."""
    columns = ["group", "estimator", "n", "failed", "mean", "median"]
    columns += [coverage_column(lv) for lv in LEVELS] + ["msce", "log_lik"]
    columns = [c for c in columns if c in summary]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in summary.iterrows():
        cells = [_cell(row[c]) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    """A table cell: integers as such, floats with 4 decimals, NaN as an en dash."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return str(value)
    return "–" if not np.isfinite(value) else f"{value:.4f}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options (module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--backtest", action="store_true", help="score on fit points only")
    parser.add_argument("--estimators", default="", help="comma-separated (default: config)")
    parser.add_argument("--groups", default=",".join(GROUPS), help="comma-separated groups")
    parser.add_argument("--refresh", action="store_true", help="refit instead of the cache")
    parser.add_argument("--learn", action="store_true", help="print learnt stacking weights")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    mode = "backtest" if args.backtest else "extrapolation"
    configured = CONFIG["estimators"]
    chosen = [n for n in args.estimators.split(",") if n] or list(configured)
    estimators = {n: configured.get(n) for n in chosen}
    groups = load_groups([g for g in args.groups.split(",") if g])
    if args.backtest:
        groups = {g: backtest_curves(curves) for g, curves in groups.items()}
    summary, scores = evaluate(mode, groups, estimators, args.refresh)
    (OUT / mode).mkdir(parents=True, exist_ok=True)
    summary.to_csv(OUT / mode / "summary.csv", index=False)
    scores.to_csv(OUT / mode / "scores.csv", index=False)
    print(f"## {mode}\n\n" + markdown(summary))
    if args.learn:
        print_learnt(groups, mode, args.refresh)


def print_learnt(groups: dict[str, list[Curve]], mode: str, refresh: bool) -> None:
    """The stacking weights learnt from the backtests of STACK's members (stack_weights.py)."""
    import stack_weights  # benchmarks/stack_weights.py (this script's directory)

    if mode != "backtest":
        raise SystemExit("--learn reads backtests only: add --backtest")
    configured = CONFIG["estimators"]
    bands = BandSettings.from_config(CONFIG.get("uncertainty"))
    logs = {
        group: stack_weights.held_out_logs(
            {
                name: cached_fits(mode, group, curves, name, configured.get(name), bands, refresh)
                for name in stack_weights.MEMBER_NAMES
            }
        )
        for group, curves in groups.items()
    }
    weights, report, references = stack_weights.learn_weights(logs)
    print("\n## learnt stacking weights\n")
    print(report)
    print("\nWEIGHTS = " + repr(weights))
    summary = pd.read_csv(OUT / mode / "summary.csv")
    for name, rows in summary.groupby("estimator", sort=False):
        means = dict(zip(rows["group"], rows["mean"], strict=True))
        if set(references) <= set(means):
            print(f"J({name}) = {stack_weights.objective_of(means, references):.4f}")


if __name__ == "__main__":
    main()
