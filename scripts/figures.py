"""Rules figure and curve_figures: the paper's figures, and one fitted-curve figure per curve.

Rule ``figure`` draws one named figure (wildcard ``figure``) as PNG + PDF. A figure the
dataset cannot support (e.g. no ImageNet curves) is still written, as a small "not
applicable: needs ..." note, and the note is logged. Rule ``curve_figures`` fills a
directory with ``<name>.png`` and ``<name>.pdf`` (``domain_task_model``) for every curve of
the dataset. Both label the fitted-curve axes by config ``figures.axis_labels``.
"""

import time
from pathlib import Path
from typing import Any

from _rulekit import log, log_to_file, read_text_csv

from scalinglaws.paper.plots.layouts import draw
from scalinglaws.plots.gallery import curve_figures
from scalinglaws.plots.theme import axis_labels


def figure_rule(smk: Any) -> None:
    name = smk.wildcards.figure
    data = {key: read_text_csv(smk.input[key]) for key in ("scores", "predictions", "rankings")}
    start = time.perf_counter()
    note = draw(name, data, Path(smk.output.png).with_suffix(""), labels(smk))
    if note:
        log(f"{name}: not applicable: {note}")
    else:
        log(f"{name}: drawn in {time.perf_counter() - start:.1f} s")


def curve_figures_rule(smk: Any) -> None:
    scores = read_text_csv(smk.input.scores)
    predictions = read_text_csv(smk.input.predictions)
    start = time.perf_counter()
    names = curve_figures(
        scores, predictions, smk.output.directory, int(smk.threads), labels(smk)
    )
    log(f"{len(names)} curve figures in {time.perf_counter() - start:.1f} s")


def labels(smk: Any) -> tuple[str, str]:
    """The (x, y) axis labels of config figures.axis_labels for this dataset."""
    return axis_labels(dict(smk.params.axis_labels))


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    if snakemake.rule == "curve_figures":  # noqa: F821
        curve_figures_rule(snakemake)  # noqa: F821
    else:
        figure_rule(snakemake)  # noqa: F821
