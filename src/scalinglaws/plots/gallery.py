"""One fitted-curve figure per curve (the Appendix A.3 format), drawn in parallel.

The paper's own figures by name are in :mod:`scalinglaws.paper.plots.layouts`.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from scalinglaws.plots import curves
from scalinglaws.plots.theme import save

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
