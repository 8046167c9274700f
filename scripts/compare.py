"""Rule comparisons: every same-task pair of models compared by their laws (scalinglaws.compare).

Writes comparisons.csv, the flip table (Markdown + CSV) and one figure per compared task. A
dataset with no task holding two fitted models gets empty tables with a note, and no figures.
"""

import time
from pathlib import Path
from typing import Any

from _rulekit import log, log_to_file, read_text_csv

from scalinglaws.compare import compare_all, fitted_curves, flip_table
from scalinglaws.curves import read_curves
from scalinglaws.io import write_csv_atomic, write_text_atomic
from scalinglaws.plots.compare import comparison_figure, task_slug
from scalinglaws.tables import to_markdown


def main(smk: Any) -> None:
    start = time.process_time()
    curves = read_curves([smk.input.curves])
    scores = read_text_csv(smk.input.scores)
    estimator, scales = smk.params.estimator, [float(s) for s in smk.params.scales]
    fitted, notes = fitted_curves(
        curves, scores, estimator, int(smk.params.replicates), int(smk.params.seed)
    )
    dropped = sum(f.dropped for f in fitted)
    log(f"{estimator}: {dropped} of {int(smk.params.replicates) * len(fitted)} bootstrap "
        "replicates left out (not a valid fit of the law)")  # fmt: skip
    table, tasks, more = compare_all(fitted, estimator, scales)
    notes += more
    flips = flip_table(table, fitted)
    write_csv_atomic(table, smk.output.comparisons)
    write_csv_atomic(flips, smk.output.flips_csv)
    write_text_atomic(smk.output.flips_md, flips_markdown(flips, notes))
    figures = Path(smk.output.figures)
    figures.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        rows = table[(table["domain"] == task.domain) & (table["task"] == task.task)]
        comparison_figure(task, rows, figures / task_slug(task.domain, task.task))
    for note in notes:
        log(f"note: {note}")
    log(f"{len(table)} comparison rows, {len(tasks)} figures: "
        f"{time.process_time() - start:.1f} s CPU")  # fmt: skip


def flips_markdown(flips: Any, notes: list[str]) -> str:
    """The flip table as Markdown, with its definition and the notes below it."""
    text = (
        "How often a comparison at the smallest shared fit scale picks the wrong winner at the "
        "largest held-out scale (small_scale_wrong), and how often the fitted laws do (law_wrong); "
        "over the pairs with observed losses at both scales (checked).\n\n"
    )
    text += to_markdown(flips) if len(flips) else "No comparisons.\n"
    if notes:
        text += "\nNotes:\n\n" + "".join(f"- {note}\n" for note in notes)
    return text


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
