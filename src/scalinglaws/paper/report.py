"""The reproduction check as an HTML page for Snakemake's report, and its headline counts.

Built on :mod:`scalinglaws.report` (the tool's pages) and :mod:`.tables` (the check itself):
:func:`reproduction_counts` gives the numbers the summary page quotes ("70/156 of the paper's
printed numbers reproduced"), counted by :func:`.tables.headline`, and
:func:`reproduction_page` shows them with the agreement per source, domain and quantity and every
compared number.
"""

from __future__ import annotations

from collections.abc import Hashable

import pandas as pd

from scalinglaws import report
from scalinglaws.paper import tables
from scalinglaws.tables import FloatFormat, format_rmse

REPRODUCTION_FORMATS: dict[Hashable, FloatFormat] = {
    "paper": format_rmse,
    "resolution": "{:.1e}",
    "ours": format_rmse,
    "difference": "{:+.2e}",
}
"""As in the reproduction's Markdown table (scripts/paper_tables.py)."""
MAX_ROWS = 500
"""Rows of the reproduction table shown (the benchmark's has about 400)."""


def reproduction_counts(reproduction: pd.DataFrame) -> list[tuple[str, int, int]]:
    """``(protocol, n_agree, n_total)`` per protocol of a reproduction table, the main run
    (:data:`.tables.NOTEBOOK`) first, counted by :func:`.tables.headline` (without the
    alternative tie rules' rows). Empty for an empty table (not applicable)."""
    if reproduction.empty:
        return []
    if "protocol" not in reproduction.columns:
        return [(tables.NOTEBOOK, *tables.headline(reproduction))]
    table = reproduction.assign(protocol=reproduction["protocol"].astype(str))
    protocols = list(dict.fromkeys(table["protocol"]))
    protocols.sort(key=lambda name: name != tables.NOTEBOOK)
    return [(name, *tables.headline(table, name)) for name in protocols]


def reproduction_page(reproduction: pd.DataFrame, dataset: str, max_rows: int = MAX_ROWS) -> str:
    """The reproduction check of ``dataset``: the headline counts, the counts per (protocol,)
    source, domain and quantity, and every compared number (at most ``max_rows``)."""
    title = f"Reproduction of the paper's numbers, dataset {dataset}"
    if reproduction.empty:
        return report.html_page(
            title,
            [report.note("Not applicable: the dataset holds none of the paper's table curves.")],
        )
    agrees = reproduction["agrees"].astype(bool)
    body = [
        report.paragraph(report.reproduction_sentence(reproduction_counts(reproduction)), "lead"),
        report.note(
            "A number is reproduced when ours is within half a unit of its last printed digit. "
            "The counts leave out the Figure 1 bars recomputed under the paper's full-credit "
            "tie rule (quantities win_fraction_full*), which are alternatives."
        ),
        report.heading("Per source, domain and quantity"),
        report.html_table(tables.agreement_summary(reproduction), max_rows=None),
        report.heading("Every compared number"),
        report.paragraph(f"{int((~agrees).sum())} of {len(reproduction)} rows do not agree."),
        report.html_table(
            reproduction,
            float_format=REPRODUCTION_FORMATS,
            max_rows=max_rows,
            source="tables/reproduction.csv",
        ),
    ]
    return report.html_page(title, body)
