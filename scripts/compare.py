"""Rule compare: every same-task pair of models of one batch compared by their laws
(scalinglaws.comparisons). The models of a task share a batch, so every pair is here.

Writes the batch's comparison rows and per-pair flip checks (small CSV files), its notes, and one
figure per compared task; rule comparisons (scripts/compare_merge.py) merges the batches.
"""

import time
from pathlib import Path
from typing import Any

from _rulekit import log, log_to_file, read_parquet

from scalinglaws.comparisons import compare_all, fitted_curves, pair_checks
from scalinglaws.curves import read_curves
from scalinglaws.io import write_csv_atomic, write_text_atomic
from scalinglaws.plots.compare import comparison_figure, task_slug
from scalinglaws.plots.theme import axis_labels


def batch_curves(smk: Any) -> list:
    """The curves of this batch (its curves.csv)."""
    return read_curves([smk.input.curves])


def main(smk: Any) -> None:
    start = time.process_time()
    scores = read_parquet(smk.input.scores)
    estimator, scales = smk.params.estimator, [float(s) for s in smk.params.scales]
    fitted, notes = fitted_curves(
        batch_curves(smk), scores, estimator, int(smk.params.replicates), int(smk.params.seed)
    )
    table, tasks, more = compare_all(fitted, estimator, scales)
    notes += [note for note in more if not note.startswith("no (domain, task) has two")]
    write_csv_atomic(table, smk.output.comparisons)
    write_csv_atomic(pair_checks(table, fitted), smk.output.checks)
    write_text_atomic(smk.output.notes, "".join(f"{note}\n" for note in notes))
    labels = axis_labels(dict(smk.params.axis_labels))  # config figures.axis_labels
    figures = Path(smk.output.figures)
    figures.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        rows = table[(table["domain"] == task.domain) & (table["task"] == task.task)]
        stem = figures / task_slug(task.domain, task.task)
        comparison_figure(task, rows, stem, list(smk.params.formats), labels)
    for note in notes:
        log(f"note: {note}")
    log(f"{len(table)} comparison rows, {len(tasks)} figures: "
        f"{time.process_time() - start:.1f} s CPU")  # fmt: skip


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
