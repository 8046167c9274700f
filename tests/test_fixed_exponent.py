"""Tests of M2 with a fixed exponent (scalinglaws.fixed_exponent) and Figure 3."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglaws.paper import fixed_exponent as fx
from scalinglaws.paper.plots import fixed_exponent, layouts
from scalinglaws.plots.theme import NotApplicable, save

X = np.geomspace(1e8, 2e9, 40)


def m2(x: np.ndarray, beta: float = 60.0, c: float = -0.3, err_inf: float = 0.2) -> np.ndarray:
    return err_inf + beta * x**c


@pytest.mark.parametrize(
    "beta, c, err_inf", [(60.0, -0.3, 0.2), (5.0, -0.1, 0.05), (900, -0.5, 0.3)]
)
def test_fixed_c_fit_recovers_beta_and_err_inf(beta: float, c: float, err_inf: float) -> None:
    law = fx.fit_fixed_exponent(X, m2(X, beta, c, err_inf), c)
    assert law.beta == pytest.approx(beta, rel=1e-4)
    assert law.err_inf == pytest.approx(err_inf, rel=1e-4, abs=1e-7)


def test_a_wrong_c_fits_worse_and_the_sweep_finds_the_true_c() -> None:
    y = m2(X)
    fit, test = (1e8, 5e8), (1e9, 2e9)
    table = fx.sweep(X, y, -np.round(np.linspace(0.01, 1.0, 100), 2), fit, test)
    assert list(table.columns) == fx.SWEEP_COLUMNS
    assert fx.argmins(table) == {"interpolation_rmse": -0.3, "extrapolation_rmse": -0.3}
    assert table["extrapolation_rmse"].min() < 1e-6 < table["extrapolation_rmse"].max()


def test_fit_needs_points() -> None:
    with pytest.raises(Exception, match="at least 2"):
        fx.fit_fixed_exponent(X[:1], m2(X[:1]), -0.3)


def curves_table(model: str = "ViT/B/16") -> pd.DataFrame:
    x = np.geomspace(8e6, 3e9, 60)
    return pd.DataFrame(
        {
            "Domain": "IC", "Task": "inet_10", "Model": model, "Seen Examples": x,
            "Loss": m2(x, 20.0, -0.25, 0.25), "Training": (x < 1.5e9).astype(int),
        }
    )  # fmt: skip


def test_fig3_draws_and_skips_without_the_curve(tmp_path) -> None:
    table = fixed_exponent.sweep_table(curves_table())
    assert len(table) == 100 and fx.argmins(table)["extrapolation_rmse"] == -0.25
    png, _ = save(fixed_exponent.fig3(curves_table(), table), tmp_path / "fig3")
    assert png.stat().st_size > 10_000
    with pytest.raises(NotApplicable, match="ViT/B/16"):
        fixed_exponent.sweep_table(curves_table("ViT/S/16"))
    note = layouts.draw("fig3_fixed_exponent", {"curves": curves_table("BiT/50/1")}, tmp_path / "n")
    assert note and "ViT/B/16" in note and (tmp_path / "n.png").stat().st_size > 0
