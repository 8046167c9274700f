"""Rule paper_figures: the paper's figures (the per-curve figures: scripts/batch_figures.py).

Draws every paper figure (params.figures) in the formats of config figures.formats.paper, in
one process. A figure the dataset cannot support (e.g. no ImageNet curves) is still written,
as a small "not applicable: needs ..." note, and the note is logged. The fitted-curve axes
are labelled by config ``figures.axis_labels``.
"""

import time
from pathlib import Path
from typing import Any

from _rulekit import log, log_to_file, read_parquet, read_text_csv

from scalinglaws.paper.plots.layouts import draw_figures
from scalinglaws.plots.theme import axis_labels


def paper_figures_rule(smk: Any) -> None:
    data = {
        "scores": read_text_csv(smk.input.scores),
        "predictions": read_parquet(smk.input.predictions),
        "rankings": read_text_csv(smk.input.rankings),
    }
    start = time.perf_counter()
    directory = Path(smk.output[0]).parent
    notes = draw_figures(list(smk.params.figures), data, directory, labels(smk),
                         formats=list(smk.params.formats))  # fmt: skip
    for name, note in notes.items():
        log(f"{name}: not applicable: {note}" if note else f"{name}: drawn")
    log(f"{len(notes)} figures in {time.perf_counter() - start:.1f} s")


def labels(smk: Any) -> tuple[str, str]:
    """The (x, y) axis labels of config figures.axis_labels for this dataset."""
    return axis_labels(dict(smk.params.axis_labels))


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    paper_figures_rule(snakemake)  # noqa: F821
