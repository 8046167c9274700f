"""Rules report_tables and report_paper_tables: the HTML pages of a dataset for the report.

Reads the dataset's tables (only the columns the pages show; forecasts.csv piece by piece,
keeping one estimator's rows) and writes the pages of scalinglaws.report: the summary, the
rankings, the forecasts, the calibration, the comparison flips and, for a paper dataset, the
reproduction check.
"""

from typing import Any

import pandas as pd
from _rulekit import log, log_to_file, read_text_csv, to_numbers

from scalinglaws import report
from scalinglaws.io import write_text_atomic
from scalinglaws.paper import report as paper_report
from scalinglaws.rankings import RANKING_COLUMNS

CHUNK_ROWS = 200_000
"""Rows of forecasts.csv read at a time."""
FLIP_NEEDED = ["checked", "small_scale_wrong", "law_wrong"]
"""The columns of tables/comparison_flips.csv the totals are summed from."""
FORECAST_NUMBERS = ["x", "scale", "y_pred", "y_lo", "y_hi", "level", "last_x", "last_y"]


def read_numbers(path: str, keys: list[str], needed: list[str]) -> pd.DataFrame:
    """A table of this workflow: the ``keys`` columns as text, every other one as numbers;
    a missing ``keys`` or ``needed`` column fails with the file named."""
    table = read_text_csv(path)
    missing = [c for c in [*keys, *needed] if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: lacks column(s) {', '.join(missing)}")
    return to_numbers(table, [c for c in table.columns if c not in keys])


def read_forecasts(path: str, preferred: list[str]) -> tuple[pd.DataFrame, str | None]:
    """One estimator's forecasts (report.forecast_rows), read in chunks of the needed columns."""
    chunks = pd.read_csv(
        path,
        usecols=report.FORECAST_READ_COLUMNS,
        dtype=str,
        keep_default_na=False,
        chunksize=CHUNK_ROWS,
    )
    with chunks as reader:
        rows, estimator = report.forecast_rows(reader, preferred)
    return to_numbers(rows[report.FORECAST_READ_COLUMNS], FORECAST_NUMBERS), estimator


def read_reproduction(path: str) -> pd.DataFrame:
    """tables/reproduction.csv, ``agrees`` as booleans (header only: not applicable)."""
    table = read_text_csv(path)
    if table.empty:
        return table
    numbers = ["paper", "resolution", "ours", "difference"]
    table = to_numbers(table, [c for c in numbers if c in table.columns])
    return table.assign(agrees=table["agrees"].map({"True": True, "False": False}))


def main(smk: Any) -> None:
    dataset = smk.wildcards.dataset
    recommended = smk.params.recommended or None
    rankings = read_numbers(smk.input.rankings, ["domain", "estimator"], list(RANKING_COLUMNS))
    counts = None
    if hasattr(smk.output, "reproduction"):  # a paper dataset (rule report_paper_tables)
        reproduction = read_reproduction(smk.input.reproduction)
        counts = paper_report.reproduction_counts(reproduction)
        page = paper_report.reproduction_page(reproduction, dataset)
        write_text_atomic(smk.output.reproduction, page)
    pages = {
        "summary": report.summary_page(
            rankings, dataset, recommended=recommended, reproduction=counts
        ),
        "rankings": report.rankings_page(rankings, dataset),
    }
    preferred = [recommended] if recommended else []
    forecasts, estimator = read_forecasts(smk.input.forecasts, preferred)
    pages["forecasts"] = report.forecasts_page(
        forecasts,
        dataset,
        estimator,
        recommended=recommended,
        scales=smk.params.scales,
        xs=smk.params.x,
        max_curves=int(smk.params.max_rows),
    )
    calibration = read_numbers(smk.input.calibration, ["domain", "estimator"], ["n"])
    pages["calibration"] = report.calibration_page(calibration, dataset, int(smk.params.max_rows))
    flips = read_numbers(smk.input.flips, ["domain", "task"], FLIP_NEEDED)
    pages["comparison_flips"] = report.flips_page(flips, dataset, int(smk.params.max_rows))
    for name, page in pages.items():
        write_text_atomic(getattr(smk.output, name), page)
    log(
        f"wrote the report pages of {dataset}: {', '.join(smk.output)} "
        f"(forecasts of {estimator}, {forecasts[report.CURVE_KEY].drop_duplicates().shape[0]} "
        "curves)"
    )


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
