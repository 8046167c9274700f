"""Tests of the figures: each figure draws from tiny fitted data, saving is byte-stable, the
laws rebuild the stored predictions, and unsupported figures become "not applicable" notes;
the fast paths (formats, draw_figures, the gallery's reused figures, typed tables, the theme
without seaborn) draw what the plain ones draw."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt

from scalinglaws.curves import CurveKey, read_curves
from scalinglaws.errors import ScalingLawsError
from scalinglaws.fitting import fit_curves
from scalinglaws.paper.plots import bars, exponents, layouts
from scalinglaws.plots import curves, gallery, laws, theme
from scalinglaws.plots.theme import NotApplicable, not_applicable, render, save
from scalinglaws.rankings import rankings

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# M4 with few iterations: the plots need a fit, not the best one (keeps the tests fast). At
# 100 (gradient steps only) one curve's fit missed its own points by 3.7× a straight line's
# log-RMSE and is refused by the fit-region check; 200 adds 100 Newton iterations.
ESTIMATORS = {
    "M1": {},
    "M2": {},
    "M3": {},
    "M4": {"options": {"err_0": 1.0, "max_iterations": 200}},
}
CURVES = [
    ("IC", "inet_5", "BiT/50/1", 0.9, -0.15),
    ("IC", "inet_10", "BiT/101/3", 0.75, -0.28),
    ("LM", "val_loss", "1.68e+07", 0.95, -0.3),
    ("LM", "val_loss", "1.07e+09", 0.9, -0.35),
]


def write_curves(path: Path) -> Path:
    """Synthetic learning curves (8 fit + 4 extrapolation points each) and a too-short one."""
    rows = []
    x = np.geomspace(1e6, 1e9, 12)
    for domain, task, model, floor, c in CURVES:
        y = 0.3 * floor + 0.7 * floor * (x / 1e6) ** (c * 0.5)
        rows += [
            (domain, task, model, xi, yi, int(i < 8))
            for i, (xi, yi) in enumerate(zip(x, y, strict=True))
        ]
    rows += [("LM", "val_loss", "short", 1e6, 0.9, 1), ("LM", "val_loss", "short", 1e7, 0.8, 0)]
    columns = ["Domain", "Task", "Model", "Seen Examples", "Loss", "Training"]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> dict[str, pd.DataFrame]:
    path = write_curves(tmp_path_factory.mktemp("figures") / "curves.csv")
    scores, predictions = fit_curves(read_curves([path]), ESTIMATORS)
    return {"scores": scores, "predictions": predictions, "rankings": rankings(scores, 3)}


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the rule scripts read it back from CSV: every cell text."""
    return frame.astype(str).replace("nan", "")


def assert_png(fig) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    assert buffer.getvalue().startswith(PNG_MAGIC) and len(buffer.getvalue()) > 5_000


@pytest.mark.parametrize("name", ["fig1_top", "fig5", "fig8"])
def test_curve_figures_draw(fitted, name) -> None:
    draw = getattr(layouts, name)
    scores, predictions = as_text(fitted["scores"]), as_text(fitted["predictions"])
    if name == "fig5":  # a copy of the BiT/101/3 curve stands in for ViT/B/16
        scores, predictions = (
            pd.concat([f, f[f["model"] == "BiT/101/3"].assign(model="ViT/B/16")])
            for f in (scores, predictions)
        )
    assert_png(draw(scores, predictions))


def test_fig8_rows_by_model_size_and_failed_fit_noted(fitted) -> None:
    keys = layouts.lm_keys(fitted["scores"])
    assert [k.model for k in keys] == ["1.68e+07", "1.07e+09", "short"]
    fig = layouts.fig8(fitted["scores"], fitted["predictions"])  # numeric columns work too
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(t.startswith("fit failed") for t in texts)
    assert len(fig.axes) == 3 * 4
    plt.close(fig)


def test_appendix_curve_figure_and_new_estimator_without_law(fitted) -> None:
    scores, predictions = fitted["scores"], fitted["predictions"]
    extra_scores = scores[scores["estimator"] == "M2"].assign(estimator="M9")
    extra_predictions = predictions[predictions["estimator"] == "M2"].assign(estimator="M9")
    scores = pd.concat([scores, extra_scores])
    predictions = pd.concat([predictions, extra_predictions])
    key = CurveKey("IC", "inet_5", "BiT/50/1")
    fig = curves.curve_figure(scores, predictions, key)
    assert len(fig.axes) == 8  # five panels in rows of at most four; three left blank
    titles = [ax.get_title() for ax in fig.axes if ax.axison]
    assert [t.split(" · ")[0] for t in titles] == ["M1", "M2", "M3", "M4", "M9"]
    assert all(" · RMSE " in t for t in titles)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("no law registered" in t for t in texts)
    assert all(ax.get_xscale() == ax.get_yscale() == "log" for ax in fig.axes if ax.axison)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:4] == ["fit points", "held-out points", "fitted law", "80% predictive band"]
    assert fig.get_figwidth() * fig.dpi <= 2000
    plt.close(fig)


def test_unscored_curve_has_no_held_out_legend_entry(fitted) -> None:
    scores, predictions = fitted["scores"], fitted["predictions"]
    key = CurveKey("IC", "inet_5", "BiT/50/1")
    fit_only = predictions[predictions["region"] == "fit"]
    fig = curves.curve_figure(scores.assign(status="unscored"), fit_only, key)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "held-out points" not in labels and "beyond the fit points" not in labels
    assert "fit points" in labels
    assert all(ax.get_title().endswith("unscored") for ax in fig.axes if ax.axison)
    plt.close(fig)


def test_band_level_is_read_back_from_the_stored_band(fitted) -> None:
    assert curves.band_level(fitted["predictions"]) == 0.8
    assert curves.band_level(fitted["predictions"].drop(columns="y_lo")) is None


def test_bars_and_exponents_draw(fitted) -> None:
    assert_png(bars.fig1_bottom(as_text(fitted["rankings"])))
    fig6 = exponents.fig6(as_text(fitted["scores"]))
    assert len(fig6.axes) == 4  # four estimators with c; one family (BiT)
    assert_png(fig6)
    assert_png(exponents.fig7(as_text(fitted["scores"]), as_text(fitted["predictions"])))
    fig9 = exponents.fig9(fitted["scores"])
    assert len(fig9.axes) == 4
    assert_png(fig9)


def test_fig1_bottom_has_the_paper_panel_and_no_colliding_labels(fitted) -> None:
    table = fitted["rankings"]
    renamed = {"M1": "BNSL", "M2": "BLEND", "M3": "MEDIAN", "M4": "STACK"}
    more = table.assign(estimator=table["estimator"].map(renamed))
    eight = pd.concat([table, more])  # eight bars to a domain, as on the benchmark
    fig = bars.fig1_bottom(as_text(eight), as_text(fitted["scores"]))
    paper, every = fig.axes
    assert len(paper.containers) == 4 and len(every.containers) == 8
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
        assert boxes
        for i, box in enumerate(boxes):
            assert not any(box.overlaps(other) for other in boxes[i + 1 :])
    assert len(bars.fig1_bottom(fitted["rankings"]).axes) == 1  # without scores: one panel
    plt.close("all")


def test_exponent_sign_follows_the_paper(fitted) -> None:
    table = exponents.exponents(fitted["scores"])
    assert (table["c"] < 0).all()
    m3 = fitted["scores"].query("estimator == 'M3' and status == 'ok'")
    stored = json.loads(m3["params"].iloc[0])["c"]
    assert laws.scaling_exponent("M3", m3["params"].iloc[0]) == -stored


def test_saving_twice_is_byte_identical(fitted, tmp_path) -> None:
    for i in (1, 2):
        save(bars.fig1_bottom(fitted["rankings"]), tmp_path / f"run{i}" / "fig")
    for ext in ("png", "pdf"):
        first = (tmp_path / "run1" / f"fig.{ext}").read_bytes()
        assert first == (tmp_path / "run2" / f"fig.{ext}").read_bytes(), ext
    assert b"CreationDate" not in (tmp_path / "run1" / "fig.pdf").read_bytes()
    assert sorted(p.name for p in (tmp_path / "run1").iterdir()) == ["fig.pdf", "fig.png"]


def test_laws_rebuild_stored_predictions(fitted) -> None:
    scores = as_text(fitted["scores"])
    predictions = fitted["predictions"]
    checked = 0
    for row in scores[scores["status"] == "ok"].itertuples(index=False):
        mine = predictions[
            (predictions["task"] == row.task)
            & (predictions["model"] == row.model)
            & (predictions["estimator"] == row.estimator)
        ]
        rebuilt = laws.rebuild(row.estimator, row.params, mine["x"].to_numpy())
        np.testing.assert_allclose(rebuilt, mine["y_pred"].to_numpy(), rtol=1e-9)
        checked += 1
    assert checked >= 4 * len(CURVES)


def test_unknown_law_is_a_clear_error_and_can_be_registered() -> None:
    with pytest.raises(ScalingLawsError, match="no law registered for estimator 'M9'"):
        laws.rebuild("M9", {"beta": 1.0}, np.array([1.0]))
    try:
        laws.register_law("M9", lambda p, x: p["beta"] * x)
        assert laws.rebuild("M9", '{"beta": 2.0}', np.array([3.0])).tolist() == [6.0]
    finally:
        laws.LAWS.pop("M9")
        laws.EXPONENT_SIGN.pop("M9")


def test_not_applicable(fitted) -> None:
    ic_only = fitted["scores"][fitted["scores"]["domain"] == "IC"]
    with pytest.raises(NotApplicable, match="LM"):
        layouts.fig8(ic_only, fitted["predictions"])
    with pytest.raises(NotApplicable):
        exponents.fig9(ic_only)
    lm_only = fitted["scores"][fitted["scores"]["domain"] == "LM"]
    for draw in (layouts.fig1_top, layouts.fig5):
        with pytest.raises(NotApplicable):
            draw(lm_only, fitted["predictions"])
    with pytest.raises(NotApplicable):
        exponents.fig6(lm_only)
    with pytest.raises(NotApplicable, match="M4 fits"):
        exponents.fig7(lm_only, fitted["predictions"])
    fig = not_applicable("needs the curve IC / inet_10 / BiT/101/3", title="fig1_top")
    assert "not applicable: needs" in fig.axes[0].texts[0].get_text()
    assert_png(fig)


def test_gallery_writes_note_for_unsupported_figure(fitted, tmp_path) -> None:
    module = layouts
    lm_only = {k: v[v["domain"] == "LM"] for k, v in fitted.items()}
    note = module.draw("fig1_top", lm_only, tmp_path / "fig1_top")
    assert note == "needs the curve IC / inet_10 / BiT/101/3"
    assert (tmp_path / "fig1_top.png").read_bytes().startswith(PNG_MAGIC)
    names = gallery.curve_figures(lm_only["scores"], lm_only["predictions"], tmp_path / "c")
    assert names == ["LM_val_loss_1.07e09", "LM_val_loss_1.68e07", "LM_val_loss_short"]
    assert len(list((tmp_path / "c").glob("*.png"))) == len(names) == 3


def test_comparison_figure_labels_crossovers_and_keeps_the_data_in_view(
    tmp_path, monkeypatch
) -> None:
    from scalinglaws.comparisons import compare_all, fitted_curves
    from scalinglaws.plots import compare

    assert [compare.short_number(x) for x in (1.6e9, 3e7, 250.0)] == ["1.6e9", "3e7", "250"]
    curves = read_curves([write_curves(tmp_path / "curves.csv")])
    scores, _ = fit_curves(curves, {"M2": {}})
    fitted, _ = fitted_curves(curves, scores, "M2", 5, 0)
    table, tasks, _ = compare_all(fitted, "M2", [1.0, 10.0, 100.0])
    task = next(t for t in tasks if t.domain == "LM")
    rows = table[table["task"] == task.task].assign(crossover_x=3e8)  # one labelled crossover
    drawn = []
    monkeypatch.setattr(compare, "save", lambda fig, stem, formats=(): drawn.append(fig))
    compare.comparison_figure(task, rows, tmp_path / "cmp")
    ax = drawn[0].axes[0]
    assert "3e8" in [t.get_text() for t in ax.texts]
    y_lo, y_hi = ax.get_ylim()
    data = np.concatenate([[*m.curve.y_fit, *m.curve.y_test] for m in task.members])
    assert y_lo <= data.min() and data.max() <= y_hi and y_hi / y_lo < 2 * data.max() / data.min()
    assert_png(drawn[0])


def test_axis_labels_per_dataset(fitted) -> None:
    from scalinglaws.plots.theme import axis_labels

    assert axis_labels(None) == ("Seen examples", "Loss")
    assert axis_labels({"y": "Top-1 error"}) == ("Seen examples", "Top-1 error")
    key = CurveKey("IC", "inet_5", "BiT/50/1")
    fig = curves.curve_figure(fitted["scores"], fitted["predictions"], key, ("Tokens", "Error"))
    assert {ax.get_xlabel() for ax in fig.axes[-4:]} == {"Tokens"}
    assert fig.axes[0].get_ylabel() == "Error"
    plt.close(fig)


# --- the fast paths ---------------------------------------------------------------------------

PAPER_FIGURES = ["fig1_top", "fig1_bottom", "fig5", "fig6", "fig7", "fig8", "fig9"]
# The numeric columns of scores.csv, predictions.csv and rankings.csv.
NUMBER_COLUMNS = {"rmse", "rmse_se", "n_fit", "n_test", "fit_seconds", "x", "y_true", "y_pred"}
NUMBER_COLUMNS |= {"y_lo", "y_hi", "log_scale", "log_df", "win_fraction", "mean_rmse"}
NUMBER_COLUMNS |= {"mean_rank", "n_curves", "n_failed", "n_unscored"}


def as_typed(text: pd.DataFrame) -> pd.DataFrame:
    """A text frame as a typed reader (Parquet) gives it: numbers as float64 or int64, empty
    cells NaN, text as str."""
    out = {}
    for column in text.columns:
        cells = text[column].replace("", np.nan)
        out[column] = pd.to_numeric(cells) if column in NUMBER_COLUMNS else cells.astype("str")
    return pd.DataFrame(out, index=text.index)


def lm_only(fitted) -> dict[str, pd.DataFrame]:
    return {k: v[v["domain"] == "LM"] for k, v in fitted.items()}


def test_typed_and_text_frames_draw_the_same_png(fitted, tmp_path) -> None:
    text = {k: as_text(v) for k, v in fitted.items()}
    typed = {k: as_typed(v) for k, v in text.items()}
    scores = typed["scores"]
    assert scores["rmse"].dtype == "float64" and scores["n_fit"].dtype == "int64"
    assert scores["error"].isna().any() and not (scores["error"] == "").any()
    assert typed["predictions"]["y_lo"].dtype == "float64"
    notes = {}
    for label, data in (("text", text), ("typed", typed)):
        out = tmp_path / label
        notes[label] = layouts.draw_figures(PAPER_FIGURES, data, out, formats=("png",))
        gallery.curve_figures(data["scores"], data["predictions"], out / "c", formats=["png"])
    assert notes["text"] == notes["typed"]
    assert [n for n, note in notes["text"].items() if note] == ["fig5"]  # no ViT/B/16 curve
    files = sorted(p.relative_to(tmp_path / "text") for p in (tmp_path / "text").rglob("*"))
    assert len([f for f in files if f.suffix == ".png"]) == len(PAPER_FIGURES) + len(CURVES) + 1
    for name in (f for f in files if f.suffix):
        text_bytes = (tmp_path / "text" / name).read_bytes()
        assert text_bytes == (tmp_path / "typed" / name).read_bytes(), name


def test_formats_write_only_the_asked_files(fitted, tmp_path) -> None:
    lm = lm_only(fitted)
    for formats in (["png"], ("svg",), ("pdf", "png")):
        out = tmp_path / "_".join(formats)
        names = gallery.curve_figures(lm["scores"], lm["predictions"], out, formats=formats)
        written = sorted(p.name for p in out.iterdir())
        assert written == sorted(f"{n}.{ext}" for n in names for ext in formats)
    svg = (tmp_path / "svg" / f"{names[0]}.svg").read_bytes()
    assert svg.startswith(b"<?xml") and b"<dc:date>" not in svg
    assert layouts.draw("fig8", lm, tmp_path / "one" / "fig8", formats=("pdf",)) is None
    assert layouts.draw("fig5", lm, tmp_path / "one" / "fig5", formats=["svg"]).startswith("needs")
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["fig5.svg", "fig8.pdf"]
    for bad in (("jpg",), ("png", "png")):
        with pytest.raises(ValueError, match="formats"):
            gallery.curve_figures(lm["scores"], lm["predictions"], tmp_path / "bad", formats=bad)
        with pytest.raises(ValueError, match="formats"):
            layouts.draw("fig8", lm, tmp_path / "bad" / "fig8", formats=bad)
    assert not (tmp_path / "bad").exists()


def test_draw_figures_draws_several_and_notes_the_unsupported(fitted, tmp_path) -> None:
    lm = {k: as_text(v) for k, v in lm_only(fitted).items()}
    names = ["fig8", "fig1_top", "fig9"]
    notes = layouts.draw_figures(names, lm, tmp_path / "all", layouts.LABELS, ("png", "pdf"))
    assert list(notes) == names
    assert notes == {"fig8": None, "fig1_top": "needs the curve IC / inet_10 / BiT/101/3",
                     "fig9": None}  # fmt: skip
    written = sorted(p.name for p in (tmp_path / "all").iterdir())
    assert written == sorted(f"{n}.{ext}" for n in names for ext in ("png", "pdf"))
    for name in names:  # the same files as drawing each figure on its own
        assert layouts.draw(name, lm, tmp_path / "one" / name) == notes[name]
        for ext in ("png", "pdf"):
            one = (tmp_path / "one" / f"{name}.{ext}").read_bytes()
            assert one == (tmp_path / "all" / f"{name}.{ext}").read_bytes(), (name, ext)
    with pytest.raises(ValueError, match="unknown figures"):
        layouts.draw_figures(["fig42"], lm, tmp_path / "none")


def test_gallery_reuses_figures_and_draws_the_same_bytes(fitted) -> None:
    scores, predictions = fitted["scores"], as_text(fitted["predictions"])
    # A curve with scores but no predictions has no law grid: drawn on a fresh figure.
    scores = pd.concat([scores, scores[scores["model"] == "short"].assign(model="no points")])
    drawer = curves.CurveFigures(as_text(scores), predictions)
    keys = drawer.keys()
    assert len(keys) == len(CURVES) + 2
    figures = set()
    for key in [*keys, keys[0]]:
        fig = drawer.figure(key)
        figures.add(id(fig))
        reused = render(fig, ("png", "pdf"))
        fresh = render(curves.curve_figure(scores, predictions, key), ("png", "pdf"))
        assert reused == fresh, key
    assert len(figures) < len(keys)  # the figure was reused


def test_png_has_the_pixels_of_matplotlibs_png(fitted) -> None:
    from PIL import Image

    fig = bars.fig1_bottom(fitted["rankings"], fitted["scores"])
    ours = Image.open(io.BytesIO(render(fig, ("png",))["png"]))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=theme.DPI)
    theirs = Image.open(buffer)
    assert ours.mode == "RGB" and theirs.mode == "RGBA"  # the figure is opaque
    assert np.array_equal(np.asarray(ours.convert("RGBA")), np.asarray(theirs))
    assert ours.info["dpi"] == theirs.info["dpi"] == pytest.approx((theme.DPI, theme.DPI), abs=0.1)
    assert ours.info["Software"] == f"matplotlib {matplotlib_version()}"


def matplotlib_version() -> str:
    import matplotlib

    return matplotlib.__version__


def test_render_lays_out_once_and_keeps_the_layout_engine(fitted) -> None:
    figures = [bars.fig1_bottom(fitted["rankings"], fitted["scores"]) for _ in range(2)]
    engine = figures[0].get_layout_engine()
    first = render(figures[0], ("png", "pdf", "svg"))
    assert figures[0].get_layout_engine() is engine
    assert render(figures[1], ("png", "pdf", "svg")) == first  # byte-stable
    alone = render(bars.fig1_bottom(fitted["rankings"], fitted["scores"]), ("svg", "pdf"))
    assert alone == {"svg": first["svg"], "pdf": first["pdf"]}  # whatever else is asked
    assert first["svg"].startswith(b"<?xml") and b"<dc:date>" not in first["svg"]
    assert b"CreationDate" not in first["pdf"]


def test_theme_is_seaborns() -> None:
    """THEME_RC is seaborn's set_theme of the figures (but for seaborn's colormap), without
    importing seaborn when drawing."""
    import matplotlib as mpl
    import seaborn as sns

    with mpl.rc_context():
        mpl.rcParams.update(theme.THEME_RC)
        ours = dict(mpl.rcParams)
    with mpl.rc_context():  # color_codes=False: no change to matplotlib's colours ("b", ...)
        sns.set_theme(context="paper", style="whitegrid", palette="colorblind", font_scale=1.25,
                      color_codes=False, rc=theme.OVERRIDES)  # fmt: skip
        seaborns = dict(mpl.rcParams)
    assert {k for k in ours if ours[k] != seaborns[k]} == {"image.cmap"}


def test_figure_modules_import_neither_seaborn_nor_pyplot() -> None:
    import subprocess
    import sys

    code = (
        "import sys, scalinglaws.paper.plots.layouts, scalinglaws.plots.gallery; "
        "print([m for m in ('seaborn', 'matplotlib.pyplot') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
