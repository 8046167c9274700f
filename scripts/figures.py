"""Rules figure and curve_figures: the paper's figures, and one fitted-curve figure per curve.

Rule ``figure`` draws one named figure (wildcard ``figure``) as PNG + PDF. A figure the
dataset cannot support (e.g. no ImageNet curves) is still written, as a small "not
applicable: needs ..." note, and the note is logged. Rule ``curve_figures`` fills a
directory with ``<slug>.png`` and ``<slug>.pdf`` for every curve of the dataset.
"""

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
from _rulekit import log, log_to_file, read_text_csv

from scalinglaws.plots import bars, curves, exponents
from scalinglaws.plots.theme import NotApplicable, not_applicable, save

FIGURES = {
    "fig1_top": lambda d: curves.fig1_top(d["scores"], d["predictions"]),
    "fig1_bottom": lambda d: bars.fig1_bottom(d["rankings"]),
    "fig5": lambda d: curves.fig5(d["scores"], d["predictions"]),
    "fig6": lambda d: exponents.fig6(d["scores"]),
    "fig7": lambda d: exponents.fig7(d["scores"], d["predictions"]),
    "fig8": lambda d: curves.fig8(d["scores"], d["predictions"]),
    "fig9": lambda d: exponents.fig9(d["scores"]),
}


def draw(name: str, data: dict[str, pd.DataFrame], stem: str | Path) -> str | None:
    """Draw and save figure ``name``; returns the not-applicable note, if it is one."""
    try:
        fig = FIGURES[name](data)
    except NotApplicable as exc:
        note = f"needs {exc}"
        save(not_applicable(note, title=name), stem)
        return note
    save(fig, stem)
    return None


def figure_rule(smk: Any) -> None:
    name = smk.wildcards.figure
    data = {key: read_text_csv(smk.input[key]) for key in ("scores", "predictions", "rankings")}
    start = time.perf_counter()
    note = draw(name, data, Path(smk.output.png).with_suffix(""))
    if note:
        log(f"{name}: not applicable: {note}")
    else:
        log(f"{name}: drawn in {time.perf_counter() - start:.1f} s")


_SHARED: dict[str, pd.DataFrame] = {}


def _curve_job(args: tuple[tuple[str, str, str], str]) -> str:
    (domain, task, model), directory = args
    key = curves.CurveKey(domain, task, model)
    scores = _SHARED["scores"]
    predictions = _SHARED["predictions"].get((domain, task, model), _SHARED["empty"])
    fig = curves.curve_figure(scores, predictions, key)
    save(fig, Path(directory) / key.slug)
    return key.slug


def curve_figures(
    scores: pd.DataFrame, predictions: pd.DataFrame, directory: str | Path, workers: int = 1
) -> list[str]:
    """One figure per curve of ``scores`` into ``directory``; returns the slugs, sorted."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    by_curve = dict(tuple(predictions.groupby(["domain", "task", "model"], sort=False)))
    _SHARED.update(scores=scores, predictions=by_curve, empty=predictions.iloc[0:0])
    jobs = [((k.domain, k.task, k.model), str(directory)) for k in curves.curve_keys(scores)]
    if workers > 1 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")  # the workers inherit _SHARED
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            slugs = list(pool.map(_curve_job, jobs, chunksize=4))
    else:
        slugs = [_curve_job(job) for job in jobs]
    return sorted(slugs)


def curve_figures_rule(smk: Any) -> None:
    scores = read_text_csv(smk.input.scores)
    predictions = read_text_csv(smk.input.predictions)
    start = time.perf_counter()
    slugs = curve_figures(scores, predictions, smk.output.directory, int(smk.threads))
    log(f"{len(slugs)} curve figures in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    if snakemake.rule == "curve_figures":  # noqa: F821
        curve_figures_rule(snakemake)  # noqa: F821
    else:
        figure_rule(snakemake)  # noqa: F821
