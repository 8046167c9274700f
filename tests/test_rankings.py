"""Tests of the notebook's win rule, mean ranks and the table of rankings, on hand-made scores."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scalinglaws.rankings import RANKING_COLUMNS, rankings, truncate, win_fractions

NAN = float("nan")


def make_scores(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (domain, task, model, estimator, rmse[, status]); status defaults to ok."""
    full = [r if len(r) == 6 else (*r, "ok") for r in rows]
    return pd.DataFrame(full, columns=["domain", "task", "model", "estimator", "rmse", "status"])


def curve(domain: str, task: str, errors: dict[str, float | None]) -> list[tuple]:
    """Rows of one curve (model "m"); None marks a failed fit with NaN RMSE."""
    return [
        (domain, task, "m", name, NAN, "failed") if e is None else (domain, task, "m", name, e)
        for name, e in errors.items()
    ]


def by_estimator(table: pd.DataFrame, column: str, domain: str = "IC") -> dict[str, float]:
    part = table[table["domain"] == domain]
    return dict(zip(part["estimator"], part[column], strict=True))


# --- truncate ---------------------------------------------------------------------------------


def test_truncate_toward_zero() -> None:
    # 0.0121 -> 0.012, 0.0129 -> 0.012, 0.0135 -> 0.013, -0.0129 -> -0.012 (toward zero).
    out = truncate([0.0121, 0.0129, 0.0135, -0.0129, 0.999], 3)
    assert out.tolist() == [0.012, 0.012, 0.013, -0.012, 0.999]
    assert truncate(2.7, 0).tolist() == 2.0


def test_truncate_boundary_within_tolerance() -> None:
    # 0.013 stored one ulp low: the notebook's int(e*1000)/1000 gives 0.012; we give 0.013.
    low = float(np.nextafter(0.013, 0.0))
    assert int(low * 1000) / 1000 == 0.012
    assert truncate(low, 3).tolist() == 0.013
    # 5e-13 relative below 0.013 is inside the 1e-12 tolerance ...
    assert truncate(0.013 * (1 - 5e-13), 3).tolist() == 0.013
    # ... 0.0129999999999 is 1e-13 / 0.013 = 7.7e-12 relative below: a real difference.
    assert truncate(0.0129999999999, 3).tolist() == 0.012
    # A boundary result is the float nearest to it, bit for bit.
    assert truncate(0.1 * 0.13, 3).tolist() == 0.013  # 0.1*0.13 = 0.013000000000000001


def test_truncate_keeps_nan_and_inf() -> None:
    out = truncate([NAN, math.inf], 3)
    assert math.isnan(out[0])
    assert out[1] == math.inf


@pytest.mark.parametrize("decimals", [-1, 1.5, True])
def test_truncate_bad_decimals(decimals) -> None:
    with pytest.raises(ValueError, match="decimals"):
        truncate([0.1], decimals)


# --- win fractions ----------------------------------------------------------------------------


def test_two_way_tie_after_truncation() -> None:
    # 0.0121 and 0.0129 both truncate to 0.012 < 0.013: A and B share the win, 0.5 each.
    scores = make_scores(curve("IC", "t1", {"A": 0.0121, "B": 0.0129, "C": 0.0135}))
    assert by_estimator(win_fractions(scores), "win_fraction") == {"A": 0.5, "B": 0.5, "C": 0.0}


def test_failed_counts_as_one() -> None:
    # A failed -> 1.0; B 0.5 wins. On t2 everyone failed: a three-way tie at 1.0, 1/3 each.
    # Win fractions over 2 curves: A = (0 + 1/3)/2 = 1/6, B = (1 + 1/3)/2 = 2/3, C = 1/6.
    scores = make_scores(
        curve("IC", "t1", {"A": None, "B": 0.5, "C": 0.7})
        + curve("IC", "t2", {"A": None, "B": None, "C": None})
    )
    wins = by_estimator(win_fractions(scores), "win_fraction")
    assert wins == pytest.approx({"A": 1 / 6, "B": 2 / 3, "C": 1 / 6}, rel=1e-15)


def test_failed_beats_rmse_above_one() -> None:
    # The notebook rule: a failure is worth 1.0, so it beats an RMSE of 1.5.
    scores = make_scores(curve("IC", "t1", {"A": None, "B": 1.5}))
    assert by_estimator(win_fractions(scores), "win_fraction") == {"A": 1.0, "B": 0.0}


def test_boundary_tie_in_rankings() -> None:
    # Both are 0.013 up to one ulp: a tie (the notebook's int() would give B = 0.012 the win).
    low = float(np.nextafter(0.013, 0.0))
    scores = make_scores(curve("IC", "t1", {"A": 0.1 * 0.13, "B": low}))
    assert by_estimator(win_fractions(scores), "win_fraction") == {"A": 0.5, "B": 0.5}


def test_decimals_parameter() -> None:
    # With 4 decimals 0.0121 < 0.0129: A wins alone.
    scores = make_scores(curve("IC", "t1", {"A": 0.0121, "B": 0.0129}))
    assert by_estimator(win_fractions(scores, decimals=4), "win_fraction") == {"A": 1.0, "B": 0.0}


def test_win_fractions_sum_to_one_and_do_not_depend_on_row_order() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for domain in ("IC", "BB"):
        for t in range(7):
            values = rng.choice([0.0121, 0.0125, 0.0132, 0.02], size=3)
            rows += curve(domain, f"t{t}", dict(zip("ABC", values, strict=True)))
    scores = make_scores(rows)
    wins = win_fractions(scores)
    sums = wins.groupby("domain")["win_fraction"].sum()
    assert sums.to_dict() == pytest.approx({"IC": 1.0, "BB": 1.0}, abs=1e-15)
    shuffled = scores.iloc[rng.permutation(len(scores))].reset_index(drop=True)
    again = win_fractions(shuffled).sort_values(["domain", "estimator"], ignore_index=True)
    expected = wins.sort_values(["domain", "estimator"], ignore_index=True)
    pd.testing.assert_frame_equal(again, expected, check_exact=True)


# --- rankings ---------------------------------------------------------------------------------


def two_curve_scores() -> pd.DataFrame:
    # t1: A 0.0121, B 0.0129 (both 0.012), C 0.0135 (0.013): wins 1/2, 1/2, 0; ranks 1.5, 1.5, 3.
    # t2: A 0.010, B 0.020, C 0.020: wins 1, 0, 0; ranks 1, 2.5, 2.5.
    return make_scores(
        curve("IC", "t1", {"A": 0.0121, "B": 0.0129, "C": 0.0135})
        + curve("IC", "t2", {"A": 0.010, "B": 0.020, "C": 0.020})
    )


def test_rankings_hand_case() -> None:
    table = rankings(two_curve_scores())
    assert list(table.columns) == list(RANKING_COLUMNS)
    # Win fractions: A (1/2 + 1)/2 = 0.75, B (1/2 + 0)/2 = 0.25, C 0.
    assert by_estimator(table, "win_fraction") == {"A": 0.75, "B": 0.25, "C": 0.0}
    # Mean ranks: A (1.5 + 1)/2 = 1.25, B (1.5 + 2.5)/2 = 2, C (3 + 2.5)/2 = 2.75.
    assert by_estimator(table, "mean_rank") == {"A": 1.25, "B": 2.0, "C": 2.75}
    # Mean RMSE (untruncated): A 0.01105, B 0.01645, C 0.01675.
    assert by_estimator(table, "mean_rmse") == pytest.approx(
        {"A": 0.01105, "B": 0.01645, "C": 0.01675}, rel=1e-14
    )
    assert by_estimator(table, "n_curves") == {"A": 2, "B": 2, "C": 2}
    assert by_estimator(table, "n_failed") == {"A": 0, "B": 0, "C": 0}
    assert table["n_curves"].dtype == np.int64


def test_rankings_win_fraction_matches_win_fractions() -> None:
    scores = two_curve_scores()
    left = rankings(scores)[["domain", "estimator", "win_fraction"]]
    pd.testing.assert_frame_equal(left, win_fractions(scores), check_exact=True)


def test_rankings_failures() -> None:
    # t1: A failed (1.0), B 0.5, C 0.7 -> ranks 3, 1, 2.
    # t2: A 0.2, B failed, C ok but NaN RMSE (counts as failed) -> ranks 1, 2.5, 2.5.
    scores = make_scores(
        curve("IC", "t1", {"A": None, "B": 0.5, "C": 0.7})
        + curve("IC", "t2", {"A": 0.2, "B": None, "C": NAN})
    )
    table = rankings(scores)
    assert by_estimator(table, "mean_rank") == {"A": 2.0, "B": 1.75, "C": 2.25}
    assert by_estimator(table, "win_fraction") == {"A": 0.5, "B": 0.5, "C": 0.0}
    assert by_estimator(table, "n_failed") == {"A": 1, "B": 1, "C": 1}
    # Mean RMSE over the non-failed curves only: A 0.2, B 0.5, C 0.7.
    assert by_estimator(table, "mean_rmse") == pytest.approx({"A": 0.2, "B": 0.5, "C": 0.7})


def test_rankings_all_failed_mean_rmse_is_nan() -> None:
    scores = make_scores(curve("IC", "t1", {"A": None, "B": 0.5}))
    assert math.isnan(by_estimator(rankings(scores), "mean_rmse")["A"])


def test_failed_row_with_a_value_still_counts_as_one() -> None:
    scores = make_scores(
        [("IC", "t1", "m", "A", 0.01, "failed"), ("IC", "t1", "m", "B", 0.5, "ok")]
    )
    table = rankings(scores)
    assert by_estimator(table, "win_fraction") == {"A": 0.0, "B": 1.0}
    assert math.isnan(by_estimator(table, "mean_rmse")["A"])


def test_order_of_domains_and_estimators() -> None:
    rows = []
    for domain in ("BB", "ZZ", "LM", "AA", "IC", "NMT"):
        rows += curve(domain, "t", {"M4": 0.1, "M1": 0.2})
    table = rankings(make_scores(rows))
    expected_domains = ["IC", "NMT", "LM", "BB", "AA", "ZZ"]
    assert table["domain"].tolist() == [d for d in expected_domains for _ in range(2)]
    assert table["estimator"].tolist() == ["M4", "M1"] * 6


def test_curves_are_domain_task_model() -> None:
    # The same task under two models is two curves.
    scores = make_scores(
        [
            ("IC", "t", "m1", "A", 0.1),
            ("IC", "t", "m1", "B", 0.2),
            ("IC", "t", "m2", "A", 0.3),
            ("IC", "t", "m2", "B", 0.2),
        ]
    )
    table = rankings(scores)
    assert by_estimator(table, "n_curves") == {"A": 2, "B": 2}
    assert by_estimator(table, "win_fraction") == {"A": 0.5, "B": 0.5}


# --- validation -------------------------------------------------------------------------------


def test_missing_estimator_names_the_curve() -> None:
    scores = two_curve_scores()
    scores = scores[~((scores["task"] == "t2") & (scores["estimator"] == "B"))]
    with pytest.raises(ValueError, match=r"curve domain='IC', task='t2', model='m'.*'B'"):
        rankings(scores)


def test_duplicate_row() -> None:
    scores = two_curve_scores()
    scores = pd.concat([scores, scores.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="more than one row for estimator 'A'"):
        rankings(scores)


def test_bad_status() -> None:
    scores = two_curve_scores()
    scores.loc[0, "status"] = "crashed"
    with pytest.raises(ValueError, match="crashed"):
        rankings(scores)


def test_missing_column() -> None:
    with pytest.raises(ValueError, match="status"):
        rankings(two_curve_scores().drop(columns="status"))


def test_empty_scores() -> None:
    with pytest.raises(ValueError, match="no rows"):
        rankings(make_scores([]))


def test_negative_rmse() -> None:
    scores = make_scores(curve("IC", "t1", {"A": -0.1, "B": 0.5}))
    with pytest.raises(ValueError, match="negative"):
        rankings(scores)
