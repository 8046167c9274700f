"""The paper's full-credit tie rule against the notebook's shared credit, on hand-made scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglaws.rankings import rankings, win_fractions


def scores(rows: list[tuple]) -> pd.DataFrame:
    """Rows (domain, curve, estimator, rmse, pm); NaN RMSE = a failed fit."""
    frame = pd.DataFrame(rows, columns=["domain", "task", "estimator", "rmse", "pm"])
    frame["model"] = "m"
    frame["status"] = np.where(frame["rmse"].isna(), "failed", "ok")
    return frame


CASES = scores(
    [
        # truncation tie: 0.0121 and 0.0129 both truncate to 0.012
        ("A", "t1", "M1", 0.0121, 0.0),
        ("A", "t1", "M2", 0.0129, 0.0),
        ("A", "t1", "M3", 0.05, 0.0),
        # margin tie: M2 0.012 <= best 0.010 + its ± 0.003; M3 0.014 is not
        ("A", "t2", "M1", 0.010, 0.003),
        ("A", "t2", "M2", 0.012, 0.0),
        ("A", "t2", "M3", 0.014, 0.0),
        # a failed fit never ties, whatever the margin
        ("B", "t3", "M1", 0.5, 2.0), ("B", "t3", "M2", np.nan, np.nan), ("B", "t3", "M3", 0.9, 0.0),
    ]
)  # fmt: skip


def fractions(**kwargs) -> dict[tuple[str, str], float]:
    table = win_fractions(CASES, 3, **kwargs)
    return {(d, e): w for d, e, w in table.itertuples(index=False)}


def test_shared_credit_is_the_default_and_splits_ties() -> None:
    assert fractions() == fractions(credit="shared")
    shared = fractions()
    assert shared[("A", "M1")] == pytest.approx((0.5 + 1) / 2)
    assert shared[("A", "M2")] == pytest.approx(0.5 / 2)
    assert sum(w for (d, _), w in shared.items() if d == "A") == pytest.approx(1.0)


def test_full_credit_gives_every_tied_estimator_a_win() -> None:
    full = fractions(credit="full")
    assert (full[("A", "M1")], full[("A", "M2")], full[("A", "M3")]) == (1.0, 0.5, 0.0)
    with_margin = fractions(credit="full", margin="pm")
    assert (with_margin[("A", "M1")], with_margin[("A", "M2")], with_margin[("A", "M3")]) == (
        1.0, 1.0, 0.0,
    )  # fmt: skip
    assert (with_margin[("B", "M1")], with_margin[("B", "M2")], with_margin[("B", "M3")]) == (
        1.0, 0.0, 1.0,
    )  # fmt: skip


def test_bad_credit_and_margin_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="credit must be one of"):
        fractions(credit="half")
    with pytest.raises(ValueError, match="margin column"):
        fractions(margin="nope")


def test_rankings_accept_the_rule() -> None:
    full = rankings(CASES, 3, credit="full")
    assert full.loc[full["domain"] == "A", "win_fraction"].tolist() == [1.0, 0.5, 0.0]
    assert rankings(CASES, 3)["win_fraction"].sum() == pytest.approx(2.0)


def test_reproduction_table_shows_both_rules_beside_the_notebook() -> None:
    from test_paper import NMT_6L6L, PRINTED, make_run

    from scalinglaws.paper import tables as paper

    # M2 and M4 tie by truncation (0.0121, 0.0129 -> 0.012): shared 0.5 each, full 1 each
    scores, predictions = make_run(
        {NMT_6L6L: {"M1": [0.262], "M2": [0.0121], "M3": [0.0892], "M4": [0.0129]}}
    )
    printed = paper.load_printed(PRINTED)
    table = paper.reproduction_table(scores, predictions, printed, win_fractions(scores))
    bars = table[table["source"] == "figure1"].set_index(["quantity", "estimator"])["ours"]
    assert [bars[("win_fraction", e)] for e in ("M2", "M4")] == [0.5, 0.5]
    for rule in paper.FULL_CREDIT_RULES:
        assert [bars[(rule, e)] for e in ("M1", "M2", "M3", "M4")] == [0.0, 1.0, 0.0, 1.0]
    main = table[~table["quantity"].isin(list(paper.FULL_CREDIT_RULES))]
    assert paper.headline(table) == (int(main["agrees"].sum()), len(main))
