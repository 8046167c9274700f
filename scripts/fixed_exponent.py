"""Rule fixed_exponent: Figure 3 (M2 with c fixed) and its RMSE-vs-c table.

A dataset without the ViT/B/16 inet_10 curve gets the figure as a "not applicable" note,
a header-only CSV, and the note in the log.
"""

import time
from pathlib import Path
from typing import Any

import pandas as pd
from _rulekit import log, log_to_file

from scalinglaws.curves import COLUMNS, read_tables
from scalinglaws.io import write_csv_atomic
from scalinglaws.paper.fixed_exponent import SWEEP_COLUMNS, argmins
from scalinglaws.paper.plots.fixed_exponent import sweep_table
from scalinglaws.paper.plots.layouts import draw
from scalinglaws.plots.theme import NotApplicable

NAME = "fig3_fixed_exponent"


def main(smk: Any) -> None:
    # The raw files holding the curve (none if the dataset lacks it), validated.
    tables = list(smk.input.tables)
    curves = read_tables(tables)[list(COLUMNS)] if tables else pd.DataFrame(columns=COLUMNS)
    start = time.perf_counter()
    try:
        table = sweep_table(curves)
    except NotApplicable:
        table = None
    write_csv_atomic(
        pd.DataFrame(columns=SWEEP_COLUMNS) if table is None else table, smk.output.table
    )
    note = draw(NAME, {"curves": curves, "sweep": table}, Path(smk.output.png).with_suffix(""))
    if note:
        log(f"{NAME}: not applicable: {note}")
        return
    best = ", ".join(f"{k}: c = {v:.2f}" for k, v in argmins(table).items())
    log(f"{NAME}: drawn in {time.perf_counter() - start:.1f} s; argmin {best}")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
