"""M3's jump to the fixed point of the winning point's map (see scalinglaws.estimators.m3).

The accelerated fit must land where the literal loop stops: the same loop with the jumps
switched off, and the official transcription in benchmarks/official_path.py.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from scalinglaws.curves import Curve, CurveKey, read_curves
from scalinglaws.estimators import m3
from scalinglaws.estimators.base import FitResult, forget_fits

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = sorted((ROOT / "data" / "benchmark").glob("*.csv"))
# Benchmark curves whose literal loops run 520-860 iterations, most of them spent creeping to
# the fixed point of one point's map (the LM curve also changes winner ~50 times).
SLOW_CURVES = [
    CurveKey("BB", "('date', '1-shot')", "262M"),
    CurveKey("IC", "cal_10", "BiT/50/1"),
    CurveKey("LM", "val_loss", "1.68e+07"),
]
# Curves whose loops stop short of the fixed point (the objective stops improving, or another
# point wins on the way): a jump there would change the result, the checks must refuse it.
EARLY_STOPS = [
    CurveKey("IC", "cal_25", "BiT/50/1"),
    CurveKey("LM", "val_loss", "4.53e+08"),
    CurveKey("NMT", "log_perplexity", "Dec-only"),
]
PARAM_REL = 1e-7


@pytest.fixture(scope="module")
def curves() -> dict[CurveKey, Curve]:
    return {curve.key: curve for curve in read_curves(BENCHMARK)}


@pytest.fixture(scope="module")
def official() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "official_path", ROOT / "benchmarks" / "official_path.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _literal_fit(curve: Curve) -> FitResult:
    """The same loop with the jumps switched off (not a remembered fit made with them)."""
    forget_fits()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(m3, "JUMP_AFTER", math.inf)
        fit = m3.M3().fit(curve.x_fit, curve.y_fit)
    forget_fits()
    return fit


def _assert_close(ours: dict[str, float], reference: dict[str, float]) -> None:
    for name, value in reference.items():
        assert ours[name] == pytest.approx(value, rel=PARAM_REL, abs=0.0), name


@pytest.mark.parametrize("key", SLOW_CURVES, ids=lambda key: key.slug)
def test_jumps_land_where_the_literal_loop_stops(
    curves: dict[CurveKey, Curve], key: CurveKey
) -> None:
    curve = curves[key]
    fast, literal = m3.M3().fit(curve.x_fit, curve.y_fit), _literal_fit(curve)
    _assert_close(fast.params, literal.params)
    assert fast.converged and literal.converged
    assert fast.iterations < literal.iterations / 2  # the jumps did the work


@pytest.mark.parametrize("key", EARLY_STOPS, ids=lambda key: key.slug)
def test_no_jump_past_an_early_stop(curves: dict[CurveKey, Curve], key: CurveKey) -> None:
    curve = curves[key]
    fast, literal = m3.M3().fit(curve.x_fit, curve.y_fit), _literal_fit(curve)
    _assert_close(fast.params, literal.params)
    assert fast.iterations == literal.iterations


@pytest.mark.parametrize("key", SLOW_CURVES, ids=lambda key: key.slug)
def test_jumps_match_the_official_transcription(
    curves: dict[CurveKey, Curve], official: ModuleType, key: CurveKey
) -> None:
    curve = curves[key]
    reference, _ = official.fit_m3(np.asarray(curve.x_fit), np.asarray(curve.y_fit))
    _assert_close(m3.M3().fit(curve.x_fit, curve.y_fit).params, reference)


def test_checks_run_the_official_pass(curves: dict[CurveKey, Curve]) -> None:
    """_picks(j, γs) is True iff the loop's own pass (fit, then search) at each γ picks j."""
    curve = curves[SLOW_CURVES[2]]
    points = m3._Points(1.0 / curve.x_fit, curve.y_fit)
    gammas = np.geomspace(1e-13, 1e-9, 40).tolist()
    winners = []
    for gamma in gammas:
        logs = points.logs(gamma)
        log_beta, beta, c = points.regression(logs)
        new_gamma, won, new_logs = points.search(log_beta, beta, c, gamma, logs)
        np.testing.assert_array_equal(new_logs, points.logs(new_gamma))  # reused by the loop
        winners.append(won)
    assert len(set(winners) - {m3.NO_WINNER}) >= 2  # the grid sees more than one winner
    for j in set(winners) - {m3.NO_WINNER}:
        for start in range(len(gammas)):
            expected = all(won == j for won in winners[start : start + 3])
            assert points._picks(j, gammas[start : start + 3]) == expected


def _plain_search(points: m3._Points, gamma: float) -> tuple[float, int]:
    """The official search written out: fit at γ, candidates γ_i ≥ 0 only, lowest objective
    0.5 ‖log β + c log(1/x + γ_i) − log ε‖ wins if below γ's."""
    z = np.log(points.inv_x + gamma)
    c, log_beta = np.polyfit(z, points.log_y, 1)
    c = max(c, 0.0)
    candidates = (points.y / np.exp(log_beta)) ** (1.0 / c) - points.inv_x
    valid = np.flatnonzero(candidates >= 0)
    values = np.concatenate([[gamma], candidates[valid]])
    resid = log_beta + c * np.log(points.inv_x[None, :] + values[:, None]) - points.log_y
    objectives = 0.5 * np.linalg.norm(resid, axis=1)
    best = int(np.argmin(objectives[1:]))
    if valid.size and objectives[1 + best] < objectives[0]:
        return float(values[1 + best]), int(valid[best])
    return gamma, m3.NO_WINNER


@pytest.mark.parametrize("key", SLOW_CURVES, ids=lambda key: key.slug)
def test_search_matches_the_plain_search(curves: dict[CurveKey, Curve], key: CurveKey) -> None:
    """Negative candidates (many at small γ) are left out; the winner and γ agree with the
    plain search on a grid of γ."""
    curve = curves[key]
    points = m3._Points(1.0 / curve.x_fit, curve.y_fit)
    for gamma in [0.0, *np.geomspace(1e-12, 1e-7, 30).tolist()]:
        logs = points.logs(gamma)
        new_gamma, won, _ = points.search(*points.regression(logs), gamma, logs)
        plain_gamma, plain_won = _plain_search(points, gamma)
        assert won == plain_won
        assert new_gamma == pytest.approx(plain_gamma, rel=1e-9, abs=0.0)


def test_no_jump_unless_the_steps_shrink(curves: dict[CurveKey, Curve]) -> None:
    curve = curves[SLOW_CURVES[1]]
    points = m3._Points(1.0 / curve.x_fit, curve.y_fit)
    g0 = 1e-9
    g1 = points._step(25, g0)
    assert points.jump(25, [g0, g1, g1 + 2.0 * (g1 - g0)]) is None  # growing steps
    assert points.jump(25, [g0, g1, g1 - 0.5 * (g1 - g0)]) is None  # turning back


def test_exp_overflows_to_inf_as_numpy_does() -> None:
    """β = e^{log β} through math.exp must not raise where np.exp gives inf."""
    with np.errstate(over="ignore"):  # as in Estimator.fit
        assert m3._exp(800.0) == math.inf
    xs = np.linspace(-745.0, 709.5, 2001)
    np.testing.assert_allclose([m3._exp(float(v)) for v in xs], np.exp(xs), rtol=4e-16)
