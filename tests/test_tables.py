"""Tests of the Markdown and LaTeX writers against exact expected text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglaws.tables import format_rmse, latex_escape, rankings_tables, to_latex, to_markdown


def small() -> pd.DataFrame:
    return pd.DataFrame({"task": ["bird_5", "50%"], "rmse": [0.0123456, np.nan], "n": [3, 4]})


MARKDOWN = (
    "| task   |    rmse |   n |\n"
    "|:-------|--------:|----:|\n"
    "| bird_5 | 0.01235 |   3 |\n"
    "| 50%    |       \u2013 |   4 |\n"
)

LATEX = (
    "\\begin{tabular}{lrr}\n"
    "\\toprule\n"
    "task & rmse & n \\\\\n"
    "\\midrule\n"
    "bird\\_5 & 0.01235 & 3 \\\\\n"
    "50\\% & -- & 4 \\\\\n"
    "\\bottomrule\n"
    "\\end{tabular}\n"
)


def test_markdown_exact() -> None:
    assert to_markdown(small()) == MARKDOWN


def test_latex_exact() -> None:
    assert to_latex(small()) == LATEX


def test_latex_caption_and_label() -> None:
    text = to_latex(small(), caption="Extrapolation RMSE, Eq.~(6)", label="tab:rmse")
    head = (
        "\\begin{table}\n\\centering\n\\caption{Extrapolation RMSE, Eq.~(6)}\n\\label{tab:rmse}\n"
    )
    assert text == head + LATEX + "\\end{table}\n"


def test_latex_escapes_headers_and_every_special() -> None:
    df = pd.DataFrame({"mean_rmse": ["a\\b_c%d&e#f$g{h}i~j^k"]})
    assert to_latex(df).splitlines()[2:5] == [
        "mean\\_rmse \\\\",
        "\\midrule",
        "a\\textbackslash{}b\\_c\\%d\\&e\\#f\\$g\\{h\\}i"
        "\\textasciitilde{}j\\textasciicircum{}k \\\\",
    ]
    assert latex_escape("{}") == "\\{\\}"


def test_markdown_escapes_pipes_and_newlines() -> None:
    df = pd.DataFrame({"a|b": ["x|y", "two\nlines"]})
    assert to_markdown(df) == ("| a\\|b      |\n|:----------|\n| x\\|y      |\n| two lines |\n")


def test_align_override_and_centre() -> None:
    df = pd.DataFrame({"a": ["x"], "b": [1.5]})
    assert to_markdown(df, align="cl") == "|  a  | b   |\n|:---:|:----|\n|  x  | 1.5 |\n"
    assert to_latex(df, align=["c", "l"]).splitlines()[0] == "\\begin{tabular}{cl}"
    with pytest.raises(ValueError, match="align"):
        to_markdown(df, align="l")
    with pytest.raises(ValueError, match="align"):
        to_latex(df, align="lx")


def test_float_formats() -> None:
    df = pd.DataFrame({"x": [0.5], "y": [0.25], "z": [0.125]})
    text = to_markdown(df, float_format={"x": "{:.2f}", "y": lambda v: f"{v:.1%}"})
    assert text.splitlines()[2] == "| 0.50 | 25.0% | 0.125 |"
    # A percent sign produced by a format is escaped in LaTeX too.
    assert "25.0\\%" in to_latex(df, float_format="{:.1%}")


def test_missing_values_of_every_kind() -> None:
    df = pd.DataFrame({"s": pd.Series(["a", None], dtype="object"), "i": pd.array([1, None])})
    assert to_markdown(df).splitlines()[2:] == ["| a   |   1 |", "| \u2013   |   \u2013 |"]
    assert to_latex(df).splitlines()[4:6] == ["a & 1 \\\\", "-- & -- \\\\"]


def test_deterministic_and_no_index() -> None:
    df = small().set_index("task")
    assert to_markdown(df) == to_markdown(df.copy())
    assert "bird" not in to_markdown(df)
    assert to_latex(df).endswith("\\end{tabular}\n")


def test_no_columns() -> None:
    with pytest.raises(ValueError, match="columns"):
        to_markdown(pd.DataFrame(index=[0]))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1046, "0.1046"),
        (0.0415, "0.04150"),  # 4 significant digits, trailing zero kept
        (1.0, "1.000"),
        (0.001, "0.001000"),
        (6e-4, "6.000e-04"),  # scientific below 1e-3
        (0.00099996, "1.000e-03"),
        (0.0, "0.000"),
    ],
)
def test_format_rmse(value: float, text: str) -> None:
    assert format_rmse(value) == text


def test_rankings_tables_exact() -> None:
    df = pd.DataFrame(
        {
            "domain": ["LM", "LM"],
            "estimator": ["M4", "my_est"],
            "win_fraction": [2 / 3, 1 / 3],
            "mean_rmse": [6e-4, np.nan],
            "mean_rank": [1.3333333, 1.6666667],
            "n_curves": [3, 3],
            "n_failed": [0, 3],
        }
    )
    markdown, latex = rankings_tables(df)
    assert markdown == (
        "| Domain | Estimator | Win fraction | Mean RMSE | Mean rank | Curves | Failed |\n"
        "|:-------|:----------|-------------:|----------:|----------:|-------:|-------:|\n"
        "| LM     | M4        |        0.667 | 6.000e-04 |      1.33 |      3 |      0 |\n"
        "| LM     | my_est    |        0.333 |         \u2013 |      1.67 |      3 |      3 |\n"
    )
    assert latex == (
        "\\begin{tabular}{llrrrrr}\n"
        "\\toprule\n"
        "Domain & Estimator & Win fraction & Mean RMSE & Mean rank & Curves & Failed \\\\\n"
        "\\midrule\n"
        "LM & M4 & 0.667 & 6.000e-04 & 1.33 & 3 & 0 \\\\\n"
        "LM & my\\_est & 0.333 & -- & 1.67 & 3 & 3 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
    )


def test_rankings_tables_needs_columns() -> None:
    with pytest.raises(ValueError, match="n_failed"):
        rankings_tables(pd.DataFrame({"domain": ["IC"]}))
