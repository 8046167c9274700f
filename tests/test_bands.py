"""Predictive bands (scalinglaws.bands) and their calibration (scalinglaws.calibration)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scalinglaws.bands import BAND_CONSTANTS, BandSettings, constants_for, predictive
from scalinglaws.calibration import (
    MSCE_LEVELS,
    calibration_from_sums,
    calibration_sums,
    calibration_table,
    early_part,
    held_out,
    msce,
)
from scalinglaws.curves import Curve, CurveKey
from scalinglaws.estimators.m2 import M2, power_law
from scalinglaws.fitting import PREDICTION_COLUMNS, fit_one

TRUE = {"beta": 3.0, "c": -0.4, "err_inf": 0.1}


def _curve(
    seed: int, sigma: float = 0.03, n_fit: int = 15, n_test: int = 5, law: dict | None = None
) -> Curve:
    x = np.logspace(2, 6, n_fit + n_test)
    rng = np.random.default_rng(seed)
    y = power_law(law or TRUE, x) * np.exp(sigma * rng.standard_normal(x.size))
    return Curve(CurveKey("D", "t", str(seed)), x[:n_fit], y[:n_fit], x[n_fit:], y[n_fit:])


def test_band_contains_the_base_prediction_and_widens_beyond_the_data() -> None:
    curve = _curve(0)
    row, frame = fit_one(curve, "M2", {}, BandSettings())
    assert row["status"] == "ok" and list(frame.columns) == PREDICTION_COLUMNS
    assert np.all(frame["y_lo"] < frame["y_pred"]) and np.all(frame["y_pred"] < frame["y_hi"])
    width = np.log(frame["y_hi"] / frame["y_lo"]).to_numpy()
    assert width[-1] > width[curve.n_fit - 1]  # the last test point is farthest out


def test_band_follows_its_formula() -> None:
    # s² = m²(σ² + f₀²) + κ² r² D² with the estimator's constants (bands module docstring).
    curve = _curve(1)
    params = M2().fit(curve.x_fit, curve.y_fit).params
    band = predictive(M2, params, curve.x_fit, curve.y_fit, curve.x_test, BandSettings())
    const = constants_for("M2")
    log_fit = np.log(power_law(params, curve.x_fit))
    resid = np.log(curve.y_fit) - log_fit
    sigma2 = resid @ resid / (curve.n_fit - 3)
    span = np.log(curve.x_fit[-1] / curve.x_fit[0])
    drift = np.log(curve.x_test / curve.x_fit[-1]) / span * abs(log_fit[-1] - log_fit[0])
    expected = np.sqrt(const.noise**2 * (sigma2 + 1e-6) + const.kappa**2 * drift**2)
    np.testing.assert_allclose(band.scale, expected, rtol=1e-9)
    assert band.df == const.df
    np.testing.assert_allclose(band.center, np.log(power_law(params, curve.x_test)))


def test_bands_are_unit_free() -> None:
    # Multiplying every loss (or every x) by a constant leaves the band's log width unchanged.
    curve = _curve(2)
    base = fit_one(curve, "M1", {}, BandSettings())[1]
    for fx, fy in ((1.0, 1e-3), (1e3, 1.0)):
        moved = Curve(curve.key, curve.x_fit * fx, curve.y_fit * fy, curve.x_test * fx,
                      curve.y_test * fy)  # fmt: skip
        other = fit_one(moved, "M1", {}, BandSettings())[1]
        np.testing.assert_allclose(other["log_scale"], base["log_scale"], rtol=1e-6)


def test_combinations_have_bands_and_unknown_estimators_take_the_default_row() -> None:
    curve = _curve(4, n_fit=12)
    for name in ("BLEND", "MEDIAN"):
        row, frame = fit_one(curve, name, {}, BandSettings())
        assert row["status"] == "ok" and np.all(np.isfinite(frame["log_scale"]))
        assert frame["log_df"].iloc[0] == constants_for(name).df
    assert constants_for("NOT-REGISTERED") == BAND_CONSTANTS["default"]


def test_bands_never_read_the_extrapolation_points() -> None:
    curve = _curve(2)
    poisoned = Curve(curve.key, curve.x_fit, curve.y_fit, curve.x_test, curve.y_test * 7.0)
    settings = BandSettings()
    clean = fit_one(curve, "M2", {}, settings)[1]
    dirty = fit_one(poisoned, "M2", {}, settings)[1]
    for column in ("y_pred", "y_lo", "y_hi", "log_scale", "log_df"):
        np.testing.assert_array_equal(clean[column], dirty[column])


def test_early_part_keeps_the_early_log_x_range_and_drops_training_0() -> None:
    curve = _curve(3, n_fit=11)  # fit x evenly spaced in log x
    early = early_part(curve)
    assert early.n_fit == 8 and early.n_test == 3
    np.testing.assert_array_equal(early.x_test, curve.x_fit[8:])
    short = early_part(_curve(3, n_fit=5))
    assert short.n_fit == 4 and short.n_test == 1


def _rows(estimator: str, domain: str, z: list[float], scale: float, df: float) -> pd.DataFrame:
    z = np.asarray(z)
    return pd.DataFrame({
        "domain": domain, "task": "t", "model": "m", "estimator": estimator,
        "x": np.arange(z.size) + 1.0, "y_true": np.exp(z * scale), "y_pred": 1.0,
        "region": "extrapolation", "y_lo": np.nan, "y_hi": np.nan,
        "log_scale": scale, "log_df": df,
    })  # fmt: skip


def test_calibration_of_parts_adds_up_to_the_whole() -> None:
    """The workflow calibrates a large file a part at a time: the sums of the parts give the
    table of the whole (counts exactly), a part without some group included."""
    rng = np.random.default_rng(3)
    whole = pd.concat(
        [_rows(e, d, list(rng.standard_t(5, 40)), 0.05, 5.0) for e in "AB" for d in ("IC", "LM")]
    )
    whole.loc[whole.index[:3], "log_scale"] = np.nan  # rows without a band
    whole = whole.sample(frac=1.0, random_state=0).reset_index(drop=True)
    parts = [whole.iloc[:7], whole.iloc[7:90], whole.iloc[90:]]
    combined = calibration_from_sums(pd.concat([calibration_sums(p) for p in parts]))
    expected = calibration_table(whole)
    pd.testing.assert_frame_equal(combined, expected, rtol=1e-12)
    assert combined["n"].sum() + combined["n_no_band"].sum() == len(whole)


def test_calibration_table_on_hand_made_cases() -> None:
    df = 4.0
    q = {lv: stats.t.ppf(0.5 + lv / 2, df) for lv in (0.5, 0.8, 0.95)}
    # z-scores: one inside every band, one between the 50 % and 80 % bands, one beyond 95 %.
    z = [0.0, (q[0.5] + q[0.8]) / 2, q[0.95] + 1.0]
    frame = pd.concat([
        _rows("A", "IC", z, 0.1, df),
        _rows("A", "LM", [0.0], 0.2, df).assign(log_scale=np.nan),
        _rows("A", "IC", [0.0], 0.1, df).assign(region="fit"),
    ])  # fmt: skip
    table = calibration_table(frame).set_index(["domain", "estimator"])
    ic = table.loc[("IC", "A")]
    assert ic["n"] == 3 and ic["n_no_band"] == 0
    assert ic["cover_50"] == pytest.approx(1 / 3)
    assert ic["cover_80"] == pytest.approx(2 / 3)
    assert ic["cover_95"] == pytest.approx(2 / 3)
    expected = np.mean([stats.t.logpdf(v, df) - np.log(0.1) for v in z])
    assert ic["log_lik"] == pytest.approx(expected)
    assert table.loc[("LM", "A")]["n"] == 0 and table.loc[("LM", "A")]["n_no_band"] == 1


def test_held_out_curves_drop_the_extrapolation_points() -> None:
    curve = _curve(3, n_fit=10)
    (inner,) = held_out([curve], 0.6)
    assert inner.n_fit == 6 and inner.n_test == 4
    np.testing.assert_array_equal(inner.x_test, curve.x_fit[6:])
    assert not np.isin(curve.x_test, np.concatenate([inner.x_fit, inner.x_test])).any()


def test_msce_is_zero_for_calibrated_levels_and_known_for_a_too_wide_band() -> None:
    levels = np.asarray(MSCE_LEVELS)
    uniform = (np.arange(100_000) + 0.5) / 100_000  # central levels of a calibrated band
    assert msce(uniform) < 1e-8
    too_wide = np.zeros(10)  # every point at the centre: coverage 1 at every level
    assert msce(too_wide) == pytest.approx(np.mean((1 - levels) ** 2))
    assert len(levels) == 50 and levels[0] == 0.5 and levels[-1] == 0.99
    assert np.isnan(msce(np.array([])))


def test_calibration_table_has_msce_and_the_density_of_y() -> None:
    df, z = 4.0, [0.0, 0.5, 3.0]
    table = calibration_table(_rows("A", "IC", z, 0.1, df)).iloc[0]
    u = 2 * stats.t.cdf(np.asarray(z), df) - 1
    assert table["msce"] == pytest.approx(msce(u))
    log_y = np.asarray(z) * 0.1
    assert table["log_lik_y"] == pytest.approx(table["log_lik"] - log_y.mean())
