"""Rules paper_figures and curve_figures: the paper's figures, and one figure per curve.

Rule ``paper_figures`` draws every paper figure (params.figures) in the formats of config
figures.formats.paper, in one process. A figure the dataset cannot support (e.g. no
ImageNet curves) is still written, as a small "not applicable: needs ..." note, and the note
is logged. Rule ``curve_figures`` fills one batch's directory with ``<name>.<ext>``
(``domain_task_model``) for every curve of the batch. Both label the fitted-curve axes by
config ``figures.axis_labels``.
"""

import time
from pathlib import Path
from typing import Any

from _rulekit import log, log_to_file, read_parquet, read_text_csv

from scalinglaws.paper.plots.layouts import draw_figures
from scalinglaws.plots.gallery import curve_figures
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


def curve_figures_rule(smk: Any) -> None:
    scores = read_parquet(smk.input.scores)
    predictions = read_parquet(smk.input.predictions)
    start = time.perf_counter()
    names = curve_figures(scores, predictions, smk.output.directory, int(smk.threads),
                          labels(smk), formats=list(smk.params.formats))  # fmt: skip
    log(f"{len(names)} curve figures in {time.perf_counter() - start:.1f} s")


def labels(smk: Any) -> tuple[str, str]:
    """The (x, y) axis labels of config figures.axis_labels for this dataset."""
    return axis_labels(dict(smk.params.axis_labels))


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    if snakemake.rule == "curve_figures":  # noqa: F821
        curve_figures_rule(snakemake)  # noqa: F821
    else:
        paper_figures_rule(snakemake)  # noqa: F821
