"""Tests of scalinglaws.compare on synthetic M2 curves with a known crossover."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglaws import compare as cm
from scalinglaws.curves import Curve, CurveKey
from scalinglaws.estimators.m2 import power_law

X_FIT = np.geomspace(1e3, 1e5, 12)
X_TEST = np.geomspace(2e5, 1e6, 4)
# "steep" starts higher and falls faster: 2 x^-0.5 = 0.25 x^-0.3 at x = 8^5 (inside the fit
# range); "flat2" (β = 0.3) crosses "steep" at (2 / 0.3)^5; "flat" is below "flat2" everywhere.
LAWS = {
    "steep": {"beta": 2.0, "c": -0.5, "err_inf": 0.01},
    "flat": {"beta": 0.25, "c": -0.3, "err_inf": 0.01},
    "flat2": {"beta": 0.3, "c": -0.3, "err_inf": 0.01},
}
SEEDS = {"steep": 1, "flat": 2, "flat2": 3}
CROSS = 8.0**5


def curve(model: str, task: str = "t", noise: float = 0.002) -> Curve:
    rng = np.random.default_rng(SEEDS[model])
    params = LAWS[model]
    y_fit = power_law(params, X_FIT) * np.exp(rng.normal(0, noise, X_FIT.size))
    y_test = power_law(params, X_TEST) * np.exp(rng.normal(0, noise, X_TEST.size))
    return Curve(CurveKey("D", task, model), X_FIT, y_fit, X_TEST, y_test)


def scores(curves: list[Curve]) -> pd.DataFrame:
    """scores.csv rows holding the true parameters as the M2 fit."""
    return pd.DataFrame(
        [{"domain": c.key.domain, "task": c.key.task, "model": c.key.model, "estimator": "M2",
          "status": "ok", "params": json.dumps(LAWS[c.key.model])} for c in curves]
    )  # fmt: skip


def run(curves: list[Curve]):
    fitted, notes = cm.fitted_curves(curves, scores(curves), "M2", replicates=50, seed=0)
    table, tasks, more = cm.compare_all(fitted, "M2", [1, 10, 100])
    return table, tasks, notes + more, fitted


def test_crossover_ordering_and_check():
    table, tasks, notes, _ = run([curve("steep"), curve("flat")])
    assert len(table) == 3 and len(tasks) == 1 and not notes
    row = table.iloc[0]
    assert (row["model_a"], row["model_b"]) == ("flat", "steep")
    assert row["crossover_x"] == pytest.approx(CROSS, rel=0.05)
    assert row["crossover_lo95"] < CROSS < row["crossover_hi95"]
    # beyond the crossover the steep law is lower: "steep" predicted better, as observed
    assert set(table["better"]) == {"steep"}
    assert (table["diff"] > 0).all() and table["significant"].all()
    assert row["check_x"] == X_TEST[-1] and bool(row["confirmed"])


def test_flip_table_counts_small_scale_wrong_winner():
    table, _, _, fitted = run([curve("steep"), curve("flat"), curve("flat2")])
    flips = cm.flip_table(table, fitted).set_index(["domain", "task"])
    # at x = 1e3, "flat"/"flat2" beat "steep"; at 1e6 steep wins: 2 of 3 pairs flip
    assert flips.loc[("D", "t"), "pairs"] == 3
    assert flips.loc[("D", "t"), "small_scale_wrong"] == 2
    assert flips.loc[("D", "t"), "law_wrong"] == 0


def test_one_model_per_task_gives_no_comparisons_and_a_note():
    table, tasks, notes, _ = run([curve("steep", "t1"), curve("flat", "t2")])
    assert table.empty and not tasks
    assert any("one model only" in note for note in notes)
    assert "no comparisons" in notes[0]


def test_samples_are_deterministic():
    a = run([curve("steep"), curve("flat")])[0]
    b = run([curve("steep"), curve("flat")])[0]
    pd.testing.assert_frame_equal(a, b)
