"""CPU time of M4 on jittered replicas of the benchmark curves, optionally against older code.

Usage: python benchmarks/m4_jitter.py [--replicas 5] [--seed 0] [--sigma 0.003] [--linear]
                                      [--compare-ref [--ref REV]] [--ulp] [--top 10]

Each benchmark curve's fit points (Training = 1) are replicated ``--replicas`` times with
multiplicative jitter, y · exp(σ z) (``--linear``: y · (1 + σ z)), z ~ N(0, 1), from one
generator seeded with ``--seed`` (curves in key order, replicas in turn). M4 is fitted to
each with the benchmark's per-domain options (config.yaml ``estimators.M4.by_domain``), and
the script prints the fits slower than 0.1 s, the slowest ``--top`` with their curve, replica
and outer iteration count, and the total CPU (``time.process_time``).

``--compare-ref`` also fits every replica with M4 as of git revision ``--ref`` (default: the
merge-base of HEAD and ``main``): m4.py and _official_path.py are read with ``git show`` and
loaded under other module names. It prints both timings, old/new ratios, and the largest
relative deviation of any parameter (with the count of fits whose params are identical).
``--ulp`` refits each fit slower than 0.1 s with its first loss moved by one ulp.

Diagnosis (seeds 0-2, 460 fits each: 1, 2 and 3 fits > 0.1 s, all IC BiT curves, cal_10 and c_5,
up to 19 s; every other fit < 0.07 s). The slow fits are not a stall of the emulation: the
official outer loop itself never settles. With the noise, α drops to 0.03-0.07, so ε_0 is barely
identified (its curvature ~1e-3, against ~110 for ε_∞): each outer iteration's NNLS refit moves
α, and the damped Newton steps then throw ε_0 across [max ε + 1e-3, 1.001]. The state wanders
over an attractor (no state repeats in 10,000 iterations, literal or emulated) until
max_iterations = 10,000 (IC) or an escape to a bound (one fit: ε_∞ = 0, α = 0 at 4,444). On such
a loop, T is not smooth at the scale of its own move, so :func:`follow_path`'s jumps fail: each
iteration costs two Jacobian probes, a rejected 2-iteration jump and the literal iteration (~3.1
evaluations of T, ~59 gradient evaluations: the inner Newton chunks halve down to ~26 per
evaluated T, ~13 per replayed probe). The end state is a sample of the attractor: moving one
loss by one ulp moved β by up to 40 %, α by 2x and ε_0 between 0.89 and 0.99 (``--ulp``), and
the literal official loop (benchmarks/official_path.py) ends elsewhere again. So no faster path
reaches the same state unless it repeats the same floating-point operations (grad_hess alone is
5.0 of the 7.9 s of the seed-0 fit: at most 1.6x left that way). Iterating literally after 8
failed jumps was tried: 6.3 -> 2.7 s and 16.3 -> 7.8 s, but 4.5 -> 7.9 s on the fit that then no
longer escapes, each ending at another attractor point.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import subprocess
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from scalinglaws.curves import Curve, read_curves
from scalinglaws.errors import FitError
from scalinglaws.estimators import registry
from scalinglaws.estimators.base import Estimator

ROOT = Path(__file__).resolve().parents[1]
M4_SPEC = yaml.safe_load((ROOT / "config.yaml").read_text())["estimators"]["M4"]
SLOW = 0.1  # seconds: a fit slower than this is counted


@dataclass
class Replica:
    """One jittered copy of a curve's fit points."""

    curve: Curve
    index: int
    x: np.ndarray
    y: np.ndarray

    @property
    def label(self) -> str:
        return f"{self.curve.key.label} #{self.index}"


@dataclass
class Timed:
    """One fit: its CPU seconds, outer iterations and params (None if it was refused)."""

    seconds: float
    iterations: int
    params: dict[str, float] | None


def replicas(
    curves: list[Curve], count: int, sigma: float, seed: int, linear: bool = False
) -> list[Replica]:
    """``count`` copies of each curve's fit points, y · exp(σ z) (or y · (1 + σ z) if
    ``linear``), z ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    out = []
    for curve in sorted(curves, key=lambda c: c.key):
        x, y = np.asarray(curve.x_fit, float), np.asarray(curve.y_fit, float)
        for index in range(count):
            z = sigma * rng.standard_normal(y.size)
            out.append(Replica(curve, index, x, y * (1.0 + z if linear else np.exp(z))))
    return out


def options(domain: str) -> dict[str, Any]:
    """M4's constructor options for ``domain`` in config.yaml (the notebook's settings)."""
    return registry.options_for(M4_SPEC, domain)


def fit_all(make: Callable[..., Estimator], reps: list[Replica]) -> list[Timed]:
    """Fit every replica with a fresh estimator (no remembered fits), timing each fit."""
    out = []
    for rep in reps:
        estimator = make(**options(rep.curve.key.domain))
        estimator.remember_fits = False  # type: ignore[misc]
        start = time.process_time()
        try:
            result = estimator.fit(rep.x, rep.y)
            params, iterations = dict(result.params), result.iterations
        except FitError:
            params, iterations = None, -1
        out.append(Timed(time.process_time() - start, iterations, params))
    return out


def _load_module(name: str, source: str) -> types.ModuleType:
    """A module ``name`` executed from ``source`` text (registered in sys.modules)."""
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def reference_m4(rev: str) -> type[Estimator]:
    """The M4 class of git revision ``rev``, on that revision's _official_path module."""
    package = "src/scalinglaws/estimators"

    def show(name: str) -> str:
        return subprocess.run(
            ["git", "show", f"{rev}:{package}/{name}"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip

    _load_module("_ref_official_path", show("_official_path.py"))
    text = show("m4.py").replace(
        "from scalinglaws.estimators import _official_path as path",
        "import _ref_official_path as path",
    )
    return _load_module("_ref_m4", text).M4


def default_ref() -> str:
    return subprocess.run(
        ["git", "merge-base", "HEAD", "main"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def report(title: str, reps: list[Replica], fits: list[Timed], top: int) -> None:
    """Slow-fit count, the slowest ``top`` fits and the total CPU."""
    slow = sum(fit.seconds > SLOW for fit in fits)
    total = sum(fit.seconds for fit in fits)
    refused = sum(fit.params is None for fit in fits)
    print(f"\n{title}: {len(fits)} fits, total CPU {total:.2f} s, {slow} > {SLOW} s, ", end="")
    print(f"{refused} refused")
    order = sorted(range(len(fits)), key=lambda i: -fits[i].seconds)[:top]
    for i in order:
        print(f"  {fits[i].seconds:8.3f} s  {fits[i].iterations:6d} it  {reps[i].label}")


def deviation(old: dict[str, float] | None, new: dict[str, float] | None) -> float:
    """Largest relative difference of any parameter (0 if identical; inf if one refused)."""
    if old is None or new is None:
        return 0.0 if old is new else np.inf
    return max(abs(new[k] - old[k]) / max(abs(old[k]), 1e-300) for k in old)


def compare(reps: list[Replica], old: list[Timed], new: list[Timed], top: int) -> None:
    """Old/new time ratios and the parameter deviations."""
    total_old, total_new = sum(f.seconds for f in old), sum(f.seconds for f in new)
    slowest_old, slowest_new = max(f.seconds for f in old), max(f.seconds for f in new)
    ratio = total_old / total_new
    print(f"\ntotal CPU old/new: {total_old:.2f} / {total_new:.2f} s = {ratio:.1f}x")
    print(f"slowest old/new: {slowest_old:.3f} / {slowest_new:.3f} s = "
          f"{slowest_old / slowest_new:.1f}x")  # fmt: skip
    devs = [deviation(o.params, n.params) for o, n in zip(old, new, strict=True)]
    identical = sum(d == 0.0 for d in devs)
    print(f"params identical: {identical} / {len(devs)}; max relative deviation {max(devs):.3g}")
    for i in sorted(range(len(devs)), key=lambda i: -devs[i])[:top]:
        if devs[i] > 0:
            steps = f"{old[i].iterations} -> {new[i].iterations}"
            print(f"  {devs[i]:.3g}  it {steps}  {reps[i].label}")


def sensitivity(reps: list[Replica], fits: list[Timed]) -> None:
    """Refit each slow fit with its first loss one ulp larger: the spread of the params."""
    slow = [i for i, fit in enumerate(fits) if fit.seconds > SLOW]
    nudged = [Replica(reps[i].curve, reps[i].index, reps[i].x, _nudged(reps[i].y)) for i in slow]
    refits = fit_all(lambda **o: registry.make("M4", **o), nudged)
    print("\none ulp on the first loss of each slow fit (max relative param change):")
    for i, refit in zip(slow, refits, strict=True):
        change = deviation(fits[i].params, refit.params)
        print(f"  {change:.3g}  it {fits[i].iterations} -> {refit.iterations}  {reps[i].label}")


def _nudged(y: np.ndarray) -> np.ndarray:
    out = y.copy()
    out[0] = np.nextafter(out[0], np.inf)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sigma", type=float, default=0.003)
    parser.add_argument("--linear", action="store_true", help="jitter y (1 + σz), not y e^(σz)")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--compare-ref", action="store_true")
    parser.add_argument("--ref", default=None, help="git revision of the reference code")
    parser.add_argument("--ulp", action="store_true", help="refit slow fits one ulp off")
    args = parser.parse_args(argv)
    curves = read_curves(sorted(glob.glob(str(ROOT / "data/benchmark/*.csv"))))
    reps = replicas(curves, args.replicas, args.sigma, args.seed, args.linear)
    new = fit_all(lambda **o: registry.make("M4", **o), reps)
    report("new", reps, new, args.top)
    if args.ulp:
        sensitivity(reps, new)
    if args.compare_ref:
        rev = args.ref or default_ref()
        old = fit_all(reference_m4(rev), reps)
        report(f"reference {rev[:10]}", reps, old, args.top)
        compare(reps, old, new, args.top)


if __name__ == "__main__":
    main()
