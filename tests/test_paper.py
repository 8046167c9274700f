"""Tests of scalinglaws.paper: printed numbers, the paper's tables, the reproduction check.

The workflow test runs the paper_tables rule in a temporary copy of .test/, whose tiny dataset
has IC and LM curves but none of the paper's Table 2-3 curves.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from workflow_helpers import fresh_copy, run_ok

from scalinglaws.metrics import extrapolation_rmse, rmse_standard_error
from scalinglaws.paper import tables as paper
from scalinglaws.rankings import win_fractions

REPO = Path(__file__).resolve().parents[1]
PRINTED = REPO / "data" / "paper" / "revisiting_printed.csv"
NMT_6L6L = ("NMT", "log_perplexity", "6 Enc, 6 Dec")
LM_SMALL = ("LM", "val_loss", "1.68e+07")
BB_DATE = ("BB", "('date', '1-shot')", "262M")
TABLES = [f"{name}.{ext}" for name in paper.PAPER_TABLES for ext in ("md", "tex", "csv")]


def make_run(log_errors: dict[tuple, dict[str, list[float]]]) -> tuple[pd.DataFrame, ...]:
    """Scores and predictions whose extrapolation points have the given log errors."""
    scores, predictions = [], []
    for curve, by_estimator in log_errors.items():
        for estimator, errors in by_estimator.items():
            y_true = np.full(len(errors), 0.5)
            y_pred = y_true * np.exp(errors)
            rmse = extrapolation_rmse(y_true, y_pred)
            se = rmse_standard_error(y_true, y_pred)
            scores.append((*curve, estimator, rmse, se, "ok"))
            for i, (t, p) in enumerate(zip(y_true, y_pred, strict=True)):
                predictions.append((*curve, estimator, 2.0**i, t, p, "extrapolation"))
    score_columns = [*paper.KEY, "rmse", "rmse_se", "status"]
    prediction_columns = [*paper.KEY, "x", "y_true", "y_pred", "region"]
    return pd.DataFrame(scores, columns=score_columns), pd.DataFrame(
        predictions, columns=prediction_columns
    )


@pytest.mark.parametrize(
    ("text", "value", "plus_minus", "resolution"),
    [
        ("2.6 × 10^-1", 0.26, None, 0.005),
        ("6.0 ± 1.0 × 10^-4", 6.0e-4, 1.0e-4, 5e-6),
        ("9.2 ± 1.4 × 10^-3", 9.2e-3, 1.4e-3, 5e-5),
        ("0.70", 0.70, None, 0.005),
        ("0", 0.0, None, 0.5),
    ],
)
def test_parse_printed(
    text: str, value: float, plus_minus: float | None, resolution: float
) -> None:
    number = paper.parse_printed(text)
    assert number.value == pytest.approx(value, rel=1e-12)
    assert number.resolution == pytest.approx(resolution, rel=1e-12)
    if plus_minus is None:
        assert number.plus_minus is None and number.plus_minus_resolution is None
    else:
        assert number.plus_minus == pytest.approx(plus_minus, rel=1e-12)
        assert number.plus_minus_resolution == pytest.approx(resolution, rel=1e-12)


@pytest.mark.parametrize("text", ["", "abc", "1.5 ±", "1.5 × 10^", "1,5"])
def test_parse_printed_rejects_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="not a printed number"):
        paper.parse_printed(text)


def test_format_paper_writes_the_papers_style() -> None:
    assert paper.format_paper(0.2619) == "2.6 × 10^-1"
    assert paper.format_paper(0.01496, 0.00104) == "1.5 ± 0.1 × 10^-2"
    assert paper.format_paper(0.00996, 0.0) == "1.0 × 10^-2"
    assert paper.format_paper(float("nan")) is None


def test_printed_numbers_load_with_the_expected_counts() -> None:
    printed = paper.load_printed(PRINTED)
    counts = printed.groupby(["source", "domain"]).size().to_dict()
    assert counts == {
        ("table2", "NMT"): 20,
        ("table2", "LM"): 20,
        ("table3", "BB"): 40,
        ("figure1", "IC"): 4,
        ("figure1", "NMT"): 4,
        ("figure1", "LM"): 4,
        ("figure1", "BB"): 4,
    }
    assert set(printed["estimator"]) == {"M1", "M2", "M3", "M4"}
    with_pm = printed["printed"].str.contains("±")
    assert with_pm.sum() == 60
    assert (printed.loc[with_pm, "domain"].isin(["LM", "BB"])).all()


def test_reproduction_flags_each_printed_number() -> None:
    scores, predictions = make_run(
        {NMT_6L6L: {"M1": [0.262], "M2": [0.0384], "M3": [0.0892], "M4": [0.0205]}}
    )
    printed = paper.load_printed(PRINTED)
    table = paper.reproduction_table(scores, predictions, printed, win_fractions(scores))
    assert list(table.columns) == paper.REPRODUCTION_COLUMNS
    rmse = table[table["quantity"] == "rmse"]
    assert rmse["agrees"].tolist() == [True, False, True, False]  # 2.6, 3.9, 8.9, 1.0 (e-1/-2)
    bars = table[(table["source"] == "figure1") & (table["quantity"] == "win_fraction")]
    assert set(bars["domain"]) == {"NMT"}  # the only domain with a win fraction
    assert bars["ours"].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert bars["agrees"].tolist() == [True, False, False, False]  # paper 0, .2, .2, .8
    assert paper.headline(table) == (3, 8)


def test_reproduction_compares_the_plus_minus_at_the_chosen_factor() -> None:
    errors = [1e-4, 2e-4, 3e-4, 9e-4]
    scores, predictions = make_run({LM_SMALL: {"M4": errors}})
    printed = paper.load_printed(PRINTED)
    wins = win_fractions(scores)
    y_true = np.full(4, 0.5)
    y_pred = y_true * np.exp(errors)
    for factor in (1.0, 3.0):
        table = paper.reproduction_table(scores, predictions, printed, wins, se_factor=factor)
        pm = table[table["quantity"] == "plus_minus"].iloc[0]
        assert pm["printed"] == "3.1 ± 0.7 × 10^-4"
        assert pm["paper"] == pytest.approx(7e-5)
        assert pm["ours"] == pytest.approx(rmse_standard_error(y_true, y_pred, factor=factor))
        assert pm["agrees"] == (abs(pm["ours"] - 7e-5) <= 5e-6 * (1 + 1e-9))
    summary = paper.agreement_summary(table)
    assert list(summary.columns) == paper.SUMMARY_COLUMNS
    assert summary["n_total"].sum() == len(table)


def test_builders_follow_the_domains_present() -> None:
    scores, predictions = make_run(
        {
            LM_SMALL: {"M1": [0.01, 0.02], "M2": [0.001, 0.002], "M5": [0.003, 0.001]},
            ("IC", "cifar_10", "ViT/S/16"): {"M1": [0.1], "M2": [0.05], "M5": [0.02]},
        }
    )
    bb = paper.table3(scores, predictions)
    assert bb.empty and list(bb.columns) == [*paper.TABLE_KEY, "M1", "M2", "M5"]
    lm = paper.table2(scores, predictions)
    assert list(lm.columns) == [*paper.TABLE_KEY, "M1", "M2", "M5"]
    assert lm["M1"].tolist() == [paper.format_paper(*_rmse_and_se([0.01, 0.02]))]
    ic = paper.ic_table(scores)
    assert list(ic.columns) == [*paper.IC_KEY, "M1", "M2", "M5"]
    assert ic["M5"].tolist() == [pytest.approx(0.02)]
    assert len(paper.table1(scores)) == 6
    no_ic = scores[scores["domain"] != "IC"]
    assert paper.table1(no_ic).empty and paper.ic_table(no_ic).empty


def test_reproduction_is_empty_without_the_papers_curves() -> None:
    scores, predictions = make_run({("LM", "val_loss", "1.7B"): {"M1": [0.01, 0.02]}})
    printed = paper.load_printed(PRINTED)
    table = paper.reproduction_table(scores, predictions, printed, win_fractions(scores))
    assert table.empty and list(table.columns) == paper.REPRODUCTION_COLUMNS
    assert paper.headline(table) == (0, 0)


def test_table2_without_predictions_uses_the_notebook_error() -> None:
    scores, _ = make_run({LM_SMALL: {"M1": [0.01, 0.02]}})
    expected = paper.format_paper(scores["rmse"].iloc[0], scores["rmse_se"].iloc[0])
    assert paper.table2(scores, se_factor=1.0)["M1"].tolist() == [expected]
    with pytest.raises(ValueError, match="needs the predictions"):
        paper.table2(scores)


def test_tables_keep_the_papers_row_order() -> None:
    curves = {
        ("NMT", "log_perplexity", model): {"M1": [0.1]}
        for model in ("TEnc-LSTM", "6 Enc, 6 Dec", "Dec-only")
    }
    curves |= {("LM", "val_loss", size): {"M1": [0.1, 0.2]} for size in ("1.07e+09", "1.68e+07")}
    curves |= {BB_DATE: {"M1": [0.1, 0.2]}, ("BB", "('ling', '2-shot')", "262M"): {"M1": [0.1]}}
    scores, predictions = make_run(curves)
    table = paper.table2(scores, predictions)
    assert table["Model"].tolist() == [
        "6 Enc, 6 Dec", "Dec-only", "TEnc-LSTM", "1.68e+07", "1.07e+09"
    ]  # fmt: skip
    assert paper.table3(scores, predictions)["Task"].tolist() == [
        "linguistic_mappings: 2-shot",
        "date_understanding: 1-shot",
    ]


def _rmse_and_se(errors: list[float]) -> tuple[float, float]:
    """RMSE and the paper's ± (factor 3) of log errors ``errors``."""
    y_true = np.full(len(errors), 0.5)
    y_pred = y_true * np.exp(errors)
    se = rmse_standard_error(y_true, y_pred, factor=3.0)
    return math.sqrt(np.mean(np.square(errors))), se


def test_paper_rule_runs_on_the_test_dataset(tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp_path = fresh_copy(tmp_path_factory, "paper")
    targets = [f"results/tiny/tables/{name}" for name in TABLES]
    run_ok(tmp_path, "--cores", "2", *targets)
    out = tmp_path / "results" / "tiny" / "tables"
    first = {name: (out / name).read_bytes() for name in TABLES}
    assert "not applicable" in first["table3.md"].decode()
    assert pd.read_csv(out / "table3.csv").empty
    assert "not applicable" in first["reproduction.md"].decode()
    columns = ["protocol", *paper.REPRODUCTION_COLUMNS]
    assert list(pd.read_csv(out / "reproduction.csv").columns) == columns
    assert "LM" in first["table2.md"].decode() and "BiT/50/1" in first["table1.md"].decode()
    assert len(pd.read_csv(out / "ic.csv")) == 2
    log = (tmp_path / "logs" / "tiny" / "paper_tables.log").read_text(encoding="utf-8")
    assert "no BB curves" in log
    run_ok(tmp_path, "--cores", "2", "--forcerun", "paper_tables", *targets)
    assert {name: (out / name).read_bytes() for name in TABLES} == first


def test_protocols_replace_their_estimators_and_bars_count_the_papers_four_only() -> None:
    notebook = {"M1": [0.262], "M2": [0.0384], "M3": [0.0892], "M4": [0.0205], "NEW": [0.001]}
    scores, predictions = make_run({NMT_6L6L: notebook})
    protocol = make_run({NMT_6L6L: {"M4": [0.0101]}})
    printed = paper.load_printed(PRINTED)
    table = paper.protocol_reproduction(scores, predictions, printed, {"paper": protocol})
    assert list(table.columns) == ["protocol", *paper.REPRODUCTION_COLUMNS]
    assert table["protocol"].unique().tolist() == [paper.NOTEBOOK, "paper"]
    assert "NEW" not in set(table["estimator"])
    m4 = table[(table["quantity"] == "rmse") & (table["estimator"] == "M4")]
    assert m4["ours"].tolist() == pytest.approx([0.0205, 0.0101])
    assert m4["agrees"].tolist() == [False, True]  # printed 1.0 × 10^-2
    bars = table[(table["source"] == "figure1") & (table["quantity"] == "win_fraction")]
    # NEW (0.001) would win every bar if it counted; among M1-M4, M4 wins under both runs.
    assert bars.groupby("protocol")["ours"].apply(list).to_dict() == {
        paper.NOTEBOOK: [0.0, 0.0, 0.0, 1.0],
        "paper": [0.0, 0.0, 0.0, 1.0],
    }
    assert paper.headline(table, paper.NOTEBOOK) == (3, 8)
    assert paper.headline(table, "paper") == (4, 8)
    assert list(paper.agreement_summary(table).columns) == ["protocol", *paper.SUMMARY_COLUMNS]


def test_substitute_keeps_other_estimators() -> None:
    scores, _ = make_run({NMT_6L6L: {"M1": [0.2], "M4": [0.02]}})
    replacement, _ = make_run({NMT_6L6L: {"M4": [0.01]}})
    merged = paper.substitute(scores, replacement)
    assert merged.set_index("estimator")["rmse"].to_dict() == pytest.approx({"M1": 0.2, "M4": 0.01})
