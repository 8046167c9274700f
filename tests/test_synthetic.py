"""Tests of Figure 2's simulation (scalinglaws.synthetic) and its plot."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scalinglaws.curves import curves_from_table, read_tables
from scalinglaws.errors import ScalingLawsError
from scalinglaws.paper import synthetic
from scalinglaws.paper.plots.synthetic import exponent_table, fig2
from scalinglaws.plots.theme import save

TINY = synthetic.Setup(dimension=10, size_min=10, size_max=2000, size_count=10, repetitions=2)


@pytest.mark.parametrize("dimension, angle", [(10, 0.3), (100, 1.2), (100, 2.8)])
def test_exact_error_matches_a_large_simulated_test_set(dimension: int, angle: float) -> None:
    rng = np.random.default_rng(1)
    w_star = np.zeros(dimension)
    w_star[0] = 1.0
    w = np.zeros(dimension)
    w[0], w[1] = math.cos(angle), math.sin(angle)  # exactly `angle` away from w*
    n = 400_000
    x, y = synthetic.sample(rng, n, w_star, noise=0.2)
    empirical = float(np.mean(np.where(x @ w.astype(np.float32) >= 0, 1.0, -1.0) != y))
    exact = synthetic.test_error(w, w_star, noise=0.2)
    assert exact == pytest.approx(0.2 + 0.6 * angle / math.pi)
    assert abs(empirical - exact) < 4 * math.sqrt(exact * (1 - exact) / n)


def test_samples_are_on_the_sphere_with_the_noise_rate() -> None:
    rng = np.random.default_rng(2)
    w_star = np.ones(5) / math.sqrt(5)
    x, y = synthetic.sample(rng, 100_000, w_star, noise=0.3)
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    flipped = np.mean(np.sign(x @ w_star.astype(np.float32)) != y)
    assert flipped == pytest.approx(0.3, abs=0.01)


@pytest.mark.parametrize("hessian_points", [50, 10_000])
def test_newton_reaches_the_ridge_logistic_minimiser(hessian_points: int) -> None:
    rng = np.random.default_rng(3)
    w_star = np.eye(8)[0]
    x, y = synthetic.sample(rng, 3000, w_star, noise=0.2)
    setup = synthetic.Setup(dimension=8, hessian_points=hessian_points, tolerance=1e-10)
    w = synthetic.fit_logistic(x, y, np.zeros(8), setup)
    margin = y * (x.astype(float) @ w)
    grad = -(y / (1 + np.exp(margin))) @ x.astype(float) + setup.ridge * w
    assert np.linalg.norm(grad) < 1e-5 * len(y)
    assert np.dot(w, w_star) / np.linalg.norm(w) > 0.9


def test_simulation_is_seeded_and_learns() -> None:
    first, second = synthetic.simulate(TINY), synthetic.simulate(TINY)
    pd.testing.assert_frame_equal(first, second)
    assert list(first["x"]) == sorted(set(first["x"]))
    assert (first["excess_risk"] > 0).all()
    assert first["excess_risk"].iloc[-1] < 0.5 * first["excess_risk"].iloc[0]
    assert (first["error_se"] > 0).any()
    other = synthetic.simulate(synthetic.Setup(**{**TINY.__dict__, "seed": 1}))
    assert not np.allclose(first["error"], other["error"])


def test_bad_setup_is_a_clear_error() -> None:
    with pytest.raises(ScalingLawsError, match="noise"):
        synthetic.Setup(noise=0.5)
    with pytest.raises(ScalingLawsError, match="sizes"):
        synthetic.Setup(size_min=100, size_max=10)


def test_curve_csv_is_a_dataset(tmp_path) -> None:
    curve = synthetic.simulate(TINY)
    path = tmp_path / "curve.csv"
    synthetic.curve_frame(curve, TINY).to_csv(path, index=False)
    (parsed,) = curves_from_table(read_tables([path]))
    assert parsed.key.domain == synthetic.DOMAIN
    assert parsed.n_fit + parsed.n_test == len(curve) and parsed.n_test >= 1
    assert parsed.x_fit.max() <= curve["x"].max() / 2 < parsed.x_test.min()


def test_fits_above_cutoffs_record_failures_and_draw(tmp_path) -> None:
    curve = synthetic.simulate(TINY)
    estimators = {"M1": {}, "M2": {}, "M4": {"err_0": 0.5, "max_iterations": 200}}
    fits = synthetic.fit_cutoffs(curve, [0, 100, 1000], estimators)
    assert fits.groupby("cutoff")["n_fit"].first().tolist() == [10, 6, 2]
    late = fits[fits["cutoff"] == 1000]
    assert (late["status"] == "failed").all() and late["error"].str.contains("at least").all()
    assert (fits[fits["cutoff"] < 1000]["status"] == "ok").all()
    table = exponent_table(fits, {0: {"M1": -0.09}})
    m1 = table[(table["cutoff"] == 0) & (table["estimator"] == "M1")].iloc[0]
    assert m1["c"] < 0 and m1["paper_c"] == -0.09
    assert m1["difference"] == pytest.approx(m1["c"] + 0.09)
    png, pdf = save(fig2(curve, fits, TINY.noise, "tiny"), tmp_path / "fig2")
    assert png.stat().st_size > 10_000 and pdf.stat().st_size > 1_000


def test_read_off_comparison_needs_the_paper_grid() -> None:
    assert synthetic.read_off_comparison(synthetic.simulate(TINY)).empty
    grid = pd.DataFrame(
        {"x": np.geomspace(10, 1e6, 50), "excess_risk": synthetic.PAPER_EXCESS_RISK}
    )
    assert np.allclose(synthetic.read_off_comparison(grid)["log_ratio"], 0.0)
