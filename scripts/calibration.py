"""Rule calibration: coverage of the predictive bands and log-likelihood, per domain x estimator."""

from typing import Any

from _rulekit import log, log_to_file, read_parquet

from scalinglaws.calibration import GROUP, calibration_table
from scalinglaws.io import write_csv_atomic


def main(smk: Any) -> None:
    # Only the extrapolation rows are scored: read those and the columns scoring them.
    predictions = read_parquet(
        smk.input.predictions,
        columns=[*GROUP, "region", "y_true", "y_pred", "log_scale", "log_df"],
        filters=[("region", "==", "extrapolation")],
    )
    table = calibration_table(predictions)
    write_csv_atomic(table, smk.output.calibration)
    log(f"calibration of {int(table['n'].sum())} extrapolation points:\n{table.to_string()}")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
