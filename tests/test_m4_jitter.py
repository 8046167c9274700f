"""M4 stops where the official path wanders (_official_path.WanderWatch) and nowhere else.

The wandering is described in benchmarks/m4_jitter.py: on some curves the official outer loop
never settles, and its end state at max_iterations is an arbitrary point that no
implementation reproduces, so M4 stops there with converged=False and says why.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scalinglaws.curves import Curve, read_curves
from scalinglaws.estimators import _official_path as path
from scalinglaws.estimators import registry
from scalinglaws.estimators.m4 import M4
from scalinglaws.forecasting import fit_data

ROOT = Path(__file__).resolve().parents[1]
M4_SPEC = yaml.safe_load((ROOT / "config.yaml").read_text())["estimators"]["M4"]
WANDERS = re.compile(
    r"official path does not settle: stopped after (\d+) outer iterations, "
    rf"{path.WANDER_FAILS} skip-ahead attempts failed since its objective last improved"
)


@pytest.fixture(scope="module")
def curves() -> dict[str, Curve]:
    files = [ROOT / "data" / "benchmark" / f"benchmark.{name}.csv" for name in ("lang", "vision")]
    return {curve.key.label: curve for curve in read_curves(files)}


def _m4(domain: str) -> M4:
    """M4 with config.yaml's notebook options for ``domain``, not remembering its fits."""
    estimator = registry.make("M4", **registry.options_for(M4_SPEC, domain))
    estimator.remember_fits = False  # type: ignore[misc]
    return estimator


def test_watch_fires_after_failed_skip_aheads_without_a_new_best():
    watch = path.WanderWatch(limit=3)
    for objective in (5.0, 4.0, 3.0):  # failed jumps while the objective falls: progress
        watch.record(objective, attempted=2, kept=1)
    assert watch.failed == 0
    watch.record(3.5, attempted=8, kept=8)  # a kept jump: no failure, even without a new best
    watch.record(3.5, attempted=1, kept=1)  # a literal step by design: no attempt failed
    assert watch.failed == 0
    watch.record(3.2, attempted=2, kept=1)
    watch.record(3.1, attempted=4, kept=1)
    assert watch.failed == 2 and not watch.wandering
    watch.record(2.9, attempted=2, kept=1)  # a new best: the count starts again
    assert watch.failed == 0
    for objective in (3.0, 3.3, 2.95):
        watch.record(objective, attempted=2, kept=1)
    assert watch.wandering
    assert watch.message(123).startswith(
        "official path does not settle: stopped after 123 outer iterations, 3 skip-ahead"
    )


def test_follow_path_stops_a_wandering_loop():
    """A loop that hops between states forever (its jumps always fail) stops early."""

    def outer_step(state, k):  # period-3 cycle: no fixed point, T not smooth at its own move
        return ((state[0] * 7.0 + 0.3) % 1.0 + 1.0,)

    end = path.follow_path(
        outer_step,
        beta_of=lambda s: s[0],
        project=lambda s: s,
        state=(1.5,),
        max_iterations=10_000,
        objective_of=lambda s: (s[0] - 1.4) ** 2,
    )
    assert not end.converged
    assert end.iterations < 1_000
    assert end.message.startswith("official path does not settle")


def test_m4_stops_where_the_official_path_wanders(curves):
    """IC c_5 MiX/L/16 on all its points (a forecast's refit) wandered for 10,000 iterations
    (~8 s); it now stops early, not converged, and still describes its points (the fit-region
    check of base.py passed, or fit would have raised)."""
    x, y = fit_data(curves["IC / c_5 / MiX/L/16"], "all")
    result = _m4("IC").fit(x, y)
    assert result.converged is False
    match = WANDERS.match(result.message)
    assert match, result.message
    assert int(match.group(1)) == result.iterations < 1_000


class _NeverWanders(path.WanderWatch):
    def __init__(self) -> None:
        super().__init__(limit=10**9)


@pytest.mark.parametrize(
    ("label", "converged"),
    [
        ("NMT / log_perplexity / TEnc-LSTM", True),  # 13 failed jumps in a row, then settles
        ("IC / cal_10 / BiT/101/3", True),
        ("LM / val_loss / 1.34e+08", False),  # creeps to max_iterations: the official message
    ],
)
def test_settling_paths_are_unchanged(curves, monkeypatch, label, converged):
    curve = curves[label]
    result = _m4(curve.key.domain).fit(curve.x_fit, curve.y_fit)
    monkeypatch.setattr(path, "WanderWatch", _NeverWanders)
    unwatched = _m4(curve.key.domain).fit(curve.x_fit, curve.y_fit)
    assert result.params == unwatched.params  # bit-identical
    assert (result.iterations, result.converged) == (unwatched.iterations, converged)
    expected = "" if converged else "stopped at max_iterations, as the official code does"
    assert result.message == unwatched.message == expected
