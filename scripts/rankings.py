"""Rule rankings: per-domain win fractions, mean RMSE and mean rank of the estimators, as
rankings.csv and as Markdown and LaTeX tables."""

from typing import Any

from _rulekit import log, log_to_file, read_text_csv, to_numbers

from scalinglaws.fitting import SCORE_COLUMNS
from scalinglaws.io import write_csv_atomic, write_text_atomic
from scalinglaws.rankings import rankings
from scalinglaws.tables import rankings_tables


def main(smk: Any) -> None:
    scores = to_numbers(read_text_csv(smk.input.scores, SCORE_COLUMNS), ["rmse"])
    table = rankings(scores, decimals=int(smk.params.decimals), credit=str(smk.params.credit))
    write_csv_atomic(table, smk.output.rankings)
    markdown, latex = rankings_tables(table)
    write_text_atomic(smk.output.markdown, markdown)
    write_text_atomic(smk.output.latex, latex)
    log(f"ranked {table['estimator'].nunique()} estimators in {table['domain'].nunique()} domains")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
