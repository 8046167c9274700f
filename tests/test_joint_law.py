"""Tests of scalinglaws.joint_law: recovery of a known L(N, D), compute-optimal N*, D*, input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar

from scalinglaws import joint_law as jl
from scalinglaws.errors import InputError

# Chinchilla (Hoffmann et al. 2022, Eq. 10): E, A, B, α, β.
TRUE = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def synthetic(noise: float = 1e-3, seed: int = 0) -> tuple[np.ndarray, ...]:
    """L(N, D) on a grid of 6 sizes × 12 data sizes, with log-normal noise."""
    n, d = np.meshgrid(np.geomspace(1e7, 1e10, 6), np.geomspace(1e9, 1e12, 12))
    n, d = n.ravel(), d.ravel()
    loss = TRUE["E"] + TRUE["A"] / n ** TRUE["alpha"] + TRUE["B"] / d ** TRUE["beta"]
    return n, d, loss * np.exp(np.random.default_rng(seed).normal(0, noise, n.size))


def test_recovers_known_parameters_within_5_percent():
    theta = jl.fit_grid(*synthetic())
    fitted = jl.derived(theta)
    for name, value in TRUE.items():
        assert fitted[name] == pytest.approx(value, rel=0.05), name
    assert fitted["a"] == pytest.approx(0.28 / 0.62, rel=0.05)
    assert fitted["b"] == pytest.approx(0.34 / 0.62, rel=0.05)


def test_compute_optimal_minimises_loss_at_fixed_compute():
    theta = np.array([np.log(406.4), np.log(410.7), 1.69, 0.34, 0.28])
    for compute in (1e20, 1e23):
        opt = jl.compute_optimal(theta, np.array([compute]))

        def loss_at(log_n: float, compute: float = compute) -> float:
            d = compute / (6 * np.exp(log_n))
            return float(jl.log_law(theta, np.array([log_n]), np.log(np.array([d])))[0])

        best = minimize_scalar(loss_at, bounds=(np.log(1e5), np.log(1e14)), method="bounded",
                               options={"xatol": 1e-9})  # fmt: skip
        assert opt["n_opt"][0] == pytest.approx(np.exp(best.x), rel=1e-3)
        assert opt["n_opt"][0] * opt["d_opt"][0] * 6 == pytest.approx(compute, rel=1e-9)


def test_bootstrap_intervals_cover_truth_and_are_seeded():
    n, d, loss = synthetic(seed=1)
    holdout = np.zeros(n.size, dtype=bool)
    fit = jl.fit_joint(jl.JointData(n, d, loss, holdout), replicates=20, seed=3)
    again = jl.fit_joint(jl.JointData(n, d, loss, holdout), replicates=20, seed=3)
    table = fit.params_table().set_index("parameter")
    pd.testing.assert_frame_equal(table, again.params_table().set_index("parameter"))
    for name in ("alpha", "beta"):
        assert table.loc[name, "lo95"] < table.loc[name, "hi95"]
        assert table.loc[name, "lo95"] <= TRUE[name] * 1.05
        assert table.loc[name, "hi95"] >= TRUE[name] * 0.95


def table(models: list[str]) -> pd.DataFrame:
    """A read_tables-like frame: 4 points per model, the last one held out."""
    rows = []
    for m in models:
        for k, x in enumerate([1e6, 2e6, 4e6, 8e6]):
            rows.append({"Domain": "LM", "Task": "t", "Model": m, "Seen Examples": x,
                         "Loss": 2.0 - 0.1 * k, "Training": int(k < 3),
                         "_source": "lm.csv", "_row": len(rows) + 2})  # fmt: skip
    return pd.DataFrame(rows)


def test_sizes_parse_with_suffixes_and_holdout_is_largest_models_late_points():
    data = jl.joint_data(table(["1.7B", "350M", "2e10"]), "LM", "Model")
    assert list(data.sizes) == [3.5e8, 1.7e9, 2e10]
    assert data.holdout.sum() == 1 and data.n[data.holdout][0] == 2e10


@pytest.mark.parametrize(
    ("frame", "column", "message"),
    [
        (table(["1B", "too short"]), "Model", r"lm.csv, row 6, column 'Model'.*'too short'"),
        (table(["1B", "2B"]), "Params", r"no column 'Params'"),
        (table(["1B"]), "Model", r"one model size only"),
    ],
)
def test_bad_input_is_named(frame, column, message):
    with pytest.raises(InputError, match=message):
        jl.joint_data(frame, "LM", column)
