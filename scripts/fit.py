"""Rule fit: fit every configured estimator to every curve of one batch, score, predict."""

from collections import Counter
from typing import Any

from _rulekit import PREDICTION_ORDER, SCORE_ORDER, log, log_to_file, sorted_rows

from scalinglaws.bands import BandSettings
from scalinglaws.curves import read_curves
from scalinglaws.fitting import fit_curves
from scalinglaws.io import write_csv_atomic


def main(smk: Any) -> None:
    wanted = list(smk.params.curves)
    by_slug = {curve.key.slug: curve for curve in read_curves(list(smk.input.tables))}
    missing = [slug for slug in wanted if slug not in by_slug]
    if missing:
        raise RuntimeError(
            f"{', '.join(smk.input.tables)} lack curve(s) {', '.join(missing)} of this batch; "
            "were they edited while the workflow ran? Run it again."
        )
    curves = [by_slug[slug] for slug in wanted]
    estimators = smk.params.estimators
    log(f"{len(curves)} curves x {len(estimators)} estimators: {', '.join(estimators)}")
    scores, predictions = fit_curves(
        curves, estimators, BandSettings.from_config(smk.params.uncertainty)
    )
    write_csv_atomic(sorted_rows(scores, SCORE_ORDER), smk.output.scores)
    write_csv_atomic(sorted_rows(predictions, PREDICTION_ORDER), smk.output.predictions)
    log(f"status counts: {dict(sorted(Counter(scores['status']).items()))}")
    for row in scores[scores["status"] == "failed"].itertuples():
        log(f"failed: {row.domain} / {row.task} / {row.model} / {row.estimator}: {row.error}")
    log(f"fit CPU seconds: {scores['fit_seconds'].sum():.3f}")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
