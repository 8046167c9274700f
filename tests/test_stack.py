"""STACK, the recommended estimator: its law and weights, short curves, determinism, and the
poison test (Training=0 values changed, fits bit-identical) on real benchmark and dev curves."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from workflow_helpers import benchmark_module

from scalinglaws.bands import BandSettings, predictive
from scalinglaws.curves import Curve, read_curves
from scalinglaws.errors import FitError
from scalinglaws.estimators import registry
from scalinglaws.estimators.stack import MEMBERS, WEIGHTS, Stack, renormalised, stack_law
from scalinglaws.fitting import fit_one

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
X = np.geomspace(1e3, 1e6, 12)
Y = 0.1 + 2.0 * X**-0.3


def _real_curves() -> list[Curve]:
    """One curve of each benchmark domain and dev family (the first in key order)."""
    paths = sorted(glob.glob(str(ROOT / "data" / "benchmark" / "*.csv")))
    paths += [str(ROOT / "data" / "dev" / f"{f}.csv") for f in ("olmo", "gadre", "pythia")]
    first: dict[str, Curve] = {}
    for curve in read_curves(paths):
        first.setdefault(curve.key.domain, curve)
    return list(first.values())


def _poisoned(curve: Curve, factor: float) -> Curve:
    """The curve with every Training=0 loss multiplied by ``factor``."""
    return Curve(curve.key, curve.x_fit, curve.y_fit, curve.x_test, curve.y_test * factor)


def test_recommended_is_stack_everywhere() -> None:
    assert registry.RECOMMENDED == "STACK" == CONFIG["recommended_estimator"]
    assert registry.ESTIMATORS["STACK"] is Stack
    assert "STACK" in CONFIG["estimators"]


def test_weights_are_a_distribution_over_the_members() -> None:
    assert len(WEIGHTS) == len(MEMBERS)
    assert all(w >= 0 for w in WEIGHTS) and sum(WEIGHTS) == pytest.approx(1.0, abs=1e-12)


def test_stack_is_the_weighted_geometric_mean_of_its_members() -> None:
    result = Stack().fit(X, Y)
    x_far = np.geomspace(1e6, 1e8, 5)
    expected = np.zeros_like(x_far)
    for prefix, cls in MEMBERS:
        member = cls().fit(X, Y)
        expected += result.params["w_" + prefix.rstrip("_")] * np.log(member.predict(x_far))
    assert np.allclose(result.predict(x_far), np.exp(expected), rtol=1e-10)
    assert np.allclose(stack_law(result.params, x_far), result.predict(x_far), rtol=1e-12)


def test_renormalisation_over_the_members_left() -> None:
    weights = dict(zip(["a", "b", "c"], [0.2, 0.3, 0.5], strict=True))
    assert renormalised(weights, ["a", "b"]) == pytest.approx({"a": 0.4, "b": 0.6})
    assert renormalised({"a": 0.0, "b": 0.0}, ["a", "b"]) == {"a": 0.5, "b": 0.5}


@pytest.mark.parametrize("n", [4, 5, 6])
def test_stack_fits_short_curves(n: int) -> None:
    x = np.geomspace(1e3, 1e5, n)
    rng = np.random.default_rng(n)
    y = (0.1 + 2.0 * x**-0.3) * np.exp(rng.normal(0, 0.005, n))
    result = Stack().fit(x, y)
    weights = [result.params["w_" + p.rstrip("_")] for p, _ in MEMBERS]
    assert weights == pytest.approx(list(WEIGHTS), abs=1e-12)  # every member kept, BNSL too
    assert result.message == "stack of M2, M3, M4, BNSL"
    assert np.all(np.isfinite(result.predict(np.geomspace(1e5, 1e7, 4))))


def test_stack_fits_the_pythia_curves_m4_once_blew_up() -> None:
    """The two Pythia curves on which M4 used to reach ε0 = 277 and 167 (issue 14): STACK's
    fit describes its fit points and its extrapolation stays within a factor 1.5."""
    dev = read_curves([ROOT / "data" / "dev" / "pythia.csv"])
    blowups = [
        c
        for c in dev
        if c.key.model == "pythia-410m" and c.key.task in ("winogrande_err", "arc_challenge_err")
    ]
    assert len(blowups) == 2
    for curve in blowups:
        result = Stack().fit(curve.x_fit, curve.y_fit)
        ratio = result.predict(curve.x_test) / curve.y_test
        assert np.all((ratio > 1 / 1.5) & (ratio < 1.5)), curve.key.label


def test_stack_is_deterministic() -> None:
    first = Stack().fit(X, Y)
    Stack().fit(X * 1.5, Y * 0.9)  # another fit in between (member caches)
    second = Stack().fit(X, Y)
    assert json.dumps(first.params, sort_keys=True) == json.dumps(second.params, sort_keys=True)


def test_stack_band_is_centred_on_its_fit() -> None:
    result = Stack().fit(X, Y)
    x_far = np.geomspace(1e6, 1e7, 3)
    band = predictive(Stack, result.params, X, Y, x_far, BandSettings())
    assert np.allclose(band.center, np.log(result.predict(x_far)), rtol=1e-9)
    assert np.all(np.isfinite(band.scale) & (band.scale > 0))


def test_stack_fails_only_when_every_member_fails() -> None:
    with pytest.raises(FitError, match="needs at least 4"):
        Stack().fit(X[:3], Y[:3])


@pytest.mark.parametrize("curve", _real_curves(), ids=lambda c: c.key.domain)
def test_fit_never_reads_the_extrapolation_points(curve: Curve) -> None:
    """Poison the Training=0 losses: parameters and every prediction are bit-identical.

    STACK pools nothing across curves at fit time (its weights are constants learnt on fit
    points), so poisoning the curve's own Training=0 points covers every way in.
    """
    options = registry.options_for(CONFIG["estimators"]["STACK"], curve.key.domain)
    settings = BandSettings()
    clean_row, clean = fit_one(curve, "STACK", options, settings)
    poisoned_row, poisoned = fit_one(_poisoned(curve, 1.7), "STACK", options, settings)
    assert clean_row["status"] == poisoned_row["status"] == "ok"
    assert poisoned_row["params"] == clean_row["params"]
    assert abs(poisoned_row["rmse"] - clean_row["rmse"]) > 0.05  # the poison reached the scores
    for column in ("y_pred", "y_lo", "y_hi", "log_scale"):
        assert np.array_equal(clean[column].to_numpy(), poisoned[column].to_numpy()), column


def test_backtest_curves_hold_out_late_fit_points_and_drop_training_0() -> None:
    families = benchmark_module("families")
    curve = _real_curves()[-1]  # a PYTHIA curve: 5 fit points, 12 test points
    cut = families.backtest_curve(curve)
    assert cut.n_fit == 4 and cut.n_test == 1
    assert np.array_equal(np.concatenate([cut.x_fit, cut.x_test]), curve.x_fit)
    assert np.array_equal(np.concatenate([cut.y_fit, cut.y_test]), curve.y_fit)
    assert families.backtest_curve(Curve(curve.key, X[:4], Y[:4], X[4:], Y[4:])) is None


def test_learnt_weights_find_the_member_that_predicts_the_held_out_points() -> None:
    learn = benchmark_module("stack_weights")
    log_y = np.log([0.5, 0.4])
    # Every member over-predicts, M4 the least: any mixture is further off than M4 alone.
    logs = np.log(np.array([[0.6, 0.5], [0.7, 0.6], [0.51, 0.41], [0.9, 0.9]]))
    weights, _, references = learn.learn_weights({"A": [(log_y, logs)], "B": [(log_y, logs)]})
    assert weights == (0.0, 0.0, 1.0, 0.0)
    m4_rmse = float(np.sqrt(np.mean((logs[2] - log_y) ** 2)))
    assert references == pytest.approx({"A": m4_rmse, "B": m4_rmse}, rel=1e-12)


def test_losses_below_the_notebook_margin_fit() -> None:
    """y = 2e-4 + 0.05 x^-0.3 (issue 14): M2, M4 and BNSL recover it to < 1e-9 beyond the fit
    region, M3 (a different form) misses by 0.115, so STACK, with 0.05 on M3, is off by
    ≈ 0.05 × 0.115 there (measured 0.0057) and describes its fit points to < 1e-3."""
    x = np.geomspace(1e3, 1e7, 12)
    x_far = np.geomspace(1e7, 1e8, 5)
    result = Stack().fit(x, 2e-4 + 0.05 * x**-0.3)
    y_far = 2e-4 + 0.05 * x_far**-0.3
    assert np.sqrt(np.mean(np.log(result.predict(x) / (2e-4 + 0.05 * x**-0.3)) ** 2)) < 1e-3
    assert np.sqrt(np.mean(np.log(result.predict(x_far) / y_far) ** 2)) < 0.01
