"""CPU time of M4 on jittered replicas of the benchmark curves, optionally against older code.

Usage: python benchmarks/m4_jitter.py [--replicas 5] [--seeds 0 [1 ...]] [--sigma 0.003]
                                      [--linear] [--all-points] [--compare-ref [--ref REV]]
                                      [--ulp] [--margin] [--top 10]

Each benchmark curve's fit points (Training = 1) are replicated ``--replicas`` times with
multiplicative jitter, y · exp(σ z) (``--linear``: y · (1 + σ z)), z ~ N(0, 1), from one
generator per seed of ``--seeds`` (curves in key order, replicas in turn). ``--all-points``
adds each curve's points unjittered, held-out ones too: the fits the forecasts make. M4 is
fitted to each with the benchmark's per-domain options (config.yaml ``estimators.M4.by_domain``),
and the script prints the fits slower than 0.1 s, the fits stopped early because the official
path does not settle, the slowest ``--top`` with their curve, replica and outer iteration
count, and the total CPU (``time.process_time``).

``--compare-ref`` also fits every replica with M4 as of git revision ``--ref`` (default: the
merge-base of HEAD and ``main``): m4.py and _official_path.py are read with ``git show`` and
loaded under other module names. It prints both timings, old/new ratios, the largest relative
deviation of any parameter (with the count of fits whose params are identical), and for each
fit stopped early its old and new CPU, outer iterations and fit-region log-RMSE against the
sanity bound of base.check_fit_region. ``--ulp`` refits each fit slower than 0.1 s with its
first loss moved by one ulp. ``--margin`` prints, for the fits that settle, the most skip-ahead
attempts that failed since the objective last improved (the count behind the early stop, see
_official_path.WanderWatch) on the benchmark's fit points (notebook and paper protocols), and
on the all-point fits and the replicas above.

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

So M4 now stops such a path (_official_path.WanderWatch): once 50 skip-ahead attempts have
failed since the loop's objective last improved, it returns the current state, converged=False,
with a message that the official path does not settle. ``--all-points --seeds 0 1 2
--compare-ref --margin`` against 32647d7 (1,472 fits: 92 all-point, 1,380 jittered, 4 refused
by both): the rule stops 8 fits — IC c_5 MiX/B/16 and MiX/L/16 on all points (9.5 -> 0.15 s and
9.0 -> 0.10 s, 10,000 -> 322 and 258 iterations) and the 6 wandering replicas (20.9 -> 0.14 s,
7.9 -> 0.11, 6.5 -> 0.12, 5.7 -> 0.36, 0.8 -> 0.03, 0.6 -> 0.03 s) — total CPU 69.5 -> 10.7 s
(6.5x), slowest fit 21.0 -> 0.37 s (58x; CPU times vary by ~20 % from run to run). The other
1,464 fits keep bit-identical params; so do the 184 fits of the benchmark's fit points
(notebook and paper protocols), where the count peaks at 1 (13 on the replicas that settle, 4
on the all-point fits). The stopped fits describe their points as well as the capped ones
(fit-region log-RMSE 0.0168 vs 0.0170, 0.0265 vs 0.0265, within 5 % on the replicas and 0.0155
vs 0.0239 for the one that used to escape to ε_∞ = 0, α = 0 at 4,444 iterations; bounds
0.07-0.22). Their params differ from the capped ones by up to 54 % (cal_10 seed 0 #4; 8 % on
the two all-point fits), the order by which one ulp on one loss moves the capped ones (β 40 %,
α 2x).
"""

from __future__ import annotations

import argparse
import functools
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
from scalinglaws.estimators import _official_path as path
from scalinglaws.estimators import registry
from scalinglaws.estimators.base import FIT_FACTOR, FIT_FLOOR, Estimator, line_rmse
from scalinglaws.forecasting import fit_data

ROOT = Path(__file__).resolve().parents[1]
M4_SPEC = yaml.safe_load((ROOT / "config.yaml").read_text())["estimators"]["M4"]
SLOW = 0.1  # seconds: a fit slower than this is counted
WANDERS = "official path does not settle"  # how the message of a fit stopped early begins


@dataclass
class Replica:
    """One jittered copy of a curve's fit points (seed None: the curve's points unjittered)."""

    curve: Curve
    index: int
    x: np.ndarray
    y: np.ndarray
    seed: int | None = 0

    @property
    def label(self) -> str:
        if self.seed is None:
            return f"{self.curve.key.label} (all points)"
        return f"{self.curve.key.label} seed {self.seed} #{self.index}"


@dataclass
class Timed:
    """One fit: its CPU seconds, outer iterations, params (None if it was refused), message
    and fit-region log-RMSE (NaN if refused)."""

    seconds: float
    iterations: int
    params: dict[str, float] | None
    message: str = ""
    fit_rmse: float = float("nan")

    @property
    def wandered(self) -> bool:
        """Stopped early because the official path does not settle."""
        return self.message.startswith(WANDERS)


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
            out.append(Replica(curve, index, x, y * (1.0 + z if linear else np.exp(z)), seed))
    return out


def all_points(curves: list[Curve]) -> list[Replica]:
    """Each curve's points, held-out ones too, unjittered: the fits the forecasts make."""
    return [Replica(c, 0, *fit_data(c, "all"), None) for c in sorted(curves, key=lambda c: c.key)]


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
        except FitError:
            out.append(Timed(time.process_time() - start, -1, None))
            continue
        seconds = time.process_time() - start
        resid = np.log(result.predict(rep.x) / rep.y)
        rmse = float(np.sqrt(resid @ resid / resid.size))
        out.append(Timed(seconds, result.iterations, dict(result.params), result.message, rmse))
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
    """Slow-fit count, fits stopped early, the slowest ``top`` fits and the total CPU."""
    slow = sum(fit.seconds > SLOW for fit in fits)
    total = sum(fit.seconds for fit in fits)
    refused = sum(fit.params is None for fit in fits)
    wandered = sum(fit.wandered for fit in fits)
    print(f"\n{title}: {len(fits)} fits, total CPU {total:.2f} s, {slow} > {SLOW} s, ", end="")
    print(f"{refused} refused, {wandered} stopped early (the official path does not settle)")
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
    early = [i for i, fit in enumerate(new) if fit.wandered]
    if early:
        print(f"\nstopped early: {len(early)}; CPU old -> new, outer iterations old -> new, and")
        print(
            "fit-region log-RMSE old -> new against the sanity bound max(FIT_FLOOR, FIT_FACTOR σ̂):"
        )
    for i in early:
        o, n, rep = old[i], new[i], reps[i]
        bound = max(FIT_FLOOR, FIT_FACTOR * line_rmse(rep.x, rep.y))
        times = f"{o.seconds:6.2f} -> {n.seconds:5.2f} s"
        steps = f"it {o.iterations:5d} -> {n.iterations:4d}"
        rmse = f"log-RMSE {o.fit_rmse:.4f} -> {n.fit_rmse:.4f} (bound {bound:.4f})"
        print(f"  {times}  {steps}  {rmse}  {rep.label}")
    settled = [i for i in range(len(new)) if i not in early]
    same = sum(old[i].params == new[i].params for i in settled)
    print(f"fits not stopped early with params identical to the reference: {same} / {len(settled)}")


def sensitivity(reps: list[Replica], fits: list[Timed]) -> None:
    """Refit each slow fit with its first loss one ulp larger: the spread of the params."""
    slow = [i for i, fit in enumerate(fits) if fit.seconds > SLOW]
    nudged = [
        Replica(reps[i].curve, reps[i].index, reps[i].x, _nudged(reps[i].y), reps[i].seed)
        for i in slow
    ]
    refits = fit_all(lambda **o: registry.make("M4", **o), nudged)
    print("\none ulp on the first loss of each slow fit (max relative param change):")
    for i, refit in zip(slow, refits, strict=True):
        change = deviation(fits[i].params, refit.params)
        print(f"  {change:.3g}  it {fits[i].iterations} -> {refit.iterations}  {reps[i].label}")


class _PeakWatch(path.WanderWatch):
    """A WanderWatch that remembers the most failed skip-aheads it counted (in ``PEAKS``)."""

    def record(self, objective: float, attempted: int, kept: int) -> None:
        super().record(objective, attempted, kept)
        PEAKS[-1] = max(PEAKS[-1], self.failed)


PEAKS: list[int] = []


def wander_margin(curves: list[Curve], reps: list[Replica]) -> None:
    """The most skip-ahead attempts that failed since the objective last improved, on fits
    that settle, against ``WANDER_FAILS``: the benchmark's fit points (notebook options, and
    the paper protocol's drop_max_loss) and ``reps`` (all-point fits and replicas apart)."""
    fit_points = [
        Replica(c, 0, c.x_fit, c.y_fit, None) for c in sorted(curves, key=lambda c: c.key)
    ]
    groups = {
        "fit points (notebook)": (fit_points, {}),
        "fit points (paper, drop_max_loss)": (fit_points, {"drop_max_loss": True}),
        "all points (forecasts)": ([r for r in reps if r.seed is None], {}),
        "jittered replicas": ([r for r in reps if r.seed is not None], {}),
    }
    original, path.WanderWatch = path.WanderWatch, _PeakWatch
    try:
        print(
            f"\nfailed skip-aheads since the objective last improved (limit {path.WANDER_FAILS}):"
        )
        for title, (group, extra) in groups.items():
            peaks, stopped = [], 0
            make = functools.partial(registry.make, "M4", **extra)
            for rep in group:
                PEAKS.append(0)
                fit = fit_all(make, [rep])[0]
                stopped += fit.wandered
                if not fit.wandered:
                    peaks.append(PEAKS[-1])
            print(f"  {title}: {len(group)} fits, {stopped} stopped early; the others peak at "
                  f"{max(peaks, default=0)}")  # fmt: skip
    finally:
        path.WanderWatch = original


def _nudged(y: np.ndarray) -> np.ndarray:
    out = y.copy()
    out[0] = np.nextafter(out[0], np.inf)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--sigma", type=float, default=0.003)
    parser.add_argument("--linear", action="store_true", help="jitter y (1 + σz), not y e^(σz)")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--compare-ref", action="store_true")
    parser.add_argument("--ref", default=None, help="git revision of the reference code")
    parser.add_argument("--ulp", action="store_true", help="refit slow fits one ulp off")
    parser.add_argument(
        "--margin", action="store_true", help="peak failed skip-aheads of the fits that settle"
    )
    parser.add_argument(
        "--all-points", action="store_true", help="also fit each curve's points unjittered, "
        "held-out ones too (the forecasts' fits)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    curves = read_curves(sorted(glob.glob(str(ROOT / "data/benchmark/*.csv"))))
    reps = all_points(curves) if args.all_points else []
    for seed in args.seeds:
        reps += replicas(curves, args.replicas, args.sigma, seed, args.linear)
    new = fit_all(lambda **o: registry.make("M4", **o), reps)
    report("new", reps, new, args.top)
    if args.ulp:
        sensitivity(reps, new)
    if args.margin:
        wander_margin(curves, reps)
    if args.compare_ref:
        rev = args.ref or default_ref()
        old = fit_all(reference_m4(rev), reps)
        report(f"reference {rev[:10]}", reps, old, args.top)
        compare(reps, old, new, args.top)


if __name__ == "__main__":
    main()
