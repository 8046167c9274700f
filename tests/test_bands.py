"""Predictive bands (scalinglaws.bands) and their calibration (scalinglaws.calibration)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scalinglaws.bands import BandSettings, predictive
from scalinglaws.calibration import MSCE_LEVELS, calibration_table, held_out, msce
from scalinglaws.curves import Curve, CurveKey
from scalinglaws.estimators.m1 import M1
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
    row, frame = fit_one(curve, "M2", {}, BandSettings(kappa_prior=0.05, prior_weight=2.0))
    assert row["status"] == "ok" and list(frame.columns) == PREDICTION_COLUMNS
    assert np.all(frame["y_lo"] < frame["y_pred"]) and np.all(frame["y_pred"] < frame["y_hi"])
    width = np.log(frame["y_hi"] / frame["y_lo"]).to_numpy()
    assert width[-1] > width[curve.n_fit - 1]  # the last test point is farthest out


def test_bands_are_deterministic_given_the_seed() -> None:
    curve = _curve(1)
    args = (M2, TRUE, curve.x_fit, curve.y_fit, curve.x_test)
    a = predictive(*args, BandSettings(seed=5))
    b = predictive(*args, BandSettings(seed=5))
    c = predictive(*args, BandSettings(seed=6))
    np.testing.assert_array_equal(a.scale, b.scale)
    assert not np.array_equal(a.scale, c.scale)


def test_interpolation_coverage_is_near_nominal_on_synthetic_curves() -> None:
    # Known law, known log-normal noise: fresh draws at the fit x must fall inside the 80 %
    # band about 80 % of the time (pooled over 60 curves × 15 points).
    sigma, inside = 0.03, []
    law = {"beta": 3.0, "c": -0.4, "err_inf": 0.0}
    rng = np.random.default_rng(123)
    for seed in range(60):
        curve = _curve(seed, sigma=sigma, law=law)
        frame = fit_one(curve, "M1", {}, BandSettings(level=0.8))[1]
        fit = frame[frame["region"] == "fit"]
        noise = np.exp(sigma * rng.standard_normal(len(fit)))
        fresh = power_law(law, fit["x"].to_numpy()) * noise
        inside.extend((fresh >= fit["y_lo"]) & (fresh <= fit["y_hi"]))
    assert 0.72 < np.mean(inside) < 0.88


def test_bands_never_read_the_extrapolation_points() -> None:
    curve = _curve(2)
    poisoned = Curve(curve.key, curve.x_fit, curve.y_fit, curve.x_test, curve.y_test * 7.0)
    settings = BandSettings(kappa_prior=0.1, prior_weight=1.0)
    clean = fit_one(curve, "M2", {}, settings)[1]
    dirty = fit_one(poisoned, "M2", {}, settings)[1]
    for column in ("y_pred", "y_lo", "y_hi", "log_scale", "log_df"):
        np.testing.assert_array_equal(clean[column], dirty[column])


def test_the_extrapolation_term_comes_from_the_backtest() -> None:
    # A curve that bends away after its early fit points gets a wider band than a straight
    # one: κ is learnt from the errors at the later fit points.
    x = np.logspace(1, 5, 20)
    straight = 2.0 * x**-0.3
    bent = np.where(x < 1e3, straight, 2.0 * 1e3**-0.3 * (x / 1e3) ** -0.1)
    x_new = np.array([1e6])
    widths = []
    for y in (straight, bent):
        lin_fit = M1().fit(x, y)
        widths.append(predictive(M1, lin_fit.params, x, y, x_new, BandSettings()).scale[0])
    assert widths[1] > 5 * widths[0]


def _rows(estimator: str, domain: str, z: list[float], scale: float, df: float) -> pd.DataFrame:
    z = np.asarray(z)
    return pd.DataFrame({
        "domain": domain, "task": "t", "model": "m", "estimator": estimator,
        "x": np.arange(z.size) + 1.0, "y_true": np.exp(z * scale), "y_pred": 1.0,
        "region": "extrapolation", "y_lo": np.nan, "y_hi": np.nan,
        "log_scale": scale, "log_df": df,
    })  # fmt: skip


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
