"""Bootstrap refits of any estimator's law (scalinglaws.uncertainty)."""

from __future__ import annotations

import numpy as np
import pytest

from scalinglaws.errors import FitError
from scalinglaws.estimators.base import Estimator, FitResult
from scalinglaws.estimators.m2 import M2, power_law
from scalinglaws.uncertainty import bootstrap_fits, linearise


def _noisy_m2(seed: int = 1, n: int = 12, sigma: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    x = np.logspace(2, 5, n)
    y = power_law({"beta": 3.0, "c": -0.4, "err_inf": 0.1}, x)
    return x, y * np.exp(sigma * np.random.default_rng(seed).standard_normal(n))


@pytest.mark.parametrize("name", ["M1", "M2", "M3", "M4"])
def test_replicates_are_deterministic_and_inside_the_bounds(name: str) -> None:
    x, y = _noisy_m2()
    base, reps = bootstrap_fits(name, {}, x, y, replicates=15, seed=3)
    again = bootstrap_fits(name, {}, x, y, replicates=15, seed=3)[1]
    other = bootstrap_fits(name, {}, x, y, replicates=15, seed=4)[1]
    assert len(reps) == 15
    assert [r.params for r in reps] == [r.params for r in again]
    assert [r.params for r in reps] != [r.params for r in other]
    for rep in reps:
        assert set(rep.params) == set(base.params)
        assert np.all(np.isfinite(rep.predict(x))) and np.all(rep.predict(x) > 0)
    if name == "M4":  # ε_0 is not a free parameter; α ≥ 0 and c ≤ 0 hold
        assert all(r.params["err_0"] == base.params["err_0"] for r in reps)
        assert all(r.params["alpha"] >= 0 and r.params["c"] <= 0 for r in reps)
    if name == "M1":
        assert all(r.params["err_inf"] == 0.0 for r in reps)


def test_noise_free_data_give_replicates_equal_to_the_base_fit() -> None:
    x = np.logspace(1, 4, 8)
    y = power_law({"beta": 2.0, "c": -0.3, "err_inf": 0.0}, x)
    base, reps = bootstrap_fits("M1", {}, x, y, replicates=5, seed=0)
    for rep in reps:
        np.testing.assert_allclose(rep.predict(x), base.predict(x), rtol=1e-9)


def test_replicate_spread_matches_the_noise_level() -> None:
    # The spread of the refitted slope across replicates tracks the least-squares standard
    # error of c for an M1 line in log space: σ / sqrt(Σ (log x − mean)²).
    x = np.logspace(1, 4, 40)
    sigma = 0.05
    y = 2.0 * x**-0.3 * np.exp(sigma * np.random.default_rng(7).standard_normal(x.size))
    _, reps = bootstrap_fits("M1", {}, x, y, replicates=400, seed=0)
    spread = np.std([r.params["c"] for r in reps])
    log_x = np.log(x)
    expected = sigma / np.sqrt(np.sum((log_x - log_x.mean()) ** 2))
    assert 0.7 * expected < spread < 1.3 * expected


def test_an_estimator_without_bounds_moves_every_parameter() -> None:
    class Free(Estimator):
        name = "Free"
        law = staticmethod(power_law)

        def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
            raise NotImplementedError

    lin = linearise(Free, {"beta": 3.0, "c": -0.4, "err_inf": 0.1}, np.logspace(2, 5, 6))
    assert lin.keys == ("beta", "c", "err_inf")
    assert lin.rank() == 3
    lin_m2 = linearise(M2, {"beta": 3.0, "c": -0.4, "err_inf": 0.1}, np.logspace(2, 5, 6))
    np.testing.assert_allclose(lin.jacobian, lin_m2.jacobian)


def test_the_jacobian_matches_the_analytic_derivative() -> None:
    x = np.logspace(1, 3, 5)
    params = {"beta": 2.0, "c": -0.5, "err_inf": 0.2}
    lin = linearise(M2, params, x)
    y = power_law(params, x)
    analytic_c = params["beta"] * x ** params["c"] * np.log(x) / y
    np.testing.assert_allclose(lin.jacobian[:, 1], analytic_c, rtol=1e-3)


def test_an_estimator_without_a_law_cannot_be_refitted() -> None:
    class NoLaw(Estimator):
        name = "NoLaw"

        def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
            raise NotImplementedError

    with pytest.raises(FitError, match="no law"):
        linearise(NoLaw, {"beta": 1.0}, np.ones(3))
