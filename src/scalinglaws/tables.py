"""Deterministic Markdown and LaTeX tables, without pandas' optional writers.

``DataFrame.to_markdown`` needs tabulate and ``DataFrame.to_latex`` needs jinja2, and both
change their output between versions; these writers depend on nothing but the frame. The index
is not written. Identical input gives byte-identical text, which ends with a newline.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

FloatFormat = str | Callable[[float], str]
"""A ``str.format`` pattern such as ``"{:.4g}"`` or a function from float to text."""

FloatFormats = FloatFormat | Mapping[Hashable, FloatFormat]
"""One float format for every column, or one per column name (others use ``"{:.4g}"``)."""

DEFAULT_FLOAT_FORMAT = "{:.4g}"
MARKDOWN_NA = "\u2013"  # en dash
LATEX_NA = "--"

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "_": r"\_",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}

RANKINGS_HEADERS = {
    "domain": "Domain",
    "estimator": "Estimator",
    "win_fraction": "Win fraction",
    "mean_rmse": "Mean RMSE",
    "mean_rank": "Mean rank",
    "n_curves": "Curves",
    "n_failed": "Failed",
}


def to_markdown(
    df: pd.DataFrame,
    *,
    float_format: FloatFormats = DEFAULT_FLOAT_FORMAT,
    align: Sequence[str] | None = None,
) -> str:
    """GitHub pipe table; numeric columns right-aligned, others left; NaN as an en dash.

    ``align`` overrides the alignment with one of ``"l"``, ``"r"``, ``"c"`` per column (a
    string such as ``"llr"`` works). Pipes in cells are escaped and newlines become spaces.
    """
    header, body = _text_cells(df, float_format)
    aligns = _alignments(df, align)
    rows = [[_markdown_escape(c) for c in row] for row in [header, *body]]
    rows = [[MARKDOWN_NA if c is None else c for c in row] for row in rows]
    widths = [max(3, *(len(row[k]) for row in rows)) for k in range(len(aligns))]
    lines = [_markdown_row(rows[0], widths, aligns), _markdown_rule(widths, aligns)]
    lines += [_markdown_row(row, widths, aligns) for row in rows[1:]]
    return "\n".join(lines) + "\n"


def to_latex(
    df: pd.DataFrame,
    *,
    float_format: FloatFormats = DEFAULT_FLOAT_FORMAT,
    caption: str | None = None,
    label: str | None = None,
    align: Sequence[str] | None = None,
) -> str:
    """Booktabs ``tabular``; LaTeX specials escaped in headers and cells; NaN as "--".

    With a ``caption`` or ``label`` the tabular is wrapped in a centred ``table`` environment;
    caption and label come first and are written as given (LaTeX, not escaped). ``align`` is as in
    :func:`to_markdown`.
    """
    header, body = _text_cells(df, float_format)
    spec = "".join(_alignments(df, align))
    rows = [[LATEX_NA if c is None else latex_escape(c) for c in row] for row in [header, *body]]
    lines = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", _latex_row(rows[0]), r"\midrule"]
    lines += [_latex_row(row) for row in rows[1:]]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if caption is not None or label is not None:
        head = [r"\begin{table}", r"\centering"]
        head += [rf"\caption{{{caption}}}"] if caption is not None else []
        head += [rf"\label{{{label}}}"] if label is not None else []
        lines = [*head, *lines, r"\end{table}"]
    return "\n".join(lines) + "\n"


def rankings_tables(rankings_df: pd.DataFrame) -> tuple[str, str]:
    """(Markdown, LaTeX) of a :func:`scalinglaws.rankings.rankings` frame.

    Win fraction has 3 decimals, mean RMSE 4 significant digits (scientific below 1e-3, e.g.
    ``6.000e-04``), mean rank 2 decimals. With unscored curves (column ``n_unscored``), a note
    above the table says how many per domain, or that no curve was scored at all.
    """
    missing = [c for c in RANKINGS_HEADERS if c not in rankings_df.columns]
    if missing:
        raise ValueError(f"rankings table lacks column(s) {', '.join(missing)}")
    table = rankings_df[list(RANKINGS_HEADERS)].rename(columns=RANKINGS_HEADERS)
    formats = {"Win fraction": "{:.3f}", "Mean RMSE": format_rmse, "Mean rank": "{:.2f}"}
    align = "llrrrrr"
    markdown = to_markdown(table, float_format=formats, align=align)
    latex = to_latex(table, float_format=formats, align=align)
    note = unscored_note(rankings_df)
    if note:
        markdown = f"{note}\n\n{markdown}"
        latex = f"{latex_escape(note)}\n\n{latex}"
    return markdown, latex


def unscored_note(rankings_df: pd.DataFrame) -> str:
    """What the rankings leave out: '' when every curve was scored (or no ``n_unscored``)."""
    if "n_unscored" not in rankings_df.columns:
        return ""
    per_domain = rankings_df.groupby("domain", sort=False).first()
    unscored = per_domain["n_unscored"].astype(int)
    if not unscored.any():
        return ""
    if not per_domain["n_curves"].astype(int).any():
        n = int(unscored.sum())
        curves = "the only curve has no" if n == 1 else f"none of the {n} curves has"
        return (
            f"No scored curve: {curves} extrapolation points (Training = 0), "
            "so no estimator is ranked."
        )
    counts = ", ".join(f"{domain} {n}" for domain, n in unscored.items() if n)
    return f"Unscored curves (no extrapolation points, Training = 0; not ranked): {counts}."


def format_rmse(value: float) -> str:
    """4 significant digits, trailing zeros kept; scientific for 0 < |value| < 1e-3."""
    if 0 < abs(value) < 1e-3:
        return f"{value:.3e}"
    return f"{value:#.4g}"


def latex_escape(text: str) -> str:
    """Escape the LaTeX specials ``\\ _ % & # $ { } ~ ^`` for text mode."""
    return "".join(_LATEX_SPECIALS.get(char, char) for char in text)


def _text_cells(
    df: pd.DataFrame, float_format: FloatFormats
) -> tuple[list[str], list[list[str | None]]]:
    """Header texts and body cell texts (None for missing values), before escaping."""
    if df.shape[1] == 0:
        raise ValueError("cannot write a table without columns")
    header = [str(name) for name in df.columns]
    columns = [
        [_cell_text(v, _column_format(float_format, name)) for v in df.iloc[:, k].tolist()]
        for k, name in enumerate(df.columns)
    ]
    return header, [list(row) for row in zip(*columns, strict=True)]


def _column_format(float_format: FloatFormats, name: Hashable) -> Callable[[float], str]:
    """The float formatter of column ``name``."""
    if isinstance(float_format, Mapping):
        float_format = float_format.get(name, DEFAULT_FLOAT_FORMAT)
    return float_format.format if isinstance(float_format, str) else float_format


def _cell_text(value: object, fmt: Callable[[float], str]) -> str | None:
    """Text of one cell: floats through ``fmt``, integers exactly, None for missing values."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return fmt(float(value))
    return str(value)


def _alignments(df: pd.DataFrame, align: Sequence[str] | None) -> list[str]:
    """One of "l", "r", "c" per column; by default numeric (non-boolean) columns are right."""
    if align is None:
        return ["r" if _is_numeric(df.iloc[:, k]) else "l" for k in range(df.shape[1])]
    align = list(align)
    if len(align) != df.shape[1] or not set(align) <= {"l", "r", "c"}:
        raise ValueError(
            f"align needs one of 'l', 'r', 'c' per column ({df.shape[1]}), got {align}"
        )
    return align


def _is_numeric(column: pd.Series) -> bool:
    """True for numeric columns other than booleans."""
    dtype = column.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _markdown_escape(text: str | None) -> str | None:
    """Escape pipes and flatten newlines so a cell cannot break the table."""
    if text is None:
        return None
    return text.replace("|", r"\|").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def _markdown_row(cells: list[str], widths: list[int], aligns: list[str]) -> str:
    """One ``| a | b |`` line with cells padded to the column widths."""
    padded = [_pad(c, w, a) for c, w, a in zip(cells, widths, aligns, strict=True)]
    return "| " + " | ".join(padded) + " |"


def _pad(text: str, width: int, align: str) -> str:
    """Pad ``text`` to ``width`` by alignment."""
    if align == "r":
        return text.rjust(width)
    if align == "c":
        return text.center(width)
    return text.ljust(width)


def _markdown_rule(widths: list[int], aligns: list[str]) -> str:
    """The delimiter row, e.g. ``|:----|----:|:---:|``, as wide as the padded cells."""
    rules = {
        "l": lambda w: ":" + "-" * (w + 1),
        "r": lambda w: "-" * (w + 1) + ":",
        "c": lambda w: ":" + "-" * w + ":",
    }
    return "|" + "|".join(rules[a](w) for w, a in zip(widths, aligns, strict=True)) + "|"


def _latex_row(cells: list[str]) -> str:
    """One ``a & b \\\\`` line."""
    return " & ".join(cells) + r" \\"
