"""Unit tests of BNSL, BLEND and MEDIAN: recovery of known parameters on curves of BNSL's own
form, the combinations' laws and bands, no leakage from the extrapolation points, determinism
and failure modes."""

from __future__ import annotations

import numpy as np
import pytest

from scalinglaws.curves import Curve, CurveKey
from scalinglaws.errors import FitError, ScalingLawsError
from scalinglaws.estimators import registry
from scalinglaws.estimators.base import FitResult
from scalinglaws.estimators.blend import Blend, blend_law
from scalinglaws.estimators.bnsl import BNSL, bnsl_law
from scalinglaws.estimators.m3 import m3_law
from scalinglaws.estimators.m4 import m4_law
from scalinglaws.estimators.median import Median, median_law
from scalinglaws.fitting import fit_one
from scalinglaws.plots import laws

X = np.geomspace(1e6, 1e9, 30)
ONE_BREAK = {"a": 0.05, "b": 40.0, "c0": 0.05, "c1": 0.6, "d1": 3e7, "f1": 0.3}


def _curve(y_test_scale: float = 1.0) -> Curve:
    """A one-break BNSL curve in (0, 1): 30 fit points, 6 extrapolation points up to 4 x_max."""
    x_test = np.geomspace(1.3e9, 4e9, 6)
    return Curve(
        CurveKey("IC", "synthetic", "one-break"),
        X,
        bnsl_law(ONE_BREAK, X),
        x_test,
        bnsl_law(ONE_BREAK, x_test) * y_test_scale,
    )


def test_bnsl_without_breaks_recovers_power_law_with_offset() -> None:
    y = 0.1 + 30.0 * X**-0.3
    result = BNSL(breaks=0).fit(X, y)
    assert result.params["a"] == pytest.approx(0.1, rel=1e-6)
    assert result.params["b"] == pytest.approx(30.0, rel=1e-5)
    assert result.params["c0"] == pytest.approx(0.3, rel=1e-6)
    assert result.params["c"] == pytest.approx(-0.3, rel=1e-6)
    assert set(result.params) == {"a", "b", "c0", "c"}


def test_bnsl_with_one_break_recovers_its_parameters() -> None:
    result = BNSL(breaks=1).fit(X, bnsl_law(ONE_BREAK, X))
    for name, value in ONE_BREAK.items():
        assert result.params[name] == pytest.approx(value, rel=2e-3), name
    assert result.params["c"] == pytest.approx(-0.65, rel=2e-3)
    x_far = np.geomspace(1e9, 1e11, 5)
    assert np.allclose(result.predict(x_far), bnsl_law(ONE_BREAK, x_far), rtol=1e-3)


def test_bnsl_with_two_breaks_fits_a_two_break_curve() -> None:
    truth = {**ONE_BREAK, "c2": -0.4, "d2": 2e8, "f2": 0.2}
    y = bnsl_law(truth, X)
    result = BNSL(breaks=2).fit(X, y)
    assert {"c2", "d2", "f2"} <= set(result.params)
    assert np.max(np.abs(np.log(result.predict(X) / y))) < 5e-3


def test_bnsl_is_deterministic_given_a_seed() -> None:
    rng = np.random.default_rng(3)
    y = bnsl_law(ONE_BREAK, X) * np.exp(0.01 * rng.standard_normal(X.size))
    first = BNSL(n_random=3, seed=7).fit(X, y).params
    assert BNSL(n_random=3, seed=7).fit(X, y).params == first


def test_blend_is_the_geometric_mean_of_its_members() -> None:
    y = bnsl_law(ONE_BREAK, X)
    blend = Blend().fit(X, y)
    m4 = registry.make("M4").fit(X, y)
    bnsl = registry.make("BNSL").fit(X, y)
    x_far = np.geomspace(1e9, 1e10, 4)
    expected = np.sqrt(m4.predict(x_far) * bnsl.predict(x_far))
    assert np.allclose(blend.predict(x_far), expected, rtol=1e-12)
    assert np.allclose(laws.rebuild("BLEND", blend.params, x_far), expected, rtol=1e-12)
    assert blend.params["w"] == 0.5


def test_blend_falls_back_to_m4_when_bnsl_cannot_fit() -> None:
    x, y = X[:5], 0.1 + 30.0 * X[:5] ** -0.3
    blend = Blend()
    blend.members = (blend.members[0], _Failing("BNSL"))
    result = blend.fit(x, y)
    assert result.params["w"] == 1.0
    assert "BNSL left out: BNSL gave up" in result.message
    assert np.allclose(result.predict(x), registry.make("M4").fit(x, y).predict(x))


def test_blend_leaves_out_a_member_whose_loss_grows_with_data() -> None:
    rising = {**ONE_BREAK, "c0": 0.3, "c1": -0.6}  # y − a falls as x^-0.3, then grows as x^0.3
    y = bnsl_law(rising, X)
    assert BNSL().fit(X, y).params["c"] > 0
    result = Blend().fit(X, y)
    assert result.params["w"] == 1.0
    assert "BNSL left out: its loss grows with data" in result.message


class _Failing(BNSL):
    """A member that always fails, with a reason naming itself."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        raise FitError(f"{self.name} gave up")


def test_blend_fails_with_both_reasons_when_both_members_fail() -> None:
    blend = Blend()
    blend.members = (_Failing("M4"), _Failing("BNSL"))
    with pytest.raises(FitError, match="both members failed: M4 left out: M4 gave up; BNSL"):
        blend.fit(X, 0.1 + 30.0 * X**-0.3)


def test_median_law_takes_the_middle_member_at_each_x() -> None:
    x = np.array([1e2, 1e4, 1e6])
    members = {
        "m3_": {"beta": 2.0, "c": 0.3, "gamma": 0.0},  # 2 x^-0.3: 0.50, 0.13, 0.03
        "m4_": {"beta": 1.0, "c": -0.1, "alpha": 0.0, "err_inf": 0.2, "err_0": 1.0},
        "bnsl_": {"a": 0.0, "b": 0.9, "c0": 0.15},  # 0.9 x^-0.15: 0.45, 0.23, 0.11
    }
    params = {prefix + k: v for prefix, p in members.items() for k, v in p.items()}
    predictions = np.stack([
        m3_law(members["m3_"], x), m4_law(members["m4_"], x), bnsl_law(members["bnsl_"], x)
    ])  # fmt: skip
    expected = np.median(predictions, axis=0)
    assert np.allclose(median_law(params, x), expected, rtol=1e-12)
    assert len(set(np.argsort(predictions, axis=0)[1])) > 1  # the middle member changes with x
    without_m3 = {k: v for k, v in params.items() if not k.startswith("m3_")}
    assert np.allclose(median_law(without_m3, x), np.sqrt(predictions[1] * predictions[2]))


def test_median_fit_is_the_median_of_its_members_fits() -> None:
    y = bnsl_law(ONE_BREAK, X)
    result = Median().fit(X, y)
    x_far = np.geomspace(1e9, 1e10, 4)
    members = [registry.make(name).fit(X, y).predict(x_far) for name in ("M3", "M4", "BNSL")]
    assert np.allclose(result.predict(x_far), np.median(members, axis=0), rtol=1e-12)
    assert np.allclose(laws.rebuild("MEDIAN", result.params, x_far), result.predict(x_far))
    assert result.message == "median of 3 fits"


def test_median_of_the_members_left_after_failures() -> None:
    y = 0.1 + 30.0 * X**-0.3
    median = Median()
    median.members = (median.members[0], median.members[1], _Failing("BNSL"))
    result = median.fit(X, y)
    assert "BNSL left out: BNSL gave up" in result.message
    assert not any(key.startswith("bnsl_") for key in result.params)
    m3, m4 = (registry.make(name).fit(X, y).predict(X) for name in ("M3", "M4"))
    assert np.allclose(result.predict(X), np.sqrt(m3 * m4), rtol=1e-12)
    median.members = (_Failing("M3"), _Failing("M4"), _Failing("BNSL"))
    with pytest.raises(FitError, match="every member failed: M3 left out: M3 gave up; M4"):
        median.fit(X, y)


def test_combination_bands_are_centred_on_the_combined_law() -> None:
    # A combination's band is built from its own combined law and residuals (scalinglaws.bands);
    # its parts only set the number of identified parameters.
    from scalinglaws.bands import BandSettings, predictive
    from scalinglaws.estimators import registry

    curve = _curve()
    x_far = curve.x_test * 10.0
    for name in ("BLEND", "MEDIAN"):
        result = registry.make(name).fit(curve.x_fit, curve.y_fit)
        cls = registry.ESTIMATORS[name]
        band = predictive(cls, result.params, curve.x_fit, curve.y_fit, x_far, BandSettings())
        assert np.allclose(band.center, np.log(result.predict(x_far)), rtol=1e-9)
        assert np.all(np.isfinite(band.scale) & (band.scale > 0))


@pytest.mark.parametrize("name", ["BNSL", "BLEND", "MEDIAN"])
def test_fit_never_reads_the_extrapolation_points(name: str) -> None:
    """Poison the Training=0 losses: the fitted parameters and fit predictions are unchanged."""
    clean_row, clean = fit_one(_curve(), name, {})
    poisoned_row, poisoned = fit_one(_curve(y_test_scale=1.7), name, {})
    assert clean_row["status"] == poisoned_row["status"] == "ok"
    assert poisoned_row["params"] == clean_row["params"]
    assert abs(poisoned_row["rmse"] - clean_row["rmse"]) > 0.05  # the poison reached the scores
    assert np.array_equal(clean["y_pred"].to_numpy(), poisoned["y_pred"].to_numpy())


def test_bad_options_and_inputs_raise_clear_errors() -> None:
    with pytest.raises(ScalingLawsError, match="option breaks must be one of 0, 1, 2; got 3"):
        BNSL(breaks=3)
    with pytest.raises(FitError, match="needs at least 4 fit points, got 3"):
        BNSL(breaks=1).fit(X[:3], 0.1 + X[:3] ** -0.3)
    with pytest.raises(ScalingLawsError, match=r"weight must be a number in \[0, 1\]; got 1.5"):
        Blend(weight=1.5)
    with pytest.raises(ScalingLawsError, match="no option"):
        registry.make("BNSL", sharpness=1.0)


def test_registered_after_the_papers_estimators() -> None:
    names = registry.names()
    assert all(names.index(name) > names.index("M4") for name in ("BNSL", "BLEND", "MEDIAN"))


def test_registered_laws_rebuild_the_fits() -> None:
    y = bnsl_law(ONE_BREAK, X)
    for name, law in (("BNSL", bnsl_law), ("BLEND", blend_law), ("MEDIAN", median_law)):
        result = registry.make(name).fit(X, y)
        assert registry.ESTIMATORS[name].law is not None
        assert np.allclose(law(result.params, X), result.predict(X), rtol=1e-12)
