"""Trust on unseen curves (issue 14, items 1-3): short curves, no blow-ups, unit-free fits."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pytest

from scalinglaws.curves import Curve, read_curves
from scalinglaws.errors import FitError, ScalingLawsError
from scalinglaws.estimators import m4, registry
from scalinglaws.estimators.base import Estimator, FitResult, check_fit_region
from scalinglaws.estimators.bnsl import BNSL
from scalinglaws.estimators.m1 import M1
from scalinglaws.estimators.m2 import power_law
from scalinglaws.estimators.m4 import AUTO_ERR_0

ROOT = Path(__file__).resolve().parents[1]
PYTHIA = ROOT / "tests" / "data" / "pythia_m4_blowups.csv"  # provenance: pythia_m4_blowups.md
NAMES = registry.names()


def _log_rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.log(a / b) ** 2)))


def _noisy(x: np.ndarray, y: np.ndarray, seed: int, sigma: float = 0.01) -> np.ndarray:
    return y * np.exp(sigma * np.random.default_rng(seed).standard_normal(x.size))


def _pythia() -> dict[str, Curve]:
    return {curve.key.task: curve for curve in read_curves([PYTHIA])}


# --------------------------------------------------------------------------------------------
# 1. Short curves: BNSL, BLEND and MEDIAN fit 4-6 points with every member present
# --------------------------------------------------------------------------------------------

SHORT_LAWS = {
    "error rate": lambda x: 0.1 + 30.0 * x**-0.3,
    "raw cross-entropy": lambda x: 1.8 + 400.0 * x**-0.3,
}


@pytest.mark.parametrize("n", [4, 5, 6])
@pytest.mark.parametrize("law", list(SHORT_LAWS))
def test_bnsl_fits_short_curves_without_breaks(n: int, law: str) -> None:
    x = np.geomspace(1e6, 1e8, n)
    y = _noisy(x, SHORT_LAWS[law](x), seed=n, sigma=0.003)
    result = BNSL().fit(x, y)  # breaks=1 configured
    assert "d1" not in result.params  # 4-6 points support no break: one more point than params
    assert result.message == f"BNSL with 0 break(s) (1 configured; {n} fit points support 0)"
    x_far = np.geomspace(1e8, 4e8, 5)
    assert _log_rmse(result.predict(x_far), SHORT_LAWS[law](x_far)) < 0.05


def test_bnsl_breaks_grow_with_the_points() -> None:
    bnsl = BNSL(breaks=2)
    assert [bnsl.breaks_for(n) for n in (4, 6, 7, 9, 10, 30)] == [0, 0, 1, 1, 2, 2]
    assert BNSL(breaks=1).breaks_for(30) == 1
    x = np.geomspace(1e6, 1e8, 7)
    assert "d1" in BNSL().fit(x, _noisy(x, SHORT_LAWS["error rate"](x), seed=7)).params


@pytest.mark.parametrize("n", [4, 5, 6])
@pytest.mark.parametrize("law", list(SHORT_LAWS))
def test_combinations_keep_every_member_on_short_curves(n: int, law: str) -> None:
    x = np.geomspace(1e6, 1e8, n)
    y = _noisy(x, SHORT_LAWS[law](x), seed=10 + n, sigma=0.003)
    x_far = np.geomspace(1e8, 4e8, 5)
    blend = registry.make("BLEND").fit(x, y)
    assert blend.params["w"] == 0.5 and blend.message == "geometric blend, w(M4) = 0.5"
    assert any(k.startswith("m4_") for k in blend.params)
    assert any(k.startswith("bnsl_") for k in blend.params)
    median = registry.make("MEDIAN").fit(x, y)
    assert median.message == "median of 3 fits"
    for prefix in ("m3_", "m4_", "bnsl_"):
        assert any(k.startswith(prefix) for k in median.params), prefix
    for result in (blend, median):
        assert _log_rmse(result.predict(x_far), SHORT_LAWS[law](x_far)) < 0.05


def test_a_member_left_out_is_named_in_the_message() -> None:
    x = np.geomspace(1e6, 1e8, 5)
    y = SHORT_LAWS["error rate"](x)
    blend = registry.make("BLEND")
    blend.members = (blend.members[0], _Refusing())
    result = blend.fit(x, y)
    assert result.params["w"] == 1.0
    assert "BNSL left out: BNSL: fit-region log-RMSE" in result.message


# --------------------------------------------------------------------------------------------
# 2. No silent blow-ups
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["winogrande_err", "arc_challenge_err"])
def test_pythia_blowups_fit_sanely_with_the_defaults(task: str) -> None:
    curve = _pythia()[task]
    result = registry.make("M4").fit(curve.x_fit, curve.y_fit)  # no domain settings
    y_max = curve.y_fit.max()
    assert curve.y_fit.max() < result.params["err_0"] <= AUTO_ERR_0 * y_max + 1e-3 * y_max
    assert _log_rmse(result.predict(curve.x_fit), curve.y_fit) < 0.015  # was 4.0 and 2.6
    assert _log_rmse(result.predict(curve.x_test), curve.y_test) < 0.05
    for name in ("BLEND", "MEDIAN"):
        combined = registry.make(name).fit(curve.x_fit, curve.y_fit)
        assert "left out" not in combined.message
        assert _log_rmse(combined.predict(curve.x_fit), curve.y_fit) < 0.015


@pytest.mark.parametrize("task", ["winogrande_err", "arc_challenge_err"])
def test_unbounded_err_0_blowup_is_refused_with_its_reason(task: str) -> None:
    curve = _pythia()[task]
    m4 = registry.make("M4", margins="notebook", err_0=1.0, up_bound=None)  # the old default
    with pytest.raises(FitError, match=r"M4: ε_0 = \d+\.?\d* is above 10 × the largest fit loss"):
        m4.fit(curve.x_fit, curve.y_fit)


class _Refusing(BNSL):
    """BNSL whose fit is deliberately bad: its parameters are off by a factor of 2 in b."""

    def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        good = super()._fit(x, y)
        params = {**good.params, "a": 0.0, "b": 2.0 * good.params["b"]}
        return FitResult.of_law(type(self).law, params, x, y)


def test_a_fit_that_misses_its_own_points_is_refused() -> None:
    x = np.geomspace(1e6, 1e8, 12)
    y = _noisy(x, SHORT_LAWS["error rate"](x), seed=1)
    with pytest.raises(FitError, match=r"BNSL: fit-region log-RMSE 0\.\d+ exceeds max\(0\.01, 3 ×"):
        _Refusing().fit(x, y)


def test_the_fit_region_bound_is_relative_to_a_straight_line() -> None:
    x = np.geomspace(1e6, 1e8, 8)
    y = _noisy(x, SHORT_LAWS["error rate"](x), seed=2, sigma=0.05)
    line = M1().fit(x, y).predict(x)
    sigma = _log_rmse(line, y)
    check_fit_region("test", x, y, line * np.exp(2.5 * sigma))  # RMSE √(1 + 2.5²) σ̂ < 3 σ̂
    with pytest.raises(FitError, match="does not describe its own points"):
        check_fit_region("test", x, y, line * np.exp(3.1 * sigma))
    with pytest.raises(FitError, match="non-positive or non-finite"):
        check_fit_region("test", x, y, np.where(x > 1e7, np.nan, line))


def test_m3_that_cannot_follow_a_rising_curve_is_refused() -> None:
    x = np.geomspace(1e9, 5e10, 5)
    y = np.array([0.50, 0.49, 0.53, 0.60, 0.70])  # rises: M3's c ≥ 0 cannot follow
    with pytest.raises(FitError, match="M3: fit-region log-RMSE"):
        registry.make("M3").fit(x, y)


def test_m4_auto_bound_keeps_err_0_within_twice_the_data() -> None:
    for curve in read_curves(sorted(glob.glob(str(ROOT / "data" / "benchmark" / "*.csv"))))[::9]:
        result = registry.make("M4").fit(curve.x_fit, curve.y_fit)
        assert result.params["err_0"] <= AUTO_ERR_0 * curve.y_fit.max() * (1 + 1e-3)


# --------------------------------------------------------------------------------------------
# 3. Unit-free fits: y → s·y scales every prediction by s (the default, relative margins)
# --------------------------------------------------------------------------------------------


def _benchmark_curve() -> tuple[np.ndarray, np.ndarray]:
    paths = sorted(glob.glob(str(ROOT / "data" / "benchmark" / "*.csv")))
    curve = next(c for c in read_curves(paths) if c.key.domain == "IC")
    return curve.x_fit, curve.y_fit


def _unit_curves() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    x12, x5 = np.geomspace(1e3, 1e7, 12), np.geomspace(1e6, 1e9, 5)
    pythia = _pythia()["winogrande_err"]
    return {
        "tiny losses (issue 14)": (x12, 2e-4 + 0.05 * x12**-0.3),
        "noisy M2 law": (x12, _noisy(x12, 0.2 + 30.0 * x12**-0.35, seed=3)),
        "M4-shaped law": (x12, power_law({"beta": 3.0, "c": -0.25, "err_inf": 0.05}, x12)),
        "benchmark IC curve": _benchmark_curve(),
        "short 5 points": (x5, _noisy(x5, 0.3 + 20.0 * x5**-0.3, seed=5)),
        "short raw loss": (x5, _noisy(x5, 2.0 + 300.0 * x5**-0.3, seed=6)),
        "pythia 5 points": (pythia.x_fit, pythia.y_fit),
    }


UNIT_CURVES = _unit_curves()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("curve", list(UNIT_CURVES))
@pytest.mark.parametrize("scale", [1e-3, 1e3])
def test_fits_are_unit_free(name: str, curve: str, scale: float) -> None:
    x, y = UNIT_CURVES[curve]
    x_eval = np.geomspace(x.min(), 30.0 * x.max(), 25)
    base = registry.make(name).fit(x, y).predict(x_eval)
    scaled = registry.make(name).fit(x, scale * y).predict(x_eval) / scale
    assert _log_rmse(scaled, base) < 1e-6


@pytest.mark.parametrize("alpha", [0.0, 4.2e-6, 0.3])  # 4.2e-6: below ALPHA_ZERO (an OLMO fit)
def test_m4_parameters_scale_back_with_the_law_that_predicts(alpha: float) -> None:
    params = {"beta": 50.0, "c": -0.3, "alpha": alpha, "err_inf": 0.5, "err_0": 4.0}
    x = np.geomspace(1e6, 1e10, 9)
    for scale in (1e-3, 3.46, 1e3):
        scaled = m4._unscaled(params, scale)  # the fit to ε / s, in loss units
        np.testing.assert_allclose(m4.m4_law(scaled, x), scale * m4.m4_law(params, x), rtol=1e-13)


@pytest.mark.parametrize("name", ["M2", "M4", "BNSL", "BLEND", "MEDIAN"])
def test_losses_below_the_notebook_margin_fit(name: str) -> None:
    x, y = UNIT_CURVES["tiny losses (issue 14)"]  # y = 2e-4 + 0.05 x^-0.3, all below 7e-3
    x_far = np.geomspace(1e7, 1e8, 5)
    result = registry.make(name).fit(x, y)
    assert _log_rmse(result.predict(x), y) < 1e-3
    assert _log_rmse(result.predict(x_far), 2e-4 + 0.05 * x_far**-0.3) < 1e-3


def test_notebook_margins_depend_on_the_unit_as_documented() -> None:
    x, y = UNIT_CURVES["tiny losses (issue 14)"]
    notebook = registry.make("M2", margins="notebook")
    x_eval = np.geomspace(x.min(), 30.0 * x.max(), 25)
    small = notebook.fit(x, y).predict(x_eval)
    large = notebook.fit(x, 1e3 * y).predict(x_eval) / 1e3
    assert _log_rmse(small, large) > 0.01  # the official absolute margin of 1e-3
    relative = registry.make("M2").fit(x, y)
    assert _log_rmse(relative.predict(x), y) < 1e-9


@pytest.mark.parametrize(
    ("name", "option", "value", "allowed"),
    [
        ("M2", "margins", "absolute", "'notebook', 'relative'"),
        ("M4", "margins", None, "'notebook', 'relative'"),
        ("M4", "up_bound", "high", "a number > 0, None or 'auto'"),
        ("M4", "err_0", -1.0, "a number > 0 or None"),
        ("BLEND", "margins", "official", "'notebook', 'relative'"),
        ("MEDIAN", "up_bound", 0.0, "a number > 0, None or 'auto'"),
    ],
)
def test_bad_option_values_are_named(name: str, option: str, value: object, allowed: str) -> None:
    with pytest.raises(ScalingLawsError) as info:
        registry.make(name, **{option: value})
    message = str(info.value)
    assert option in message and allowed in message and repr(value) in message


def test_every_estimator_is_an_estimator() -> None:
    assert all(issubclass(registry.ESTIMATORS[name], Estimator) for name in NAMES)
