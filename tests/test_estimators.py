"""Unit tests of the M1-M4 estimators: recovery on noiseless curves, M4's implicit prediction,
raw cross-entropy losses, input checking, the registry's errors and determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from scalinglaws.errors import FitError, ScalingLawsError
from scalinglaws.estimators import registry
from scalinglaws.estimators.base import FitResult
from scalinglaws.estimators.m4 import ALPHA_ZERO, m4_law

X = np.geomspace(1e6, 1e9, 30)
NAMES = tuple(registry.names())  # every registered estimator


def _relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(actual / expected - 1.0)))


def _m4_curve(x: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """Losses solving (y - err_inf) / (err_0 - y)^alpha = beta x^c, by brentq per point."""
    err_inf, err_0, alpha = params["err_inf"], params["err_0"], params["alpha"]

    def solve(power: float) -> float:
        return brentq(
            lambda e: (e - err_inf) - power * (err_0 - e) ** alpha,
            err_inf,
            err_0,
            xtol=1e-15,
            rtol=4 * np.finfo(float).eps,
        )

    return np.array([solve(p) for p in params["beta"] * x ** params["c"]])


def _noisy_curve() -> tuple[np.ndarray, np.ndarray]:
    """An M2-shaped curve in (0, 1) with 1 % multiplicative noise (fixed seed)."""
    rng = np.random.default_rng(2021)
    y = (0.2 + 30.0 * X**-0.35) * np.exp(0.01 * rng.standard_normal(X.size))
    return X, y


# --------------------------------------------------------------------------------------------
# Recovery of known parameters on noiseless curves of each estimator's own form
# --------------------------------------------------------------------------------------------


def test_m1_recovers_power_law() -> None:
    y = 5.0 * X**-0.3
    result = registry.make("M1").fit(X, y)
    assert result.params["beta"] == pytest.approx(5.0, rel=1e-10)
    assert result.params["c"] == pytest.approx(-0.3, rel=1e-10)
    assert result.params["err_inf"] == 0.0
    assert _relative_error(result.predict(X), y) < 1e-12
    assert result.converged


def test_m2_recovers_offset_power_law() -> None:
    truth = {"err_inf": 0.2, "beta": 30.0, "c": -0.35}
    y = truth["err_inf"] + truth["beta"] * X ** truth["c"]
    result = registry.make("M2").fit(X, y)
    # The official path starts err_inf at min(y) - 1e-3 (about 0.21 here) and must descend.
    assert result.params["err_inf"] < y.min() - 1e-3
    for name, value in truth.items():
        assert result.params[name] == pytest.approx(value, rel=0.02), name
    assert _relative_error(result.predict(X), y) < 1e-3
    assert result.converged


def test_m3_recovers_official_sign_convention() -> None:
    # y = beta (1/x + gamma)^c, c > 0; gamma = 1e-8 sits inside 1/x in [1e-9, 1e-6].
    beta, c, gamma = 5.0, 0.3, 1e-8
    y = beta * (1.0 / X + gamma) ** c
    result = registry.make("M3").fit(X, y)
    assert _relative_error(result.predict(X), y) < 1e-3
    assert result.params["c"] == pytest.approx(c, rel=0.01)
    assert result.params["beta"] == pytest.approx(beta, rel=0.05)
    assert result.params["gamma"] == pytest.approx(gamma, rel=0.05)
    assert result.converged


M4_TRUTH = {"beta": 400.0, "c": -0.37, "alpha": 0.5, "err_inf": 0.15, "err_0": 1.0}


def test_m4_recovers_sigmoid_law() -> None:
    y = _m4_curve(X, M4_TRUTH)
    assert 0.85 < y.max() < 0.95 and 0.25 < y.min() < 0.35  # the curve spans ~0.9 .. 0.3
    result = registry.make("M4", err_0=1.0, up_bound=1.0).fit(X, y)
    assert _relative_error(result.predict(X), y) < 1e-3
    for name in ("c", "alpha", "err_inf", "err_0"):
        assert result.params[name] == pytest.approx(M4_TRUTH[name], rel=0.02), name
    assert result.params["err_0"] <= 1.0 + 1e-3  # up_bound + ERR_MARGIN


# --------------------------------------------------------------------------------------------
# M4 prediction: the implicit equation, solved exactly
# --------------------------------------------------------------------------------------------

M4_PARAMS = [
    {"beta": 400.0, "c": -0.37, "alpha": 0.5, "err_inf": 0.15, "err_0": 1.0},
    {"beta": 50.0, "c": -0.3, "alpha": 1.0, "err_inf": 0.05, "err_0": 1.0},
    {"beta": 3000.0, "c": -0.5, "alpha": 2.5, "err_inf": 0.3, "err_0": 1.001},
    {"beta": 0.5, "c": -0.25, "alpha": 0.01, "err_inf": 0.0, "err_0": 0.9},
]


def _implicit_misfit(params: dict[str, float], x: np.ndarray, y: np.ndarray) -> float:
    lhs = (y - params["err_inf"]) / (params["err_0"] - y) ** params["alpha"]
    return _relative_error(lhs, params["beta"] * x ** params["c"])


@pytest.mark.parametrize("params", M4_PARAMS, ids=lambda p: f"alpha={p['alpha']}")
def test_m4_prediction_solves_implicit_equation(params: dict[str, float]) -> None:
    x = np.geomspace(1e4, 1e12, 60)
    y = m4_law(params, x)
    share = (y - params["err_inf"]) / (params["err_0"] - params["err_inf"])
    assert share.min() > 1e-4 and share.max() < 0.999  # away from both ends of [err_inf, err_0]
    assert _implicit_misfit(params, x, y) < 1e-10
    assert np.all(np.diff(y) < 0)  # decreasing in x


def test_fitted_m4_prediction_solves_implicit_equation() -> None:
    result = registry.make("M4", err_0=1.0, up_bound=1.0).fit(X, _m4_curve(X, M4_TRUTH))
    assert result.params["alpha"] > ALPHA_ZERO
    x = np.geomspace(1e6, 1e10, 40)  # fit range and an extrapolation decade
    assert _implicit_misfit(result.params, x, result.predict(x)) < 1e-10


def test_m4_prediction_of_a_point_does_not_depend_on_the_others() -> None:
    # Many parameter sets at once (as the bootstrap evaluates them): every element is solved
    # on its own, bit for bit the same alone or with others (some settle in a few Newton
    # steps, others take dozens; one set is the M2 limit α ≈ 0).
    rng = np.random.default_rng(3)
    sets = {
        "beta": rng.uniform(1.0, 50.0, (30, 1)),
        "c": -rng.uniform(0.1, 0.6, (30, 1)),
        "alpha": rng.uniform(0.0, 3.0, (30, 1)),
        "err_inf": rng.uniform(0.0, 0.3, (30, 1)),
        "err_0": rng.uniform(1.0, 3.0, (30, 1)),
    }
    sets["alpha"][4] = 0.5 * ALPHA_ZERO
    x = np.geomspace(1e3, 1e10, 25)
    together = m4_law(sets, x)
    assert np.isfinite(together).all()
    for row in (0, 4, 7, 29):
        alone = {name: float(value[row, 0]) for name, value in sets.items()}
        np.testing.assert_array_equal(m4_law(alone, x), together[row])
        np.testing.assert_array_equal(m4_law(alone, x[5:6]), together[row, 5:6])


@pytest.mark.parametrize("alpha", [0.0, 0.5 * ALPHA_ZERO, -0.5 * ALPHA_ZERO])
def test_m4_prediction_is_m2_for_negligible_alpha(alpha: float) -> None:
    params = {"beta": 30.0, "c": -0.35, "alpha": alpha, "err_inf": 0.2, "err_0": 1.0}
    x = np.geomspace(1e3, 1e12, 40)
    np.testing.assert_array_equal(m4_law(params, x), 0.2 + 30.0 * x**-0.35)


# --------------------------------------------------------------------------------------------
# Raw (unscaled) cross-entropy losses
# --------------------------------------------------------------------------------------------


def _raw_cross_entropy() -> tuple[np.ndarray, np.ndarray]:
    """Losses from about 9 down to about 3, with 0.5 % noise."""
    rng = np.random.default_rng(7)
    y = (1.5 + 240.0 * X**-0.25) * np.exp(0.005 * rng.standard_normal(X.size))
    return X, y


@pytest.mark.parametrize("name", registry.names())
def test_raw_cross_entropy_fits(name: str) -> None:
    x, y = _raw_cross_entropy()
    assert y.min() > 2.0 and y.max() < 9.5
    result = registry.make(name).fit(x, y)  # M4: default err_0=1.0, below every loss
    assert all(math.isfinite(v) for v in result.params.values()), result.params
    assert math.isfinite(result.objective)
    if name == "M4":
        # err_0 = 1.0 is below the data: it must start from max(y) + 1e-3, not take log(<0).
        assert result.params["err_0"] >= y.max() + 1e-3 - 1e-12
    x_all = np.geomspace(1e5, 1e11, 50)
    y_pred = result.predict(x_all)
    assert np.all(np.isfinite(y_pred)) and np.all(y_pred > 0)
    assert _relative_error(result.predict(x), y) < 0.1  # M1 has no offset: about 6 % off


# --------------------------------------------------------------------------------------------
# Bad input and the registry
# --------------------------------------------------------------------------------------------

BAD_INPUTS = {
    "two points": ([1e6, 2e6], [0.5, 0.4], r"needs at least \d+ fit points, got 2"),
    "no points": ([], [], r"needs at least \d+ fit points, got 0"),
    "zero x": ([0.0, 1e6, 2e6], [0.6, 0.5, 0.4], "positive"),
    "negative y": ([1e6, 2e6, 3e6], [0.5, -0.4, 0.3], "positive"),
    "zero y": ([1e6, 2e6, 3e6], [0.5, 0.0, 0.3], "positive"),
    "duplicate x": ([1e6, 2e6, 2e6, 3e6], [0.5, 0.4, 0.4, 0.3], "unique"),
    "nan y": ([1e6, 2e6, 3e6], [0.5, np.nan, 0.3], "finite"),
    "length mismatch": ([1e6, 2e6, 3e6], [0.5, 0.4], "differ in length"),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_raises_fit_error(name: str, case: str) -> None:
    x, y, message = BAD_INPUTS[case]
    with pytest.raises(FitError, match=message):
        registry.make(name).fit(np.array(x), np.array(y))


def test_unknown_estimator_is_named() -> None:
    with pytest.raises(ScalingLawsError, match="'M5'") as info:
        registry.make("M5")
    assert "M1" in str(info.value)  # lists the registered names
    assert not isinstance(info.value, FitError)


@pytest.mark.parametrize(
    ("name", "option"), [("M1", "err_0"), ("M2", "up_bound"), ("M3", "alpha"), ("M4", "err0")]
)
def test_unknown_option_is_named(name: str, option: str) -> None:
    with pytest.raises(ScalingLawsError, match=f"{name}.*{option}"):
        registry.make(name, **{option: 1.0})


def test_registry_names() -> None:
    assert registry.names()[: len(NAMES)] == list(NAMES)  # the paper's four come first


# --------------------------------------------------------------------------------------------
# Determinism and the FitResult contract
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_fit_is_deterministic(name: str) -> None:
    x, y = _noisy_curve()
    estimator = registry.make(name)
    first = estimator.fit(x, y)
    again = estimator.fit(x, y)  # same instance
    fresh = registry.make(name).fit(x, y)  # new instance
    assert first.params == again.params == fresh.params
    assert first.iterations == again.iterations == fresh.iterations
    np.testing.assert_array_equal(first.predict(X), fresh.predict(X))


@pytest.mark.parametrize("name", NAMES)
def test_fit_ignores_point_order(name: str) -> None:
    x, y = _noisy_curve()
    order = np.random.default_rng(3).permutation(x.size)
    shuffled = registry.make(name).fit(x[order], y[order])
    assert shuffled.params == registry.make(name).fit(x, y).params


@pytest.mark.parametrize("name", NAMES)
def test_fit_result_contract(name: str) -> None:
    x, y = _noisy_curve()
    result = registry.make(name).fit(x, y)
    assert isinstance(result, FitResult)
    assert result.iterations >= 1 and isinstance(result.converged, bool)
    assert math.isfinite(result.objective) and result.objective >= 0
    # objective is the official 0.5 * ||log y_hat - log y||_2
    expected = 0.5 * np.linalg.norm(np.log(result.predict(x)) - np.log(y))
    assert result.objective == pytest.approx(expected, rel=1e-9)
    assert result.predict(np.float64(1e7)).shape == ()
    assert result.predict(np.full((2, 3), 1e7)).shape == (2, 3)


# --------------------------------------------------------------------------------------------
# The paper's M4 protocol (drop the max-loss fit point, hold ε0 at its loss) and protocols
# --------------------------------------------------------------------------------------------


def test_m4_drop_max_loss_is_fixed_err_0_without_that_point() -> None:
    x, y = _noisy_curve()
    y = y.copy()
    y[3] = y.max() + 0.05  # the max-loss point is not the first one
    dropped = registry.make("M4", err_0=1.0, drop_max_loss=True).fit(x, y)
    keep = np.arange(x.size) != 3
    pinned = registry.make("M4", err_0=float(y[3]), update_err_0=False).fit(x[keep], y[keep])
    assert dropped.params == pinned.params
    assert dropped.params["err_0"] == pytest.approx(y[3])
    notebook = registry.make("M4", err_0=1.0).fit(x, y)
    assert notebook.params != dropped.params


def test_m4_drop_max_loss_needs_enough_points() -> None:
    with pytest.raises(FitError, match="drop_max_loss leaves 2 fit points"):
        registry.make("M4", drop_max_loss=True).fit(X[:3], (0.2 + 30.0 * X[:3] ** -0.35))


def test_overlay_lays_protocol_options_over_every_domain() -> None:
    spec = {"options": {"err_0": 1.0}, "by_domain": {"IC": {"up_bound": 1.0}, "BB": {"err_0": 2}}}
    override = {"options": {"drop_max_loss": True}, "by_domain": {"BB": {"err_0": 3}}}
    merged = registry.overlay(spec, override)
    assert registry.options_for(merged, "IC") == {
        "err_0": 1.0, "up_bound": 1.0, "drop_max_loss": True,
    }  # fmt: skip
    assert registry.options_for(merged, "BB") == {"err_0": 3, "drop_max_loss": True}
    assert registry.options_for(merged, "LM") == {"err_0": 1.0, "drop_max_loss": True}
    assert registry.overlay(None, None) == {"options": {}, "by_domain": {}}
