"""Tests of scalinglaws.comparisons on synthetic M2 curves with a known crossover."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglaws import comparisons as cm
from scalinglaws.curves import Curve, CurveKey
from scalinglaws.estimators import registry
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
    assert (table["diff"] > 0).all()
    # the intervals hold the true difference and widen with the extrapolation distance
    truth = [power_law(LAWS["flat"], x) - power_law(LAWS["steep"], x) for x in table["x"]]
    assert ((table["diff_lo95"] <= truth) & (truth <= table["diff_hi95"])).all()
    width = (table["diff_hi95"] - table["diff_lo95"]).to_numpy()
    assert np.all(np.diff(width) > 0)
    assert row["check_x"] == X_TEST[-1] and bool(row["confirmed"])
    assert row["check_lo95"] <= row["observed_diff"] <= row["check_hi95"]
    assert bool(row["check_covered"])


def test_comparison_replicates_are_never_constant():
    # Every replicate of every estimator's law still falls over the fit points: none collapses
    # to a constant (β = 0 or c = 0), on the test curves and on a flat-ish noisy curve.
    flat = Curve(CurveKey("D", "t", "flatish"), X_FIT, 0.3 * X_FIT**-0.02 *
                 np.exp(np.random.default_rng(5).normal(0, 0.01, X_FIT.size)), X_TEST,
                 0.3 * X_TEST**-0.02)  # fmt: skip
    for name in ("M1", "M2", "M3", "M4", "BNSL", "BLEND", "MEDIAN"):
        for c in (curve("steep"), curve("flat"), flat):
            params = registry.make(name).fit(c.x_fit, c.y_fit).params
            fitted = cm.fitted_curve(c, registry.ESTIMATORS[name], params, 40, 0)
            samples = fitted.predict_samples(c.x_fit[[0, -1]])
            base = np.log(fitted.predict(c.x_fit[[0, -1]]))
            fall = np.log(samples[:, 0]) - np.log(samples[:, 1])
            assert fitted.samples + fitted.dropped == 40
            assert np.all(fall > 1e-3 * (base[0] - base[1])), (name, c.key.model)


def test_a_crossover_at_the_first_shared_point_is_not_reported():
    # Two laws that touch at the first fit x and then separate never cross: no crossover.
    x = X_FIT
    a = Curve(
        CurveKey("D", "t", "a"), x, 0.5 * (x / x[0]) ** -0.3, X_TEST, 0.5 * (X_TEST / x[0]) ** -0.3
    )
    b = Curve(
        CurveKey("D", "t", "b"),
        x,
        0.5 * (x / x[0]) ** -0.31,
        X_TEST,
        0.5 * (X_TEST / x[0]) ** -0.31,
    )
    grid = np.geomspace(x[0], 1e8, cm.GRID_POINTS)
    law = power_law
    pa = {"beta": 0.5 * x[0] ** 0.3, "c": -0.3, "err_inf": 0.0}
    pb = {"beta": 0.5 * x[0] ** 0.31 * 1.0001, "c": -0.31, "err_inf": 0.0}
    fa = cm.FittedCurve(a, law, pa, (cm.LawSamples(1.0, law, [pa]),))
    fb = cm.FittedCurve(b, law, pb, (cm.LawSamples(1.0, law, [pb]),))
    ga, gb = cm.GridPredictions.of(fa, grid), cm.GridPredictions.of(fb, grid)
    base, samples = cm.crossover(ga, gb, x[0], 1e8)
    assert np.isnan(base) and np.isnan(samples).all()


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
