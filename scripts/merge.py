"""Rule merge: concatenate the per-batch scores, predictions and forecasts of a dataset, sorted."""

from typing import Any

import pandas as pd
from _rulekit import (
    FORECAST_ORDER,
    PREDICTION_ORDER,
    SCORE_ORDER,
    log,
    log_to_file,
    read_text_csv,
    sorted_rows,
)

from scalinglaws.fitting import PREDICTION_COLUMNS, SCORE_COLUMNS
from scalinglaws.forecasting import FORECAST_COLUMNS
from scalinglaws.io import write_csv_atomic


def merged(paths: list[str], columns: list[str], order: list[str]) -> pd.DataFrame:
    """The rows of all ``paths`` (cells kept as text, so nothing is reformatted), sorted."""
    frames = [read_text_csv(path, columns) for path in paths]
    return sorted_rows(pd.concat(frames, ignore_index=True), order)


def main(smk: Any) -> None:
    scores = merged(list(smk.input.scores), SCORE_COLUMNS, SCORE_ORDER)
    duplicated = scores.duplicated(SCORE_ORDER)
    if duplicated.any():
        raise ValueError(f"duplicate score rows across batches:\n{scores[duplicated]}")
    predictions = merged(list(smk.input.predictions), PREDICTION_COLUMNS, PREDICTION_ORDER)
    forecasts = merged(list(smk.input.forecasts), FORECAST_COLUMNS, FORECAST_ORDER)
    write_csv_atomic(scores, smk.output.scores)
    write_csv_atomic(predictions, smk.output.predictions)
    write_csv_atomic(forecasts, smk.output.forecasts)
    log(
        f"{len(smk.input.scores)} batches: {len(scores)} scores, {len(predictions)} predictions, "
        f"{len(forecasts)} forecasts"
    )


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
