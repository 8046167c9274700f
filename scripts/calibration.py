"""Rule calibration: coverage of the predictive bands and log-likelihood, per domain x estimator."""

from typing import Any

import pandas as pd
from _rulekit import log, log_to_file

from scalinglaws.calibration import calibration_table
from scalinglaws.io import write_csv_atomic


def main(smk: Any) -> None:
    predictions = pd.read_csv(smk.input.predictions, keep_default_na=False, na_values=[""])
    table = calibration_table(predictions)
    write_csv_atomic(table, smk.output.calibration)
    log(f"calibration of {int(table['n'].sum())} extrapolation points:\n{table.to_string()}")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
