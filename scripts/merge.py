"""Rule merge: check every batch file against the rows it owes, then concatenate the
per-batch scores, predictions and forecasts of a dataset, sorted."""

from typing import Any

import pandas as pd
from _rulekit import (
    FORECAST_ORDER,
    PREDICTION_ORDER,
    SCORE_ORDER,
    fail,
    log,
    log_to_file,
    sorted_rows,
)

from scalinglaws.batches import BatchPlan, read_batch_files
from scalinglaws.errors import ScalingLawsError
from scalinglaws.io import write_csv_atomic


def merged(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    """The rows of all ``frames`` (cells kept as text, so nothing is reformatted), sorted."""
    return sorted_rows(pd.concat(frames, ignore_index=True), order)


def main(smk: Any) -> None:
    inputs = zip(
        smk.input.scores, smk.input.predictions, smk.input.forecasts, smk.params.plans, strict=True
    )
    batches = [read_batch_files(s, p, f, BatchPlan(**plan)) for s, p, f, plan in inputs]
    scores, predictions, forecasts = (
        merged([batch[i] for batch in batches], order)
        for i, order in enumerate((SCORE_ORDER, PREDICTION_ORDER, FORECAST_ORDER))
    )
    duplicated = scores.duplicated(SCORE_ORDER)
    if duplicated.any():
        first = scores[duplicated].iloc[0]
        raise ScalingLawsError(
            f"the score row of {' / '.join(first[SCORE_ORDER])} is in two batches: the batch "
            "files are from different runs; rebuild them with: snakemake --forcerun fit"
        )
    write_csv_atomic(scores, smk.output.scores)
    write_csv_atomic(predictions, smk.output.predictions)
    write_csv_atomic(forecasts, smk.output.forecasts)
    log(
        f"{len(batches)} batches: {len(scores)} scores, {len(predictions)} predictions, "
        f"{len(forecasts)} forecasts"
    )


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    try:
        main(snakemake)  # noqa: F821
    except ScalingLawsError as exc:
        fail(str(exc))
