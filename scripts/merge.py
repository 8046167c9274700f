"""Rules merge and merge_protocol: check every batch file against the rows it owes, then
merge the per-batch scores (and forecasts) of a dataset into sorted CSV files and stream the
predictions into one Parquet file, one batch in memory at a time. merge_protocol reads one
protocol's files from each batch's protocols/<name>/ folder; it has no forecasts."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from _rulekit import FORECAST_ORDER, SCORE_ORDER, fail, log, log_to_file, sorted_rows

from scalinglaws.batches import BatchPlan, read_forecasts, read_predictions, read_scores
from scalinglaws.errors import ScalingLawsError
from scalinglaws.io import write_csv_atomic, write_parquet_parts


def batch_files(smk: Any) -> tuple[list, list, list]:
    """Per batch, its (scores, predictions, forecasts or None) files."""
    if hasattr(smk.input, "protocols"):  # merge_protocol: protocols/<name>/ of every batch
        folders = [Path(folder) / smk.wildcards.protocol for folder in smk.input.protocols]
        return (
            [folder / "scores.parquet" for folder in folders],
            [folder / "predictions.parquet" for folder in folders],
            [None] * len(folders),
        )
    return list(smk.input.scores), list(smk.input.predictions), list(smk.input.forecasts)


def checked_batches(smk: Any) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]]:
    """Per batch, its checked (scores, predictions, forecasts or None), one at a time."""
    inputs = zip(*batch_files(smk), smk.params.plans, strict=True)
    for scores_path, predictions_path, forecasts_path, plan in inputs:
        plan = BatchPlan(**plan)
        scores = read_scores(scores_path, plan)
        predictions = read_predictions(predictions_path, scores)
        forecasts = None if forecasts_path is None else read_forecasts(forecasts_path, plan)
        yield scores, predictions, forecasts


def main(smk: Any) -> None:
    scores, forecasts = [], []

    def predictions() -> Iterator[pd.DataFrame]:
        for batch_scores, batch_predictions, batch_forecasts in checked_batches(smk):
            scores.append(batch_scores)
            forecasts.append(batch_forecasts)
            yield batch_predictions.reset_index(drop=True)

    n_predictions = write_parquet_parts(predictions(), smk.output.predictions)
    scores = sorted_rows(pd.concat(scores, ignore_index=True), SCORE_ORDER)
    duplicated = scores.duplicated(SCORE_ORDER)
    if duplicated.any():
        first = scores[duplicated].iloc[0]
        raise ScalingLawsError(
            f"the score row of {' / '.join(first[SCORE_ORDER])} is in two batches: the batch "
            "files are from different runs; rebuild them with: snakemake --forcerun fit"
        )
    write_csv_atomic(scores, smk.output.scores)
    log(f"{len(smk.params.plans)} batches: {len(scores)} scores, {n_predictions} predictions")
    if hasattr(smk.output, "forecasts"):
        forecasts = sorted_rows(pd.concat(forecasts, ignore_index=True), FORECAST_ORDER)
        write_csv_atomic(forecasts, smk.output.forecasts)
        log(f"{len(forecasts)} forecasts")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    try:
        main(snakemake)  # noqa: F821
    except ScalingLawsError as exc:
        fail(str(exc))
