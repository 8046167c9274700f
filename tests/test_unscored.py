"""Curves without extrapolation points (Training = 0): fitted and `unscored`, left out of the
rankings but counted, and said so in the rankings tables; the run summary's lines."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglaws.curves import Curve, CurveKey
from scalinglaws.fitting import UNSCORED_NOTE, fit_curves
from scalinglaws.rankings import RANKING_COLUMNS, rankings, unscored_rows, win_fractions
from scalinglaws.summary import forecast_lines, ranking_lines, run_summary
from scalinglaws.tables import rankings_tables

X = np.geomspace(1e3, 1e6, 8)
Y = 0.3 + 2.0 * X**-0.3


def test_a_curve_without_extrapolation_points_is_fitted_and_unscored() -> None:
    curves = [
        Curve(CurveKey("IC", "t", "fit only"), X, Y, [], []),
        Curve(CurveKey("IC", "t", "short"), X[:2], Y[:2], [], []),
    ]
    scores, predictions = fit_curves(curves, {"M2": {}, "M4": {}})
    by_model = scores.set_index(["model", "estimator"])
    for name in ("M2", "M4"):
        row = by_model.loc[("fit only", name)]
        assert row["status"] == "unscored" and row["error"] == UNSCORED_NOTE
        assert math.isnan(row["rmse"]) and row["params"] != "{}"
        assert by_model.loc[("short", name), "status"] == "failed"  # < 3 fit points
    assert set(predictions["model"]) == {"fit only"} and set(predictions["region"]) == {"fit"}
    assert (predictions["y_lo"] <= predictions["y_pred"]).all()
    assert (predictions["y_pred"] <= predictions["y_hi"]).all()


def scores_of(curves: dict[tuple[str, str], dict[str, float | None]]) -> pd.DataFrame:
    """Score rows: (domain, model) -> estimator -> RMSE; None = unscored (no test points)."""
    rows = []
    for (domain, model), errors in curves.items():
        for name, rmse in errors.items():
            status, n_test = ("unscored", 0) if rmse is None else ("ok", 4)
            rmse = np.nan if rmse is None else rmse
            rows.append((domain, "t", model, name, rmse, status, n_test))
    columns = ["domain", "task", "model", "estimator", "rmse", "status", "n_test"]
    return pd.DataFrame(rows, columns=columns)


def test_rankings_count_only_scored_curves_and_the_unscored_ones() -> None:
    scores = scores_of(
        {
            ("IC", "a"): {"M1": 0.1, "M2": 0.05},
            ("IC", "b"): {"M1": None, "M2": None},
            ("LM", "c"): {"M1": None, "M2": None},
        }
    )
    table = rankings(scores)
    assert list(table.columns) == list(RANKING_COLUMNS)
    ic, lm = table[table["domain"] == "IC"], table[table["domain"] == "LM"]
    assert ic["win_fraction"].tolist() == [0.0, 1.0]  # the scored curve only
    assert ic["n_curves"].tolist() == [1, 1] and ic["n_unscored"].tolist() == [1, 1]
    assert lm[["win_fraction", "mean_rmse", "mean_rank"]].isna().all().all()
    assert lm["n_curves"].tolist() == [0, 0] and lm["n_unscored"].tolist() == [1, 1]
    assert win_fractions(scores)["win_fraction"].tolist()[:2] == [0.0, 1.0]
    markdown, latex = rankings_tables(table)
    note = "Unscored curves (no extrapolation points, Training = 0; not ranked): IC 1, LM 1."
    assert markdown.startswith(note + "\n\n| Domain") and latex.startswith(note + "\n\n\\begin")


def test_a_failed_fit_on_a_curve_without_test_points_leaves_it_unscored() -> None:
    scores = scores_of({("IC", "a"): {"M1": 0.1, "M2": 0.2}, ("IC", "b"): {"M1": None}})
    extra = pd.DataFrame([("IC", "t", "b", "M2", np.nan, "failed", 0)], columns=scores.columns)
    scores = pd.concat([scores, extra], ignore_index=True)
    assert unscored_rows(scores).tolist() == [False, False, True, True]
    table = rankings(scores)
    assert table["n_failed"].tolist() == [0, 0] and table["n_unscored"].tolist() == [1, 1]


def test_no_scored_curve_gives_a_table_saying_so() -> None:
    table = rankings(scores_of({("IC", "a"): {"M1": None}, ("IC", "b"): {"M1": None}}))
    assert table["win_fraction"].isna().all() and table["n_unscored"].tolist() == [2]
    markdown, latex = rankings_tables(table)
    assert markdown.startswith("No scored curve: none of the 2 curves has extrapolation points")
    assert latex.startswith("No scored curve:")
    one = rankings_tables(rankings(scores_of({("IC", "a"): {"M1": None}})))[0]
    assert one.startswith("No scored curve: the only curve has no extrapolation points")


def test_fully_scored_tables_have_no_note() -> None:
    table = rankings(scores_of({("IC", "a"): {"M1": 0.1, "M2": 0.05}}))
    assert table["n_unscored"].tolist() == [0, 0]
    markdown, _ = rankings_tables(table)
    assert markdown.startswith("| Domain")
    assert rankings_tables(table.drop(columns="n_unscored")) == rankings_tables(table)


# --- the run summary ---------------------------------------------------------------------------


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """results/<dataset>/ with a rankings.csv and a forecasts.csv."""
    folder = tmp_path / "results" / "mine"
    folder.mkdir(parents=True)
    rankings(
        scores_of({("IC", "a"): {"M1": 0.1, "M2": 0.05}, ("LM", "b"): {"M1": None, "M2": None}})
    ).to_csv(folder / "rankings.csv", index=False)
    rows = [
        ("IC", "t", model, name, 10.0 * 5, 10.0, 0.2, 0.1, 0.3, 0.8, 5.0, 0.4, 0.2, "ok", "")
        for model in ("a", "b", "c", "d")
        for name in ("M1", "M2")
    ]
    columns = ["domain", "task", "model", "estimator", "x", "scale", "y_pred", "y_lo", "y_hi"]
    columns += ["level", "last_x", "last_y", "gain", "status", "error"]
    pd.DataFrame(rows, columns=columns).to_csv(folder / "forecasts.csv", index=False)
    return tmp_path / "results"


def test_summary_names_the_best_estimator_and_a_few_forecasts(results: Path) -> None:
    lines = ranking_lines(results / "mine" / "rankings.csv")
    assert lines == [
        "best by mean RMSE: IC: M2 (mean RMSE 0.05, wins 100% of 1 curves); "
        "LM: no scored curve (1 unscored)"
    ]
    lines = forecast_lines(results / "mine" / "forecasts.csv", [None, "M2"])
    assert lines[0].endswith("M2 at 10x the largest x, with its 80% band:")
    assert lines[1] == "  IC / t / a: 0.2 [0.1, 0.3] at x = 50 (last 0.4)"
    assert lines[-1] == "  ... and 1 more curve" and len(lines) == 5


def test_summary_survives_missing_and_malformed_files(results: Path) -> None:
    (results / "mine" / "forecasts.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    lines = run_summary(results, ["mine", "absent"])
    assert any("forecasts.csv: cannot summarise (KeyError" in line for line in lines)
    assert any("no rankings" in line and "absent" in line for line in lines)
