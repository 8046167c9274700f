"""Rule batch_figures: one batch's figures, in one job (one Python start-up per batch).

1. Its comparisons: every same-task pair of models compared by their laws
   (scalinglaws.comparisons; the models of a task share a batch, so every pair is here): the
   comparison rows and per-pair flip checks (small CSV files), notes, and one figure per
   compared task. Rule comparisons (scripts/compare_merge.py) merges the batches' tables.
2. One fitted-curve figure per curve (Appendix A.3 format), ``domain_task_model.<ext>``.

Both label the fitted-curve axes by config ``figures.axis_labels``.
"""

import time
from pathlib import Path
from typing import Any

import pandas as pd
from _rulekit import log, log_to_file, read_parquet

from scalinglaws.comparisons import compare_all, fitted_curves, pair_checks
from scalinglaws.curves import read_curves
from scalinglaws.io import write_csv_atomic, write_text_atomic
from scalinglaws.plots.compare import comparison_figure, task_slug
from scalinglaws.plots.gallery import curve_figures
from scalinglaws.plots.theme import axis_labels


def compare(smk: Any, scores: pd.DataFrame, labels: tuple[str, str]) -> None:
    """The batch's comparison tables, notes and one figure per compared task."""
    start = time.process_time()
    estimator, scales = smk.params.estimator, [float(s) for s in smk.params.scales]
    fitted, notes = fitted_curves(read_curves([smk.input.curves]), scores, estimator,
                                  int(smk.params.replicates), int(smk.params.seed))  # fmt: skip
    table, tasks, more = compare_all(fitted, estimator, scales)
    notes += [note for note in more if not note.startswith("no (domain, task) has two")]
    write_csv_atomic(table, smk.output.comparisons)
    write_csv_atomic(pair_checks(table, fitted), smk.output.checks)
    write_text_atomic(smk.output.notes, "".join(f"{note}\n" for note in notes))
    figures = Path(smk.output.comparison_figures)
    figures.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        rows = table[(table["domain"] == task.domain) & (table["task"] == task.task)]
        stem = figures / task_slug(task.domain, task.task)
        comparison_figure(task, rows, stem, list(smk.params.comparison_formats), labels)
    for note in notes:
        log(f"note: {note}")
    log(f"{len(table)} comparison rows, {len(tasks)} comparison figures: "
        f"{time.process_time() - start:.1f} s CPU")  # fmt: skip


def draw_curves(smk: Any, scores: pd.DataFrame, labels: tuple[str, str]) -> None:
    """One figure per curve of the batch into its curve-figure directory."""
    start = time.process_time()
    predictions = read_parquet(smk.input.predictions)
    names = curve_figures(scores, predictions, smk.output.curve_figures, int(smk.threads),
                          labels, formats=list(smk.params.curve_formats))  # fmt: skip
    log(f"{len(names)} curve figures: {time.process_time() - start:.1f} s CPU")


def main(smk: Any) -> None:
    scores = read_parquet(smk.input.scores)
    labels = axis_labels(dict(smk.params.axis_labels))  # config figures.axis_labels
    compare(smk, scores, labels)
    draw_curves(smk, scores, labels)


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
