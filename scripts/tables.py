"""Rule tables: the rankings as Markdown and LaTeX tables."""

from typing import Any

from _rulekit import log, log_to_file, read_text_csv, to_numbers

from scalinglaws.io import write_text_atomic
from scalinglaws.rankings import RANKING_COLUMNS
from scalinglaws.tables import rankings_tables

NUMERIC = list(RANKING_COLUMNS[2:])  # after domain, estimator


def main(smk: Any) -> None:
    table = to_numbers(read_text_csv(smk.input.rankings), NUMERIC)
    markdown, latex = rankings_tables(table)
    write_text_atomic(smk.output.markdown, markdown)
    write_text_atomic(smk.output.latex, latex)
    log(f"wrote {smk.output.markdown} and {smk.output.latex} ({len(table)} rows)")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
