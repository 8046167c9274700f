"""One fitted-curve figure per curve (the Appendix A.3 format), drawn in parallel.

The paper's own figures by name are in :mod:`scalinglaws.paper.plots.layouts`.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from scalinglaws.curves import CurveKey, file_names
from scalinglaws.plots.curves import CurveFigures
from scalinglaws.plots.theme import DEFAULT_FORMATS, X_LABEL, Y_LABEL, check_formats, save

_SHARED: dict = {}


def _curve_job(args: tuple[tuple[str, str, str], str, str]) -> str:
    (domain, task, model), directory, name = args
    drawer: CurveFigures = _SHARED["drawer"]
    save(drawer.figure(CurveKey(domain, task, model)), Path(directory) / name, _SHARED["formats"])
    return name


def curve_figures(
    scores: pd.DataFrame,
    predictions: pd.DataFrame,
    directory: str | Path,
    workers: int = 1,
    axis_labels: tuple[str, str] = (X_LABEL, Y_LABEL),
    formats: Iterable[str] = DEFAULT_FORMATS,
) -> list[str]:
    """One figure per curve of ``scores`` into ``directory``, named by
    :func:`~scalinglaws.curves.file_names` (``domain_task_model``) with one file per format
    of ``formats`` (of ``"png"``, ``"pdf"``, ``"svg"``; default PNG and PDF), drawn by
    ``workers`` processes; returns the names, sorted.

    ``scores`` and ``predictions`` may be read as text or typed (see
    :mod:`scalinglaws.plots.curves`); every figure has a panel per estimator of ``scores``.
    """
    formats = check_formats(formats)
    Path(directory).mkdir(parents=True, exist_ok=True)
    drawer = CurveFigures(scores, predictions, tuple(axis_labels))
    _SHARED.update(drawer=drawer, formats=formats)
    names = file_names(drawer.keys())
    jobs = [((k.domain, k.task, k.model), str(directory), name) for k, name in names.items()]
    if workers > 1 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")  # the workers inherit _SHARED
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            written = list(pool.map(_curve_job, jobs, chunksize=4))
    else:
        written = [_curve_job(job) for job in jobs]
    return sorted(written)
