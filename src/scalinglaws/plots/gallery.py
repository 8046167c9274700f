"""The workflow's figures by name, and one fitted-curve figure per curve.

:data:`FIGURES` maps each figure of Alabdulmohsin et al. (2022) that the workflow draws to a
function of the run's tables (scores, predictions, rankings); :func:`draw` saves one, or a
"not applicable" note when the dataset cannot support it; :func:`curve_figures` writes the
Appendix A.3 format for every curve.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from scalinglaws.plots import bars, curves, exponents, fixed_exponent
from scalinglaws.plots.theme import NotApplicable, not_applicable, save

FIGURES = {
    "fig1_top": lambda d: curves.fig1_top(d["scores"], d["predictions"]),
    "fig1_bottom": lambda d: bars.fig1_bottom(d["rankings"]),
    "fig5": lambda d: curves.fig5(d["scores"], d["predictions"]),
    "fig6": lambda d: exponents.fig6(d["scores"]),
    "fig7": lambda d: exponents.fig7(d["scores"], d["predictions"]),
    "fig8": lambda d: curves.fig8(d["scores"], d["predictions"]),
    "fig9": lambda d: exponents.fig9(d["scores"]),
    # Drawn by rule fixed_exponent from the dataset's curves (workflow/rules/fixed_exponent.smk).
    "fig3_fixed_exponent": lambda d: fixed_exponent.fig3(d["curves"], d.get("sweep")),
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
