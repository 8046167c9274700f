"""Rule calibration: coverage of the predictive bands and log-likelihood, per domain x estimator.

The predictions are read a part at a time (only the columns scored); each part is reduced to
additive sums (scalinglaws.calibration.calibration_sums), so memory does not grow with the
dataset.
"""

from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from _rulekit import log, log_to_file

from scalinglaws.calibration import GROUP, calibration_from_sums, calibration_sums
from scalinglaws.io import write_csv_atomic

COLUMNS = [*GROUP, "region", "y_true", "y_pred", "log_scale", "log_df"]
PART_ROWS = 500_000


def main(smk: Any) -> None:
    parts = pq.ParquetFile(smk.input.predictions).iter_batches(PART_ROWS, columns=COLUMNS)
    sums = [calibration_sums(part.to_pandas()) for part in parts]
    table = calibration_from_sums(pd.concat(sums, ignore_index=True))
    write_csv_atomic(table, smk.output.calibration)
    log(f"calibration of {int(table['n'].sum())} extrapolation points:\n{table.to_string()}")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
