"""Rule calibration: coverage of the predictive bands and log-likelihood, per domain x estimator."""

from typing import Any

from _rulekit import log, log_to_file, read_parquet

from scalinglaws.calibration import calibration_table
from scalinglaws.fitting import PREDICTION_COLUMNS
from scalinglaws.io import write_csv_atomic


def main(smk: Any) -> None:
    # Only the extrapolation rows are scored: read those, not every prediction.
    predictions = read_parquet(
        smk.input.predictions, PREDICTION_COLUMNS, [("region", "==", "extrapolation")]
    )
    table = calibration_table(predictions)
    write_csv_atomic(table, smk.output.calibration)
    log(f"calibration of {int(table['n'].sum())} extrapolation points:\n{table.to_string()}")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
