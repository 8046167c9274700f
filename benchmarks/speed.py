"""CPU time of the fast M1-M4 against the literal official optimisers (benchmarks/official_path.py).

Usage: python benchmarks/speed.py [--baseline-curves N] [--data GLOB]

1. Fits M1-M4 on every benchmark curve with ``scalinglaws.estimators`` and prints the total CPU
   seconds (``time.process_time``) per estimator. Each timing covers the fit and the prediction
   of the curve's test points.
2. Runs the literal baseline on a deterministic subset of N curves (default 3): the curves are
   taken round-robin over the domains IC, NMT, BB, LM, in key order within a domain. The
   literal M2 and M4 take ~10-30 s per curve.
3. Prints seconds per curve for both on that subset, the speed-up (baseline mean / fast mean on
   the same curves), the baseline total extrapolated to all curves (subset mean x count), and
   how many subset fits agree (extrapolation RMSE within max(1e-3, 2 %)).

Options come from config.yaml: M4 uses the official notebook's per-domain settings there.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import official_path as literal  # benchmarks/official_path.py (this script's directory)
import yaml

from scalinglaws.curves import Curve, read_curves
from scalinglaws.estimators import registry
from scalinglaws.metrics import extrapolation_rmse

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("M1", "M2", "M3", "M4")
DOMAIN_ORDER = ("IC", "NMT", "BB", "LM")
# The shipped config's estimator options: for M4, the official notebook's per-domain settings.
CONFIG_ESTIMATORS = yaml.safe_load((ROOT / "config.yaml").read_text())["estimators"]
AGREE_ABS, AGREE_REL = 1e-3, 0.02

Runner = Callable[[Curve], np.ndarray]


def options_for(domain: str, method: str) -> dict[str, Any]:
    """The constructor options config.yaml gives ``method`` on ``domain`` (the notebook's)."""
    return registry.options_for(CONFIG_ESTIMATORS.get(method), domain)


def fast_runner(method: str) -> Runner:
    """Fit ``method`` with the library and predict the curve's test points."""

    def run(curve: Curve) -> np.ndarray:
        options = options_for(curve.key.domain, method)
        result = registry.make(method, **options).fit(curve.x_fit, curve.y_fit)
        return result.predict(curve.x_test)

    return run


def literal_runner(method: str) -> Runner:
    """Fit ``method`` with the literal official transcription and predict the test points."""

    def run(curve: Curve) -> np.ndarray:
        x, y = np.asarray(curve.x_fit), np.asarray(curve.y_fit)
        with np.errstate(all="ignore"):
            if method == "M1":
                return literal.predict_power(literal.fit_m1(x, y), curve.x_test)
            if method == "M2":
                return literal.predict_power(literal.fit_m2(x, y)[0], curve.x_test)
            if method == "M3":
                return literal.predict_m3(literal.fit_m3(x, y)[0], curve.x_test)
            params = literal.fit_m4(x, y, **options_for(curve.key.domain, method))[0]
            return literal.predict_m4(params, curve.x_test)

    return run


def timed(run: Runner, curve: Curve) -> tuple[float, float]:
    """CPU seconds of one fit + prediction, and the extrapolation RMSE (NaN if it failed)."""
    start = time.process_time()
    try:
        y_pred = run(curve)
    except Exception:  # a failed fit is reported as NaN, not fatal
        y_pred = np.full(curve.n_test, np.nan)
    seconds = time.process_time() - start
    return seconds, extrapolation_rmse(curve.y_test, y_pred)


def subset(curves: list[Curve], n: int) -> list[Curve]:
    """n curves, round-robin over DOMAIN_ORDER (then any other domain), key order within one."""
    by_domain: dict[str, list[Curve]] = {}
    for curve in sorted(curves, key=lambda c: c.key):
        by_domain.setdefault(curve.key.domain, []).append(curve)
    order = [d for d in DOMAIN_ORDER if d in by_domain]
    order += sorted(d for d in by_domain if d not in DOMAIN_ORDER)
    picked: list[Curve] = []
    for rank in range(max(len(group) for group in by_domain.values())):
        for domain in order:
            if rank < len(by_domain[domain]) and len(picked) < n:
                picked.append(by_domain[domain][rank])
    return picked


def agrees(ours: float, baseline: float) -> bool:
    """RMSEs within max(1e-3, 2 % of the baseline)."""
    return bool(abs(ours - baseline) <= max(AGREE_ABS, AGREE_REL * abs(baseline)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-curves", type=int, default=3, metavar="N")
    parser.add_argument("--data", default=str(ROOT / "data" / "benchmark" / "*.csv"))
    args = parser.parse_args(argv)

    curves = read_curves(sorted(glob.glob(args.data)))
    n_all = len(curves)
    fast = {m: fast_runner(m) for m in METHODS}
    for method in METHODS:  # warm-up: imports and first-call costs stay out of the timings
        timed(fast[method], curves[0])

    fast_seconds: dict[str, dict[str, float]] = {m: {} for m in METHODS}
    fast_rmse: dict[str, dict[str, float]] = {m: {} for m in METHODS}
    for curve in curves:
        for method in METHODS:
            seconds, rmse = timed(fast[method], curve)
            fast_seconds[method][curve.key.slug] = seconds
            fast_rmse[method][curve.key.slug] = rmse

    print(f"Fast estimators on all {n_all} curves (CPU s, fit + test predictions)")
    print(f"  {'method':<8}{'total s':>10}{'per curve s':>14}{'max s':>10}")
    for method in METHODS:
        times = list(fast_seconds[method].values())
        print(f"  {method:<8}{sum(times):>10.3f}{np.mean(times):>14.5f}{max(times):>10.3f}")
    fast_total = sum(sum(v.values()) for v in fast_seconds.values())
    print(f"  {'total':<8}{fast_total:>10.3f}")
    labels = {curve.key.slug: curve.key.label for curve in curves}
    slowest = sorted(
        ((s, m, slug) for m in METHODS for slug, s in fast_seconds[m].items()), reverse=True
    )[:3]
    print("  slowest: " + "; ".join(f"{m} {labels[slug]} {s:.2f} s" for s, m, slug in slowest))

    chosen = subset(curves, max(0, args.baseline_curves))
    if not chosen:
        return 0
    print(f"\nLiteral baseline on {len(chosen)} curve(s):")
    for curve in chosen:
        print(f"  {curve.key.label} (n_fit={curve.n_fit}, n_test={curve.n_test})")
    base_seconds: dict[str, list[float]] = {m: [] for m in METHODS}
    agree: dict[str, int] = dict.fromkeys(METHODS, 0)
    for curve in chosen:
        for method in METHODS:
            seconds, rmse = timed(literal_runner(method), curve)
            base_seconds[method].append(seconds)
            ours = fast_rmse[method][curve.key.slug]
            agree[method] += agrees(ours, rmse)
            print(
                f"    {method} {curve.key.domain:<4}{seconds:>9.2f} s  RMSE literal {rmse:.6g}"
                f"  fast {ours:.6g}",
                flush=True,
            )

    print(f"\nSame {len(chosen)} curve(s), CPU s per curve (mean)")
    header = f"  {'method':<8}{'literal':>10}{'fast':>11}{'speed-up':>11}"
    print(f"{header}{f'literal x{n_all}':>14}{'agree':>8}")
    totals = {"literal": 0.0, "fast": 0.0, "extrapolated": 0.0}
    for method in METHODS:
        base = float(np.mean(base_seconds[method]))
        ours = float(np.mean([fast_seconds[method][c.key.slug] for c in chosen]))
        ratio = base / ours if ours > 0 else float("inf")
        totals["literal"] += base
        totals["fast"] += ours
        totals["extrapolated"] += base * n_all
        print(
            f"  {method:<8}{base:>10.4f}{ours:>11.5f}{ratio:>10.1f}x{base * n_all:>14.1f}"
            f"{agree[method]:>5}/{len(chosen)}"
        )
    ratio = totals["literal"] / totals["fast"] if totals["fast"] > 0 else float("inf")
    print(
        f"  {'all':<8}{totals['literal']:>10.4f}{totals['fast']:>11.5f}{ratio:>10.1f}x"
        f"{totals['extrapolated']:>14.1f}{sum(agree.values()):>5}/{len(chosen) * len(METHODS)}"
    )
    print(
        f"\nBaseline total for {n_all} curves, extrapolated from the subset mean: "
        f"{totals['extrapolated']:.0f} s ({totals['extrapolated'] / 3600:.2f} h); "
        f"fast, measured: {fast_total:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
