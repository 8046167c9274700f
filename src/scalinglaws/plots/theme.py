"""One plotting theme for every figure, and deterministic, atomic saving.

The Agg backend is selected before pyplot is imported, so figures render the same headless
and on a desktop. :func:`save` writes a PNG (dpi 150) and a PDF whose metadata carry no
timestamps, so saving the same figure twice gives byte-identical files (matplotlib 3.11 with
Agg; the bytes are stable for one matplotlib version, not across versions).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.figure import Figure

from scalinglaws.io import write_bytes_atomic

DPI = 150
FIT_COLOR = "black"
FIT_ALPHA = 0.5
EXTRAPOLATION_COLOR = "tab:orange"
LAW_COLOR = "tab:blue"
BAND_ALPHA = 0.22
REGION_COLOR = "#ececec"  # the extrapolation region, beyond the last fit point
X_LABEL = "Seen examples"
Y_LABEL = "Loss"
_PDF_METADATA = {"CreationDate": None, "ModDate": None}
_PNG_METADATA = {"Software": f"matplotlib {matplotlib.__version__}"}


def axis_labels(labels: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(x, y) labels of a dataset's fitted-curve figures: ``labels["x"]``, ``labels["y"]``
    (config ``figures.axis_labels.<dataset>``), else :data:`X_LABEL`, :data:`Y_LABEL`."""
    labels = labels or {}
    return str(labels.get("x") or X_LABEL), str(labels.get("y") or Y_LABEL)


def apply_theme() -> None:
    """The notebook's seaborn theme (paper context, white grid, colourblind palette)."""
    sns.set_theme(
        context="paper",
        style="whitegrid",
        palette="colorblind",
        font_scale=1.25,
        rc={
            "lines.linewidth": 2.0,
            "svg.hashsalt": "scalinglaws",
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "axes.titleweight": "bold",
        },
    )


def figure(*args, **kwargs) -> tuple[Figure, object]:
    """``plt.subplots`` under the theme, with constrained layout unless told otherwise."""
    apply_theme()
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(*args, **kwargs)


def render(fig: Figure) -> dict[str, bytes]:
    """The PNG and PDF bytes of ``fig`` (deterministic: no timestamps)."""
    out = {}
    for ext, metadata in (("png", _PNG_METADATA), ("pdf", _PDF_METADATA)):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=DPI, metadata=metadata)
        out[ext] = buffer.getvalue()
    return out


def save(fig: Figure, stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``stem``.png and ``stem``.pdf atomically, close ``fig``, return the two paths."""
    stem = Path(stem)
    try:
        data = render(fig)
    finally:
        plt.close(fig)
    paths = []
    for ext, blob in data.items():
        path = stem.with_name(f"{stem.name}.{ext}")
        write_bytes_atomic(path, blob)
        paths.append(path)
    return paths


def not_applicable(note: str, title: str | None = None) -> Figure:
    """A small figure that says, centred, ``not applicable: <note>``."""
    fig, ax = figure(figsize=(6, 2))
    ax.set_axis_off()
    text = f"not applicable: {note}"
    if title:
        text = f"{title}\n{text}"
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, transform=ax.transAxes)
    return fig


class NotApplicable(Exception):  # noqa: N818 - a signal, not an error of the library
    """A figure cannot be drawn from this dataset; the message says what it needs."""
