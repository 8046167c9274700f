"""Rule predictions_csv: predictions.parquet as a sorted CSV (for datasets small enough)."""

from typing import Any

from _rulekit import PREDICTION_ORDER, log, log_to_file, read_parquet, sorted_rows

from scalinglaws.io import write_csv_atomic


def main(smk: Any) -> None:
    predictions = sorted_rows(read_parquet(smk.input.predictions), PREDICTION_ORDER)
    write_csv_atomic(predictions, smk.output.predictions)
    log(f"{len(predictions)} prediction rows")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
