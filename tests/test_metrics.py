"""Tests of Eq. (6) and the notebook's standard error, on cases worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scalinglaws.metrics import (
    NOTEBOOK_SE_FACTOR,
    PAPER_SE_FACTOR,
    extrapolation_rmse,
    rmse_standard_error,
    squared_log_errors,
)

LN2 = math.log(2.0)


def test_factors() -> None:
    assert NOTEBOOK_SE_FACTOR == 1.0
    assert PAPER_SE_FACTOR == 3.0


def test_squared_log_errors_halved_loss() -> None:
    # ln 0.5 - ln 0.5 = 0; ln 0.5 - ln 0.25 = ln 2, squared (ln 2)^2.
    e = squared_log_errors([0.5, 0.25], [0.5, 0.5])
    np.testing.assert_allclose(e, [0.0, LN2**2], rtol=1e-15, atol=0)


def test_rmse_halved_loss() -> None:
    # MSE = (0 + (ln 2)^2) / 2, so RMSE = ln 2 / sqrt(2) = 0.49012907...
    rmse = extrapolation_rmse([0.5, 0.25], [0.5, 0.5])
    assert rmse == pytest.approx(LN2 / math.sqrt(2.0), rel=1e-14)
    assert rmse == pytest.approx(0.49012907173427356, rel=1e-14)


def test_rmse_footnote_2() -> None:
    # Paper footnote 2: true 0.99 and predicted 1.0 give about 1%: ln(1/0.99) = 0.0100503...
    assert extrapolation_rmse([0.99], [1.0]) == pytest.approx(0.010050335853501506, rel=1e-12)
    assert extrapolation_rmse([0.099], [0.1]) == pytest.approx(0.010050335853501506, rel=1e-12)


def test_se_halved_loss_both_factors() -> None:
    # e = [0, a], a = (ln 2)^2: MSE = a/2, std(e) = a/2 (ddof 0), n = 2.
    # factor 1: sqrt(a/2 + a/(2 sqrt 2)) - sqrt(a/2) = ln2 * (sqrt((1 + 1/sqrt2)/2) - 1/sqrt2)
    #         = 0.693147 * 0.216773 = 0.150255...
    # factor 3: ln2 * (sqrt(1/2 + 3/(2 sqrt2)) - 1/sqrt2) = 0.693147 * 0.542157 = 0.375795...
    y_true, y_pred = [0.5, 0.25], [0.5, 0.5]
    se1 = rmse_standard_error(y_true, y_pred)
    se3 = rmse_standard_error(y_true, y_pred, factor=PAPER_SE_FACTOR)
    r2 = math.sqrt(2.0)
    assert se1 == pytest.approx(LN2 * (math.sqrt((1 + 1 / r2) / 2) - 1 / r2), rel=1e-12)
    assert se1 == pytest.approx(0.15025542140296522, rel=1e-12)
    assert se3 == pytest.approx(LN2 * (math.sqrt(0.5 + 3 / (2 * r2)) - 1 / r2), rel=1e-12)
    assert se3 == pytest.approx(0.3757946450177929, rel=1e-12)


def test_se_integer_case_and_duplicates() -> None:
    # y_true = 1, y_pred = exp(0), exp(2): e = [0, 4], MSE = 2, std = 2, n = 2.
    # factor 1: sqrt(2 + 2/sqrt2) - sqrt2 = sqrt(2 + sqrt2) - sqrt2.
    pred = np.exp([0.0, 2.0])
    assert rmse_standard_error([1, 1], pred) == pytest.approx(
        math.sqrt(2 + math.sqrt(2)) - math.sqrt(2), rel=1e-12
    )
    # Every row twice: MSE and std unchanged, n = 4 -> sqrt(2 + 2/2) - sqrt2 = sqrt3 - sqrt2;
    # factor 3: sqrt(2 + 3) - sqrt2 = sqrt5 - sqrt2. The RMSE stays sqrt(2).
    pred4 = np.exp([0.0, 0.0, 2.0, 2.0])
    assert rmse_standard_error([1] * 4, pred4) == pytest.approx(
        math.sqrt(3) - math.sqrt(2), rel=1e-12
    )
    assert rmse_standard_error([1] * 4, pred4, factor=3.0) == pytest.approx(
        math.sqrt(5) - math.sqrt(2), rel=1e-12
    )
    assert extrapolation_rmse([1] * 4, pred4) == pytest.approx(math.sqrt(2), rel=1e-14)
    assert extrapolation_rmse([1, 1], pred) == pytest.approx(math.sqrt(2), rel=1e-14)


def test_se_matches_notebook_expression() -> None:
    # The cancellation-free form equals sqrt(MSE + f*std/sqrt(n)) - sqrt(MSE) as written.
    rng = np.random.default_rng(7)
    y = rng.uniform(0.2, 0.9, size=37)
    p = y * np.exp(rng.normal(0, 0.05, size=37))
    e = (np.log(p) - np.log(y)) ** 2
    mse = e.mean()
    for f in (1.0, 3.0):
        naive = math.sqrt(mse + f * e.std() / math.sqrt(e.size)) - math.sqrt(mse)
        assert rmse_standard_error(y, p, factor=f) == pytest.approx(naive, rel=1e-10)


@pytest.mark.parametrize("factor", [1.0, 3.0])
def test_single_point_se_is_zero(factor: float) -> None:
    # NMT has one test point: std(e) = 0, so the SE is exactly 0.
    assert rmse_standard_error([0.3], [0.4], factor=factor) == 0.0


def test_perfect_prediction() -> None:
    assert extrapolation_rmse([0.3, 0.4], [0.3, 0.4]) == 0.0
    assert rmse_standard_error([0.3, 0.4], [0.3, 0.4]) == 0.0


@pytest.mark.parametrize("bad", [0.0, -0.1, np.nan, np.inf])
def test_unusable_prediction(bad: float) -> None:
    e = squared_log_errors([0.5, 0.25], [0.5, bad])
    assert e[0] == 0.0
    assert np.isnan(e[1])
    assert math.isnan(extrapolation_rmse([0.5, 0.25], [0.5, bad]))
    assert math.isnan(rmse_standard_error([0.5, 0.25], [0.5, bad]))


def test_shapes_are_flattened() -> None:
    assert extrapolation_rmse([[0.5], [0.25]], [[0.5], [0.5]]) == pytest.approx(
        LN2 / math.sqrt(2.0), rel=1e-14
    )


@pytest.mark.parametrize(
    "func", [squared_log_errors, extrapolation_rmse, rmse_standard_error], ids=lambda f: f.__name__
)
def test_bad_inputs(func) -> None:
    with pytest.raises(ValueError, match="empty"):
        func([], [])
    with pytest.raises(ValueError, match="same shape"):
        func([0.5, 0.25], [0.5])
    with pytest.raises(ValueError, match="y_true must be finite and > 0"):
        func([0.5, 0.0], [0.5, 0.5])


def test_bad_factor() -> None:
    with pytest.raises(ValueError, match="factor"):
        rmse_standard_error([0.5, 0.25], [0.5, 0.5], factor=-1.0)
