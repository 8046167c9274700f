"""One fitted-curve figure per curve (the Appendix A.3 format), drawn in parallel.

The paper's own figures by name are in :mod:`scalinglaws.paper.plots.layouts`.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from scalinglaws.curves import file_names
from scalinglaws.plots import curves
from scalinglaws.plots.theme import X_LABEL, Y_LABEL, save

_SHARED: dict = {}


def _curve_job(args: tuple[tuple[str, str, str], str, str]) -> str:
    (domain, task, model), directory, name = args
    key = curves.CurveKey(domain, task, model)
    scores = _SHARED["scores"]
    predictions = _SHARED["predictions"].get((domain, task, model), _SHARED["empty"])
    fig = curves.curve_figure(scores, predictions, key, _SHARED["axis_labels"])
    save(fig, Path(directory) / name)
    return name


def curve_figures(
    scores: pd.DataFrame,
    predictions: pd.DataFrame,
    directory: str | Path,
    workers: int = 1,
    axis_labels: tuple[str, str] = (X_LABEL, Y_LABEL),
) -> list[str]:
    """One figure per curve of ``scores`` into ``directory``, named by
    :func:`~scalinglaws.curves.file_names` (``domain_task_model``); returns the names, sorted."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    by_curve = dict(tuple(predictions.groupby(["domain", "task", "model"], sort=False)))
    _SHARED.update(scores=scores, predictions=by_curve, empty=predictions.iloc[0:0])
    _SHARED["axis_labels"] = tuple(axis_labels)
    names = file_names(curves.curve_keys(scores))
    jobs = [((k.domain, k.task, k.model), str(directory), name) for k, name in names.items()]
    if workers > 1 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")  # the workers inherit _SHARED
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            written = list(pool.map(_curve_job, jobs, chunksize=4))
    else:
        written = [_curve_job(job) for job in jobs]
    return sorted(written)
