"""The paper's figure layouts, by name (Alabdulmohsin et al. 2022).

:data:`FIGURES` maps each figure of the paper that the workflow draws to a function of the
run's tables (scores, predictions, rankings, curves); :func:`draw` saves one, or a "not
applicable" note when the dataset lacks the paper's curves, and :func:`draw_figures` saves
several in one process. The tables may be read as text (every cell a string) or typed
(numbers as numbers, empty cells NaN): the figures are the same. Figures 1 (top), 5 and 8 are
fitted-curve panels (:func:`scalinglaws.plots.curves.curve_panels`) of the paper's curves:
Figure 1 (top) with every estimator (the paper's M1–M4 in its first row), Figures 5 and 8 with
the paper's M1–M4, one row per curve as in the paper (every estimator of every curve is in the
per-curve figures, ``figures/curves/``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from scalinglaws.curves import CurveKey
from scalinglaws.paper.plots import bars, exponents, fixed_exponent
from scalinglaws.plots.curves import LM_DOMAIN, curve_keys, curve_panels, model_size
from scalinglaws.plots.theme import (
    DEFAULT_FORMATS,
    X_LABEL,
    Y_LABEL,
    NotApplicable,
    check_formats,
    not_applicable,
    save,
)

FIG1_TOP = [CurveKey("IC", "inet_10", "BiT/101/3")]
PAPER_ESTIMATORS = ["M1", "M2", "M3", "M4"]
LABELS = (X_LABEL, Y_LABEL)
FIG5 = [CurveKey("IC", "inet_10", "ViT/B/16"), CurveKey("IC", "inet_10", "MiX/L/16")]


def _select(scores: pd.DataFrame, wanted: Sequence[CurveKey]) -> list[CurveKey]:
    present = set(curve_keys(scores))
    return [k for k in wanted if k in present]


def fig1_top(
    scores: pd.DataFrame, predictions: pd.DataFrame, axis_labels: tuple[str, str] = LABELS
) -> Figure:
    """Figure 1 (top): IC inet_10 BiT/101/3, one panel per estimator."""
    keys = _select(scores, FIG1_TOP)
    if not keys:
        raise NotApplicable("the curve IC / inet_10 / BiT/101/3")
    return curve_panels(
        scores, predictions, keys, row_labels=[""], title=keys[0].title, axis_labels=axis_labels
    )


def fig5(
    scores: pd.DataFrame, predictions: pd.DataFrame, axis_labels: tuple[str, str] = LABELS
) -> Figure:
    """Figure 5: ViT/B/16 and MiX/L/16 on IC inet_10 (those present), M1–M4."""
    keys = _select(scores, FIG5)
    if not keys:
        raise NotApplicable("the curves IC / inet_10 / ViT/B/16 or MiX/L/16")
    return curve_panels(
        scores, predictions, keys, estimators=_paper(scores), axis_labels=axis_labels
    )


def lm_keys(scores: pd.DataFrame) -> list[CurveKey]:
    """The LM curves, by task, then model size (sizes first, other names after)."""
    keys = [k for k in curve_keys(scores) if k.domain == LM_DOMAIN]

    def order(key: CurveKey) -> tuple:
        size = model_size(key.model)
        return (key.task, size is None, size or 0.0, key.model)

    return sorted(keys, key=order)


def fig8(
    scores: pd.DataFrame, predictions: pd.DataFrame, axis_labels: tuple[str, str] = LABELS
) -> Figure:
    """Figure 8: every language-modelling curve (rows, by model size) × M1–M4."""
    keys = lm_keys(scores)
    if not keys:
        raise NotApplicable("curves of domain LM")
    return curve_panels(
        scores, predictions, keys, estimators=_paper(scores), axis_labels=axis_labels
    )


def _paper(scores: pd.DataFrame) -> list[str] | None:
    """The paper's M1–M4 if the scores have any of them, else None (every estimator)."""
    present = set(scores["estimator"].astype(str))
    return PAPER_ESTIMATORS if present & set(PAPER_ESTIMATORS) else None


FIGURES = {
    "fig1_top": lambda d, labels: fig1_top(d["scores"], d["predictions"], labels),
    "fig1_bottom": lambda d, labels: bars.fig1_bottom(d["rankings"], d.get("scores")),
    "fig5": lambda d, labels: fig5(d["scores"], d["predictions"], labels),
    "fig6": lambda d, labels: exponents.fig6(d["scores"]),
    "fig7": lambda d, labels: exponents.fig7(d["scores"], d["predictions"]),
    "fig8": lambda d, labels: fig8(d["scores"], d["predictions"], labels),
    "fig9": lambda d, labels: exponents.fig9(d["scores"]),
    # Drawn by rule fixed_exponent from the dataset's curves (workflow/rules/fixed_exponent.smk).
    "fig3_fixed_exponent": lambda d, labels: fixed_exponent.fig3(d["curves"], d.get("sweep")),
}


def build(
    name: str, data: Mapping[str, pd.DataFrame], axis_labels: tuple[str, str] = LABELS
) -> Figure:
    """Figure ``name`` of :data:`FIGURES`; raises :class:`NotApplicable` if the data lack
    what it shows."""
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r} (known: {', '.join(FIGURES)})")
    return FIGURES[name](data, tuple(axis_labels))


def draw(
    name: str,
    data: Mapping[str, pd.DataFrame],
    stem: str | Path,
    axis_labels: tuple[str, str] = LABELS,
    formats: Iterable[str] = DEFAULT_FORMATS,
) -> str | None:
    """Draw and save figure ``name`` as ``stem``.<format> for each of ``formats`` (of
    ``"png"``, ``"pdf"``, ``"svg"``; default PNG and PDF); returns the not-applicable note,
    if it is one (then the files hold that note).

    ``axis_labels`` (x, y) label the fitted-curve panels (Figures 1 top, 5 and 8).
    """
    formats = check_formats(formats)
    try:
        fig = build(name, data, axis_labels)
    except NotApplicable as exc:
        note = f"needs {exc}"
        save(not_applicable(note, title=name), stem, formats)
        return note
    save(fig, stem, formats)
    return None


def draw_figures(
    names: Iterable[str],
    data: Mapping[str, pd.DataFrame],
    directory: str | Path,
    labels: tuple[str, str] = LABELS,
    formats: Iterable[str] = DEFAULT_FORMATS,
) -> dict[str, str | None]:
    """Draw each figure of ``names`` into ``directory``/<name>.<format> (as :func:`draw`, the
    same files), all in this process, from the same tables: one import of the library, one
    setting of the theme and one load of the fonts for all of them. Returns each figure's
    not-applicable note (None for a figure drawn), in the order of ``names``."""
    names, formats = list(names), check_formats(formats)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figures {unknown} (known: {', '.join(FIGURES)})")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return {name: draw(name, data, directory / name, labels, formats) for name in names}
