"""HTML pages of a run's tables, for Snakemake's report (``snakemake --report``).

Snakemake's report shows an output marked ``report(...)`` inline when it is HTML (in a frame)
and offers any other file (CSV, Markdown, LaTeX) as a download only. The functions here turn
the workflow's tables into small self-contained HTML pages: a summary with the headline (the
best estimator per domain, the recommended estimator, the paper's numbers reproduced), the
rankings, a bounded view of the forecasts, the calibration of the bands and the comparison
flips. The page of the paper's reproduction check is in :mod:`scalinglaws.paper.report` (this
tool layer does not import the paper layer).

Every function is pure: frames in, text out. Text from the tables is HTML-escaped, numbers are
formatted as in the Markdown tables (:mod:`scalinglaws.tables`), the CSS is inline and nothing
depends on the clock, so identical input gives byte-identical pages. Long tables are cut at
``max_rows`` rows with a note saying how many there are and where the full table is.
"""

from __future__ import annotations

import html
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from scalinglaws.tables import (
    DEFAULT_FLOAT_FORMAT,
    MARKDOWN_NA,
    RANKINGS_HEADERS,
    FloatFormat,
    FloatFormats,
    format_rmse,
    unscored_note,
)

MAX_ROWS = 200
"""Rows shown of a long table (forecasts: curves); the rest are counted in a note."""

CURVE_KEY = ["domain", "task", "model"]

FORECAST_READ_COLUMNS = [
    *CURVE_KEY, "estimator", "x", "scale", "y_pred", "y_lo", "y_hi", "level", "last_x",
    "last_y", "status",
]  # fmt: skip
"""The columns of forecasts.csv that :func:`forecasts_page` uses."""

STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "font-size:14px;line-height:1.4;color:#1f2937;margin:1.5em}"
    "h1{font-size:1.35em;margin:0 0 .6em}h2{font-size:1.1em;margin:1.4em 0 .4em}"
    "table{border-collapse:collapse;margin:.4em 0 1em}"
    "th,td{padding:.25em .7em;border-bottom:1px solid #e5e7eb;text-align:left;"
    "vertical-align:top}"
    "th{background:#f3f4f6;font-weight:600}"
    ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".na{color:#9ca3af}"
    "tr.best td{background:#ecfdf5;font-weight:600}"
    "p.lead{font-size:1.05em}p.note{color:#6b7280}"
    "code{background:#f3f4f6;padding:0 .2em}"
)
"""The inline style sheet of every page."""
_NUM = ' class="num"'

RANKING_FORMATS: dict[Hashable, FloatFormat] = {
    "Win fraction": "{:.3f}",
    "Mean RMSE": format_rmse,
    "Mean rank": "{:.2f}",
}
RANKING_HEADERS = {k: v for k, v in RANKINGS_HEADERS.items() if k != "domain"}
CALIBRATION_FORMATS: dict[Hashable, FloatFormat] = {
    "msce": "{:.4f}",
    "log_lik": "{:.3f}",
    "log_lik_y": "{:.3f}",
}
COVERAGE_FORMAT = "{:.3f}"
FLIP_FORMATS: dict[Hashable, FloatFormat] = {
    "small_scale_wrong_share": "{:.3f}",
    "law_wrong_share": "{:.3f}",
}
FLIP_TOTAL = "all"
"""The task of the per-domain rows of a flip table (scalinglaws.comparisons.flip_table)."""


# --- building blocks --------------------------------------------------------------------------


def escape(text: object) -> str:
    """``text`` as HTML text, quotes included (safe in attributes too)."""
    return html.escape(str(text), quote=True)


def format_value(value: object, fmt: FloatFormat = DEFAULT_FLOAT_FORMAT) -> str | None:
    """Text of one cell: floats through ``fmt`` (a ``str.format`` pattern or a function),
    integers exactly, booleans as yes/no, None for a missing value (NaN, None, NA)."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not math.isfinite(float(value)):
            return str(float(value))
        return fmt.format(float(value)) if isinstance(fmt, str) else fmt(float(value))
    return str(value)


def html_table(
    df: pd.DataFrame,
    *,
    float_format: FloatFormats = DEFAULT_FLOAT_FORMAT,
    max_rows: int | None = MAX_ROWS,
    highlight: Sequence[bool] | None = None,
    noun: str = "rows",
    source: str | None = None,
) -> str:
    """``df`` as an HTML ``<table>`` (index not written), at most ``max_rows`` rows.

    Numeric columns are right-aligned; a missing value is an en dash. ``highlight`` marks rows
    (``class="best"``). When rows are cut, a note below the table says how many of how many
    ``noun`` are shown, and where the rest are (``source``).
    """
    if df.shape[1] == 0:
        raise ValueError("cannot write a table without columns")
    total = len(df)
    shown = df if max_rows is None else df.iloc[: max(int(max_rows), 0)]
    marks = [False] * total if highlight is None else [bool(h) for h in highlight]
    if len(marks) != total:
        raise ValueError(f"highlight has {len(marks)} entries for {total} rows")
    numeric = [_is_numeric(df.iloc[:, k]) for k in range(df.shape[1])]
    formats = [_column_format(float_format, name) for name in df.columns]
    head = "".join(
        f"<th{_NUM if num else ''}>{escape(name)}</th>"
        for name, num in zip(df.columns, numeric, strict=True)
    )
    lines = ["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    for position, row in enumerate(shown.itertuples(index=False, name=None)):
        cells = []
        for value, num, fmt in zip(row, numeric, formats, strict=True):
            text = format_value(value, fmt)
            classes = " ".join(c for c in ("num" if num else "", "na" if text is None else "") if c)
            attribute = f' class="{classes}"' if classes else ""
            cells.append(f"<td{attribute}>{escape(MARKDOWN_NA if text is None else text)}</td>")
        opening = '<tr class="best">' if marks[position] else "<tr>"
        lines.append(opening + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>"]
    text = "\n".join(lines) + "\n"
    if len(shown) < total:
        where = f"; all of them are in {source}" if source else ""
        text += note(f"Showing the first {len(shown):,} of {total:,} {noun}{where}.")
    return text


def paragraph(text: str, kind: str | None = None) -> str:
    """A ``<p>`` of escaped ``text``, with class ``kind`` (e.g. ``lead``, ``note``)."""
    opening = f'<p class="{escape(kind)}">' if kind else "<p>"
    return f"{opening}{escape(text)}</p>\n"


def note(text: str) -> str:
    """A grey note paragraph."""
    return paragraph(text, "note")


def heading(text: str, level: int = 2) -> str:
    """An escaped ``<hN>`` heading."""
    return f"<h{level}>{escape(text)}</h{level}>\n"


def bullets(items: Iterable[str]) -> str:
    """An ``<ul>`` of escaped items ('' without items)."""
    items = list(items)
    if not items:
        return ""
    return "<ul>\n" + "".join(f"<li>{escape(item)}</li>\n" for item in items) + "</ul>\n"


def html_page(title: str, body: Iterable[str]) -> str:
    """A complete HTML document: ``title`` as heading, then the ``body`` fragments in order."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{heading(title, 1)}{''.join(body)}</body>\n</html>\n"
    )


# --- rankings and the summary -----------------------------------------------------------------


def ranked(rankings: pd.DataFrame) -> pd.DataFrame:
    """``rankings`` (a :func:`scalinglaws.rankings.rankings` frame) best first in each domain:
    by win fraction (descending), then mean rank and mean RMSE (ascending), ties in file order;
    domains in file order, unranked estimators (no scored curve) last."""
    order = {domain: k for k, domain in enumerate(dict.fromkeys(rankings["domain"]))}
    frame = rankings.reset_index(drop=True).assign(
        _domain=rankings["domain"].map(order).to_numpy(),
        _wins=-pd.to_numeric(rankings["win_fraction"]).to_numpy(),
    )
    frame = frame.sort_values(
        ["_domain", "_wins", "mean_rank", "mean_rmse"], kind="mergesort", na_position="last"
    )
    return frame.drop(columns=["_domain", "_wins"]).reset_index(drop=True)


def leaders(rankings: pd.DataFrame) -> pd.DataFrame:
    """Per domain: the estimator with the most wins (:func:`ranked`'s first) and the one with the
    lowest mean RMSE, with their numbers and the domain's scored and unscored curves. A domain
    without a scored curve has no leader (missing values)."""
    rows = []
    for domain, group in ranked(rankings).groupby("domain", sort=False):
        scored = group[group["win_fraction"].notna()]
        first = group.iloc[0]
        counts = {"n_curves": int(first["n_curves"]), "n_unscored": _unscored(first)}
        if scored.empty or scored["mean_rmse"].isna().all():
            rows.append({"domain": domain, **counts})
            continue
        best, lowest = scored.iloc[0], scored.loc[scored["mean_rmse"].idxmin()]
        rows.append(
            {
                "domain": domain,
                "most_wins": best["estimator"],
                "win_fraction": float(best["win_fraction"]),
                "lowest_rmse": lowest["estimator"],
                "mean_rmse": float(lowest["mean_rmse"]),
                **counts,
            }
        )
    columns = ["domain", "most_wins", "win_fraction", "lowest_rmse", "mean_rmse"]
    return pd.DataFrame(rows, columns=[*columns, "n_curves", "n_unscored"])


def rankings_page(rankings: pd.DataFrame, dataset: str) -> str:
    """The rankings of ``dataset``, one table per domain, best first, the leader highlighted."""
    body = [
        paragraph(
            "Estimators ranked per domain by their share of wins (lowest extrapolation RMSE on a "
            "curve, RMSEs truncated as in the official notebook; tied winners share the win), "
            "then by mean rank. The first row of each domain is the headline.",
            "lead",
        )
    ]
    if text := unscored_note(rankings):
        body.append(note(text))
    for domain, group in ranked(rankings).groupby("domain", sort=False):
        table = group[list(RANKING_HEADERS)].rename(columns=RANKING_HEADERS)
        table.insert(0, "Rank", range(1, len(table) + 1))
        has_winner = group["win_fraction"].notna().to_numpy()
        highlight = [k == 0 and bool(has_winner[0]) for k in range(len(table))]
        body.append(heading(str(domain)))
        body.append(
            html_table(table, float_format=RANKING_FORMATS, max_rows=None, highlight=highlight)
        )
    if rankings.empty:
        body.append(note("No rankings: the dataset has no ranked estimator."))
    return html_page(f"Rankings of dataset {dataset}", body)


def reproduction_sentence(counts: Sequence[tuple[str, int, int]]) -> str:
    """E.g. "70/156 of the paper's printed numbers reproduced (notebook settings); protocol
    paper: 83/156."; '' without counts."""
    if not counts:
        return ""
    (name, agree, total), *others = counts
    text = f"{agree}/{total} of the paper's printed numbers reproduced ({name} settings)"
    extra = "; ".join(f"protocol {n}: {a}/{t}" for n, a, t in others)
    return f"{text}; {extra}." if extra else f"{text}."


def summary_page(
    rankings: pd.DataFrame,
    dataset: str,
    recommended: str | None = None,
    reproduction: Sequence[tuple[str, int, int]] | None = None,
) -> str:
    """The headline of ``dataset``: what was done, the best estimator per domain, how the
    ``recommended`` estimator fares, and (paper datasets) how many of the paper's printed
    numbers this run reproduces: ``reproduction`` is ``(protocol, n_agree, n_total)`` per
    protocol, the main run first (:func:`scalinglaws.paper.report.reproduction_counts`; empty:
    the dataset holds none of the paper's table curves; None: not a paper dataset)."""
    lead = leaders(rankings)
    n_scored = int(lead["n_curves"].sum())
    n_all = n_scored + int(lead["n_unscored"].sum())
    estimators = rankings["estimator"].nunique()
    body = [
        paragraph(
            f"{n_all} curves in {len(lead)} domain{_s(len(lead))}, {n_scored} of them scored on "
            f"their extrapolation points (Training = 0). {estimators} estimator{_s(estimators)} "
            "fitted to the fit points of every curve, scored by the RMSE of the log loss at "
            "the extrapolation points and ranked per domain by their share of wins; every "
            "curve with at least 3 points is also forecast at larger scales.",
            "lead",
        ),
        heading("Best estimator per domain"),
    ]
    headline = [
        f"{row.domain}: {row.most_wins} (wins {row.win_fraction:.1%} of {row.n_curves} curves)"
        for row in lead.itertuples()
        if isinstance(row.most_wins, str)
    ]
    body.append(bullets(headline) or note("No domain has a scored curve: nothing is ranked."))
    table = lead.rename(
        columns={
            "domain": "Domain",
            "most_wins": "Most wins",
            "win_fraction": "Win fraction",
            "lowest_rmse": "Lowest mean RMSE",
            "mean_rmse": "Mean RMSE",
            "n_curves": "Scored curves",
            "n_unscored": "Unscored curves",
        }
    )
    body.append(html_table(table, float_format=RANKING_FORMATS, max_rows=None))
    if recommended:
        body.append(heading(f"Recommended estimator: {recommended}"))
        body.append(_recommended(rankings, recommended))
    if reproduction is not None:
        body.append(heading("Reproduction of the paper"))
        sentence = reproduction_sentence(reproduction)
        body.append(
            paragraph(sentence, "lead")
            if sentence
            else note("The dataset holds none of the curves of the paper's Tables 2-3.")
        )
    body.append(heading("Where to look"))
    body.append(
        bullets(
            [
                "Rankings: every estimator per domain (rankings.html; rankings.csv).",
                "Forecasts: the recommended estimator's forecasts per curve with their bands "
                "(forecasts.html; all estimators in forecasts.csv).",
                "Uncertainty: how often the bands cover the held-out points (calibration.html).",
                "Comparisons: how often the smaller scale picks the wrong winner "
                "(comparison_flips.html).",
                *(
                    ["Paper tables: every printed number against this run (reproduction.html)."]
                    if reproduction is not None
                    else []
                ),
                "Figures: the fitted law and its band for every curve.",
            ]
        )
    )
    return html_page(f"Summary of dataset {dataset}", body)


def _recommended(rankings: pd.DataFrame, name: str) -> str:
    """The recommended estimator's place in each domain, or a note that it was not run."""
    rows = []
    for domain, group in ranked(rankings).groupby("domain", sort=False):
        group = group.reset_index(drop=True)
        mine = group.index[group["estimator"] == name]
        if len(mine) == 0 or pd.isna(group.loc[mine[0], "win_fraction"]):
            continue
        row = group.loc[mine[0]]
        rows.append(
            {
                "Domain": domain,
                "Rank": int(mine[0]) + 1,
                "of": len(group),
                "Win fraction": float(row["win_fraction"]),
                "Mean RMSE": float(row["mean_rmse"]),
                "Mean rank": float(row["mean_rank"]),
            }
        )
    if not rows:
        return note(
            f"{name} (config recommended_estimator) is not ranked in this run: it is not among "
            "the configured estimators, or no curve was scored."
        )
    return paragraph(
        f"{name} (config recommended_estimator) is the estimator forecasts and comparisons use "
        "by default. Its place in each domain:"
    ) + html_table(pd.DataFrame(rows), float_format=RANKING_FORMATS, max_rows=None)


# --- forecasts --------------------------------------------------------------------------------


def forecast_rows(
    chunks: Iterable[pd.DataFrame], preferred: Sequence[str | None] = ()
) -> tuple[pd.DataFrame, str | None]:
    """The forecasts of one estimator from ``chunks`` of forecasts.csv, read piece by piece so a
    huge file is never held whole: the first of ``preferred`` present, else the file's first
    estimator. Returns the rows (all columns of the chunks) and the estimator."""
    kept, first, seen = [], None, set()
    for chunk in chunks:
        names = chunk["estimator"].astype(str)
        if first is None and len(chunk):
            first = names.iloc[0]
        seen.update(names.unique())
        wanted = {name for name in (*preferred, first) if name}
        kept.append(chunk[names.isin(wanted)])
    estimator = next((name for name in preferred if name in seen), first)
    if not kept:
        return pd.DataFrame(columns=FORECAST_READ_COLUMNS), estimator
    rows = pd.concat(kept, ignore_index=True)
    return rows[rows["estimator"].astype(str) == estimator].reset_index(drop=True), estimator


def target_label(x: float, scale: float, scales: Sequence[float], xs: Sequence[float]) -> str:
    """The column of a forecast target: its configured scale (``10× last x``) or absolute x."""
    for s in scales:
        if math.isclose(scale, float(s), rel_tol=1e-9):
            return f"{float(s):g}× last x"
    for value in xs:
        if math.isclose(x, float(value), rel_tol=1e-9):
            return f"x = {float(value):g}"
    return f"x = {x:.4g}"


def forecast_cell(status: str, y_pred: float, y_lo: float, y_hi: float) -> str:
    """``y_pred [y_lo, y_hi]`` (4 significant digits), the bare prediction without a band, or
    ``failed``."""
    if status != "ok" or not np.isfinite(y_pred):
        return "failed" if status != "ok" else MARKDOWN_NA
    if np.isfinite(y_lo) and np.isfinite(y_hi):
        return f"{y_pred:.4g} [{y_lo:.4g}, {y_hi:.4g}]"
    return f"{y_pred:.4g}"


def forecast_table(
    forecasts: pd.DataFrame,
    scales: Sequence[float] = (),
    xs: Sequence[float] = (),
    max_curves: int | None = MAX_ROWS,
) -> tuple[pd.DataFrame, int]:
    """One row per curve (the first ``max_curves`` curves in file order) and one column per
    target of the forecasts of one estimator: ``(table, number of curves)``.

    ``forecasts`` has the :data:`FORECAST_READ_COLUMNS` with numbers in the numeric ones.
    Targets are labelled by :func:`target_label`, in the order of ``scales`` then ``xs``.
    """
    keys = forecasts[CURVE_KEY].drop_duplicates()
    n_curves = len(keys)
    if max_curves is not None:
        keys = keys.head(max(int(max_curves), 0))
    rows = forecasts.merge(keys, on=CURVE_KEY, how="inner", sort=False)
    labels = [
        target_label(float(x), float(s), scales, xs)
        for x, s in zip(rows["x"], rows["scale"], strict=True)
    ]
    cells = [
        forecast_cell(str(st), float(p), float(lo), float(hi))
        for st, p, lo, hi in zip(
            rows["status"], rows["y_pred"], rows["y_lo"], rows["y_hi"], strict=True
        )
    ]
    columns = _target_order(labels, scales, xs)
    table = keys.rename(columns=str.capitalize).reset_index(drop=True)
    last = rows.drop_duplicates(CURVE_KEY).set_index(CURVE_KEY)
    index = pd.MultiIndex.from_frame(keys)
    table["Last x"] = pd.to_numeric(last["last_x"]).reindex(index).to_numpy()
    table["Last loss"] = pd.to_numeric(last["last_y"]).reindex(index).to_numpy()
    by_cell = dict(
        zip(
            zip(*(rows[c].astype(str) for c in CURVE_KEY), labels, strict=True),
            cells,
            strict=True,
        )
    )
    curve_keys = list(zip(*(keys[c].astype(str) for c in CURVE_KEY), strict=True))
    for label in columns:
        table[label] = [by_cell.get((*key, label)) for key in curve_keys]
    return table, n_curves


def forecasts_page(
    forecasts: pd.DataFrame,
    dataset: str,
    estimator: str | None,
    recommended: str | None = None,
    scales: Sequence[float] = (),
    xs: Sequence[float] = (),
    max_curves: int | None = MAX_ROWS,
) -> str:
    """The forecasts of ``estimator`` (one estimator's rows of forecasts.csv), one row per
    curve, at most ``max_curves`` curves."""
    title = f"Forecasts of dataset {dataset}"
    if estimator is None or forecasts.empty:
        return html_page(title, [note("No forecasts: no curve was forecast.")])
    table, n_curves = forecast_table(forecasts, scales, xs, max_curves)
    level = pd.to_numeric(forecasts["level"]).dropna()
    band = f"central {level.iloc[0]:.0%} predictive band" if len(level) else "predictive band"
    failed = forecasts.loc[forecasts["status"].astype(str) != "ok", CURVE_KEY].drop_duplicates()
    why = (
        "the recommended estimator"
        if estimator == recommended
        else (
            f"the recommended estimator {recommended} is not among this run's forecasts"
            if recommended
            else "the first estimator of forecasts.csv"
        )
    )
    body = [
        paragraph(
            f"Forecasts by {estimator} ({why}) of {n_curves} curve{_s(n_curves)}: the predicted "
            f"loss at each target, with its {band} in brackets. Targets are multiples of a "
            "curve's largest observed x (last x) or absolute x values (config forecast). Every "
            "forecasting estimator's rows are in forecasts.csv.",
            "lead",
        )
    ]
    if len(failed):
        body.append(
            note(f"{len(failed)} of {n_curves} curves could not be fitted by {estimator} (failed).")
        )
    body.append(
        html_table(
            table,
            float_format={"Last x": "{:.4g}", "Last loss": "{:.4g}"},
            max_rows=None,
        )
    )
    if len(table) < n_curves:
        body.append(
            note(
                f"Showing the first {len(table):,} of {n_curves:,} curves; all of them are in "
                "forecasts.csv."
            )
        )
    return html_page(title, body)


# --- calibration and comparisons ------------------------------------------------------------------


def calibration_page(calibration: pd.DataFrame, dataset: str, max_rows: int = MAX_ROWS) -> str:
    """The calibration of the bands per domain and estimator."""
    formats = dict(CALIBRATION_FORMATS)
    formats.update({c: COVERAGE_FORMAT for c in calibration.columns if str(c).startswith("cover_")})
    body = [
        paragraph(
            "Coverage of the predictive bands on the extrapolation points, per domain and "
            "estimator: cover_50, cover_80 and cover_95 are the shares of points inside the "
            "central 50 %, 80 % and 95 % bands (a calibrated band covers its level); msce is "
            "the mean squared calibration error over the levels 0.50-0.99 (lower is better); "
            "log_lik the mean predictive log density of ln y (higher is better).",
            "lead",
        )
    ]
    if calibration.empty:
        body.append(note("No extrapolation point with a band: nothing to calibrate."))
    else:
        body.append(
            html_table(
                calibration,
                float_format=formats,
                max_rows=max_rows,
                source="calibration.csv",
            )
        )
    return html_page(f"Calibration of the bands, dataset {dataset}", body)


def flips_page(flips: pd.DataFrame, dataset: str, max_rows: int = MAX_ROWS) -> str:
    """How often the smallest shared scale, and the laws, pick the wrong winner: the totals, per
    domain (the rows of task :data:`FLIP_TOTAL`) and per task (at most ``max_rows``)."""
    body = [
        paragraph(
            "For every pair of models sharing a task, whether judging them at the smallest "
            "shared scale, or by their fitted laws, picks the winner the extrapolation points "
            "confirm: checked pairs, and the wrong picks of each way (count and share).",
            "lead",
        )
    ]
    totals = flips["task"].astype(str) == FLIP_TOTAL
    per_domain, per_task = flips[totals], flips[~totals]
    if flips.empty:
        body.append(note("No task has two fitted models with held-out points to check."))
    else:
        checked = int(pd.to_numeric(per_domain["checked"]).sum())
        small = int(pd.to_numeric(per_domain["small_scale_wrong"]).sum())
        law = int(pd.to_numeric(per_domain["law_wrong"]).sum())
        body.append(
            paragraph(
                f"Over all domains: the smallest scale picks the wrong winner in {small} of "
                f"{checked} checked pairs, the laws in {law}."
            )
        )
        body.append(heading("Per domain"))
        body.append(
            html_table(per_domain.drop(columns="task"), float_format=FLIP_FORMATS, max_rows=None)
        )
        body.append(heading("Per task"))
        body.append(
            html_table(
                per_task,
                float_format=FLIP_FORMATS,
                max_rows=max_rows,
                source="tables/comparison_flips.csv",
            )
        )
    return html_page(f"Comparison flips, dataset {dataset}", body)


# --- helpers ----------------------------------------------------------------------------------


def _column_format(float_format: FloatFormats, name: Hashable) -> FloatFormat:
    """The float format of column ``name``."""
    if isinstance(float_format, Mapping):
        return float_format.get(name, DEFAULT_FLOAT_FORMAT)
    return float_format


def _is_numeric(column: pd.Series) -> bool:
    """True for numeric columns other than booleans."""
    dtype = column.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _target_order(labels: Sequence[str], scales: Sequence[float], xs: Sequence[float]) -> list[str]:
    """The distinct target labels: configured scales, then configured x, then the others."""
    configured = [target_label(math.nan, float(s), scales, ()) for s in scales]
    configured += [target_label(float(x), math.nan, (), xs) for x in xs]
    present = list(dict.fromkeys(labels))
    return [c for c in configured if c in present] + [c for c in present if c not in configured]


def _unscored(row: pd.Series) -> int:
    """The unscored curves of a rankings row (0 without the column)."""
    value = row.get("n_unscored", 0)
    return 0 if pd.isna(value) else int(value)


def _s(n: int) -> str:
    """Plural ending."""
    return "" if n == 1 else "s"
