"""One plotting theme for every figure, and deterministic, atomic saving.

The Agg backend is selected on import, so figures render the same headless and on a desktop.
Figures are made without pyplot (:func:`figure`: a :class:`~matplotlib.figure.Figure` with an
Agg canvas), so nothing has to close them. :func:`save` writes any of PNG (dpi 150: the
pixels of matplotlib's PNG, stored as RGB when the figure is opaque, as ours are), PDF and
SVG, whose metadata carry no timestamps, so saving the same figure twice gives byte-identical
files (matplotlib 3.11 with Agg; the bytes are stable for one matplotlib version, not across
versions). A figure with constrained layout is laid out once for all its formats
(:func:`render`).

The theme is seaborn's ``set_theme(context="paper", style="whitegrid", palette="colorblind",
font_scale=1.25)`` with a few overrides (:data:`THEME_RC`). Seaborn computes it once into
seaborn_theme.json (:func:`seaborn_theme`), so that drawing needs no seaborn import;
:func:`apply_theme` sets it when it is not already in force (once per process in practice).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.layout_engine import LayoutEngine, PlaceHolderLayoutEngine

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
FORMATS = ("png", "pdf", "svg")
"""The formats :func:`render` and :func:`save` write."""
DEFAULT_FORMATS = ("png", "pdf")
PNG_COMPRESSION = 3  # zlib level: as small as matplotlib's default (6) for RGB, ~40 % faster
_PDF_METADATA = {"CreationDate": None, "ModDate": None}
_PNG_METADATA = {"Software": f"matplotlib {matplotlib.__version__}"}
_SVG_METADATA = {"Date": None}


SEABORN_THEME = {
    "context": "paper",
    "style": "whitegrid",
    "palette": "colorblind",
    "font_scale": 1.25,
}
"""The notebook's seaborn theme: ``seaborn.set_theme(**SEABORN_THEME)``."""
THEME_FILE = Path(__file__).with_name("seaborn_theme.json")
"""The rcParams seaborn sets for :data:`SEABORN_THEME`, as seaborn computes them
(:func:`seaborn_theme`), stored so that drawing needs no seaborn import (0.9 s per job: it
imports scipy.stats). Regenerate after a seaborn upgrade with :func:`write_theme_file`;
tests/test_figures.py checks the file against seaborn."""


def seaborn_theme() -> dict[str, Any]:
    """The rcParams that ``seaborn.set_theme(**SEABORN_THEME)`` changes from matplotlib's
    defaults, computed by seaborn (imported here), JSON-ready: the colour cycle as hex codes.
    Left out: ``image.cmap`` (a colormap that only importing seaborn registers; no figure here
    uses the default colormap)."""
    import seaborn as sns
    from matplotlib.colors import to_hex

    with matplotlib.rc_context():
        matplotlib.rcParams.update(matplotlib.rcParamsDefault)
        sns.set_theme(**SEABORN_THEME, color_codes=False)
        params = dict(matplotlib.rcParams)
    defaults = matplotlib.rcParamsDefault
    changed = {k: v for k, v in params.items() if v != defaults[k] and k != "image.cmap"}
    colors = params["axes.prop_cycle"].by_key()["color"]
    return changed | {"axes.prop_cycle": [to_hex(c) for c in colors]}


def write_theme_file() -> None:
    """Rewrite :data:`THEME_FILE` from the installed seaborn (:func:`seaborn_theme`)."""
    import json

    THEME_FILE.write_text(json.dumps(seaborn_theme(), indent=1, sort_keys=True) + "\n")


def _stored_theme() -> dict[str, Any]:
    """:data:`THEME_FILE` as rcParams (the colour cycle as a cycler of RGB tuples)."""
    import json

    params = json.loads(THEME_FILE.read_text(encoding="utf-8"))
    colors = [to_rgb(c) for c in params.pop("axes.prop_cycle")]
    return params | {"axes.prop_cycle": cycler("color", colors)}


OVERRIDES: dict[str, Any] = {
    "lines.linewidth": 2.0,
    "svg.hashsalt": "scalinglaws",
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "axes.titleweight": "bold",
}
"""Our settings over seaborn's theme (its ``set_theme(..., rc=OVERRIDES)``)."""
THEME_RC: dict[str, Any] = _stored_theme() | OVERRIDES
"""The rcParams of every figure: seaborn's paper theme (:data:`THEME_FILE`) and ours."""
_THEME = matplotlib.RcParams(THEME_RC)  # as matplotlib stores them (validated), to compare


def axis_labels(labels: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(x, y) labels of a dataset's fitted-curve figures: ``labels["x"]``, ``labels["y"]``
    (config ``figures.axis_labels.<dataset>``), else :data:`X_LABEL`, :data:`Y_LABEL`."""
    labels = labels or {}
    return str(labels.get("x") or X_LABEL), str(labels.get("y") or Y_LABEL)


def apply_theme() -> None:
    """The notebook's seaborn theme (paper context, white grid, colourblind palette), set in
    matplotlib's rcParams unless it is in force already."""
    params = matplotlib.rcParams
    if any(params[key] != value for key, value in _THEME.items()):
        params.update(_THEME)


def figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    figsize: tuple[float, float] | None = None,
    layout: str | None = "constrained",
    **subplots: Any,
) -> tuple[Figure, Any]:
    """A figure and its axes (as ``plt.subplots``) under the theme, without pyplot; constrained
    layout unless told otherwise."""
    apply_theme()
    fig = Figure(figsize=figsize, layout=layout)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **subplots)


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """``formats`` as a tuple, each one of :data:`FORMATS`, none twice."""
    if isinstance(formats, str):
        formats = (formats,)
    formats = tuple(str(f).lower().lstrip(".") for f in formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or len(set(formats)) != len(formats):
        raise ValueError(f"formats must be distinct, of {', '.join(FORMATS)}; got {formats}")
    return formats


def _png(fig: Figure) -> bytes:
    """PNG bytes: the Agg rendering at :data:`DPI`, without its alpha channel when opaque."""
    from PIL import Image, PngImagePlugin

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    raw = io.BytesIO()
    fig.savefig(raw, format="raw", dpi=DPI)  # as savefig draws a PNG, into fig.canvas
    rgba = np.asarray(fig.canvas.buffer_rgba())
    opaque = bool((rgba[..., 3] == 255).all())
    image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]) if opaque else rgba)
    info = PngImagePlugin.PngInfo()
    for key, value in _PNG_METADATA.items():
        info.add_text(key, value)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=PNG_COMPRESSION, pnginfo=info, dpi=(DPI, DPI))
    return out.getvalue()


def _vector(fmt: str, metadata: Mapping[str, Any]):
    def write(fig: Figure) -> bytes:
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=dict(metadata))
        return buffer.getvalue()

    return write


_WRITERS = {"png": _png, "pdf": _vector("pdf", _PDF_METADATA), "svg": _vector("svg", _SVG_METADATA)}


def render(
    fig: Figure,
    formats: Iterable[str] = DEFAULT_FORMATS,
    *,
    times: MutableMapping[str, float] | None = None,
) -> dict[str, bytes]:
    """The bytes of ``fig`` in each of ``formats`` (deterministic: no timestamps).

    A figure with a layout engine (constrained layout) is laid out once, as its PNG lays it
    out (Agg's text metrics), and every format draws those positions: the layout is not
    computed again for each format, and a PDF is the same whichever other formats are asked.
    ``times`` receives each format's CPU seconds (the layout counts in the first format's).
    """
    formats = check_formats(formats)
    engine = fig.get_layout_engine()
    laid_out = engine is not None and not isinstance(engine, PlaceHolderLayoutEngine)
    out = {}
    try:
        for fmt in formats:
            start = time.process_time()
            if laid_out and fig.get_layout_engine() is engine:
                _lay_out(fig, engine)
            out[fmt] = _WRITERS[fmt](fig)
            if times is not None:
                times[fmt] = time.process_time() - start
    finally:
        if laid_out:
            fig.set_layout_engine(engine)
    return out


def _lay_out(fig: Figure, engine: LayoutEngine) -> None:
    """Position the axes as drawing the PNG would, then keep them (layout engine "none")."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    dpi = fig.dpi
    try:
        if dpi != DPI:
            fig.dpi = DPI
        engine.execute(fig)  # as Figure.draw runs it, with the Agg renderer at DPI
    except ValueError:  # Figure.draw ignores these too (e.g. colorbars it cannot place)
        pass
    finally:
        if fig.dpi != dpi:
            fig.dpi = dpi
    fig.set_layout_engine("none")


def save(
    fig: Figure, stem: str | os.PathLike[str], formats: Iterable[str] = DEFAULT_FORMATS
) -> list[Path]:
    """Write ``stem``.<format> for each of ``formats`` (default PNG and PDF) atomically, close
    ``fig`` (if pyplot holds it), and return the paths."""
    stem = Path(stem)
    try:
        data = render(fig, formats)
    finally:
        close(fig)
    paths = []
    for ext, blob in data.items():
        path = stem.with_name(f"{stem.name}.{ext}")
        write_bytes_atomic(path, blob)
        paths.append(path)
    return paths


def close(fig: Figure) -> None:
    """Release ``fig`` from pyplot if it was made there (figures of :func:`figure` are not)."""
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


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
