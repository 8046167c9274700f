"""Rule fit: fit every configured estimator to every curve of one batch, score and predict,
forecast the batch's curves, and refit them under each protocol of ``params.protocols`` (a
paper dataset's; none for another dataset) into ``<output.protocols>/<name>/``."""

from collections import Counter
from pathlib import Path
from typing import Any

from _rulekit import (
    FORECAST_ORDER,
    PREDICTION_ORDER,
    SCORE_ORDER,
    log,
    log_to_file,
    sorted_rows,
)

import scalinglaws as sl
from scalinglaws.bands import BandSettings
from scalinglaws.batches import typed
from scalinglaws.curves import Curve, read_curves
from scalinglaws.fitting import fit_curves
from scalinglaws.io import write_parquet_atomic


def batch_curves(smk: Any) -> list[Curve]:
    """The curves of this batch (its curves.csv), in the order of ``params.curves``."""
    wanted = list(smk.params.curves)
    by_slug = {curve.key.slug: curve for curve in read_curves([smk.input.curves])}
    missing = [slug for slug in wanted if slug not in by_slug]
    if missing:
        raise RuntimeError(
            f"{smk.input.curves} lacks curve(s) {', '.join(missing)} of this batch; "
            "were they edited while the workflow ran? Run it again."
        )
    return [by_slug[slug] for slug in wanted]


def forecast(smk: Any, curves: list[Curve], bands: BandSettings) -> None:
    """forecasts.parquet of the batch (config `forecast`), through the public API."""
    settings = smk.params.forecast
    forecasts = sl.forecast(
        curves,
        at=settings["scales"],
        x=settings["x"],
        estimator=settings["estimators"],
        level=settings["level"],
        points=settings["points"],
        options=smk.params.estimators,
        bands=bands,
    )
    write_batch(forecasts, FORECAST_ORDER, smk.output.forecasts)
    log(f"forecasts: {dict(sorted(Counter(forecasts['status']).items()))}")
    for row in forecasts[forecasts["status"] != "ok"].drop_duplicates(SCORE_ORDER).itertuples():
        log(f"forecast failed: {row.domain} / {row.task} / {row.model} / {row.estimator}: "
            f"{row.error}")  # fmt: skip


def write_batch(frame: Any, order: list[str], path: str) -> None:
    """One batch file: rows sorted by ``order``, columns typed (scalinglaws.batches.typed)."""
    write_parquet_atomic(typed(sorted_rows(frame, order)), path)


def fit_and_write(
    curves: list[Curve], estimators: dict, bands: BandSettings, scores_path: Any,
    predictions_path: Any, label: str = "",
) -> None:  # fmt: skip
    """Fit ``estimators`` to ``curves``, write the scores and predictions, log the outcome."""
    log(f"{label}{len(curves)} curves x {len(estimators)} estimators: {', '.join(estimators)}")
    scores, predictions = fit_curves(curves, estimators, bands)
    write_batch(scores, SCORE_ORDER, scores_path)
    write_batch(predictions, PREDICTION_ORDER, predictions_path)
    log(f"{label}status counts: {dict(sorted(Counter(scores['status']).items()))}")
    for row in scores[scores["status"] == "failed"].itertuples():
        log(f"{label}failed: {row.domain} / {row.task} / {row.model} / {row.estimator}: "
            f"{row.error}")  # fmt: skip
    log(f"{label}fit CPU seconds: {scores['fit_seconds'].sum():.3f}")


def main(smk: Any) -> None:
    curves = batch_curves(smk)
    bands = BandSettings.from_config(smk.params.uncertainty)
    out = smk.output
    fit_and_write(curves, smk.params.estimators, bands, out.scores, out.predictions)
    forecast(smk, curves, bands)
    Path(out.protocols).mkdir(parents=True, exist_ok=True)  # stays empty without protocols
    for name, estimators in dict(smk.params.protocols).items():
        folder = Path(out.protocols) / name  # the writes below create it (atomic_path)
        fit_and_write(curves, estimators, bands, folder / "scores.parquet",
                      folder / "predictions.parquet", label=f"protocol {name}: ")  # fmt: skip


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
