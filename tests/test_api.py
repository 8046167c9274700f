"""The public Python API: ``import scalinglaws as sl``; fit, predict, interval, save/load,
forecast over a curves table, compare two fits."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import scalinglaws as sl
from scalinglaws import api
from scalinglaws.curves import COLUMNS
from scalinglaws.estimators import registry
from scalinglaws.estimators.m4 import m4_law

M4_TRUTH = {"beta": 3.0, "c": -0.35, "alpha": 0.6, "err_inf": 0.15, "err_0": 1.0}
X = np.geomspace(1e3, 1e6, 16)


def m4_truth(x: np.ndarray) -> np.ndarray:
    """A known M4-form law (Alabdulmohsin et al. 2022, Eq. 2)."""
    return m4_law(M4_TRUTH, np.asarray(x, dtype=float))


def noisy(y: np.ndarray, sd: float, seed: int) -> np.ndarray:
    """y × exp(N(0, sd²)) per point."""
    return y * np.exp(np.random.default_rng(seed).normal(0.0, sd, np.size(y)))


def curves_table(curves: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """A long-format table (every point Training = 1) of {(domain, task, model): (x, y)}."""
    frames = [
        pd.DataFrame(
            {"Domain": d, "Task": t, "Model": m, "Seen Examples": x, "Loss": y, "Training": 1}
        )
        for (d, t, m), (x, y) in curves.items()
    ]
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


def synthetic_curves() -> dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]]:
    """Four lightly noisy power-law curves in two domains (the model names need sanitising)."""
    out = {}
    for k, (domain, task, model) in enumerate(
        [("IC", "inet", "BiT/101/3"), ("IC", "inet", "ViT s/16"), ("LM", "lm1b", "262M"),
         ("LM", "lm1b", "1.07e+09")]
    ):  # fmt: skip
        y = (0.1 + 0.05 * k) + (2.0 + k) * X ** (-0.3 - 0.02 * k)
        out[(domain, task, model)] = (X, noisy(y, 0.005, seed=k))
    return out


# --------------------------------------------------------------------------------------------
# sl.fit and the fit object
# --------------------------------------------------------------------------------------------


def test_m4_forecasts_a_known_law_at_10x_within_2_percent_and_inside_its_80_band() -> None:
    y = noisy(m4_truth(X), 0.005, seed=0)
    fit = sl.fit(X, y, "M4")
    target = 10 * X[-1]
    truth = float(m4_truth(target))
    predicted = float(fit.predict(target))
    lo, hi = fit.interval(target, level=0.8)
    assert abs(predicted / truth - 1) < 0.02
    assert lo < truth < hi
    assert lo <= predicted <= hi


def test_noiseless_power_law_is_recovered_and_default_is_the_recommended_estimator() -> None:
    y = 0.1 + 2.0 * X**-0.3
    fit = sl.fit(X, y, "M2")
    assert fit.predict(100 * X[-1]) == pytest.approx(0.1 + 2.0 * (100 * X[-1]) ** -0.3, rel=1e-6)
    assert fit.log_rmse < 1e-9
    assert fit.n == X.size and np.array_equal(fit.x, X) and np.array_equal(fit.y, y)
    default = sl.fit(X, y)
    assert default.estimator == registry.RECOMMENDED
    assert default.params == sl.fit(X, y, registry.RECOMMENDED).params


def test_fit_sorts_points_and_keeps_shapes() -> None:
    y = m4_truth(X)
    order = np.random.default_rng(3).permutation(X.size)
    fit = sl.fit(X[order], y[order], "M2")
    assert np.array_equal(fit.x, X)
    assert np.ndim(fit.predict(5e6)) == 0
    grid = np.geomspace(1e6, 1e8, 6).reshape(2, 3)
    lo, hi = fit.interval(grid, 0.9)
    assert fit.predict(grid).shape == lo.shape == hi.shape == (2, 3)
    assert np.all(lo <= fit.predict(grid)) and np.all(fit.predict(grid) <= hi)
    with pytest.raises(ValueError):
        fit.x[0] = 1.0  # read-only


@pytest.mark.parametrize("name", registry.names())
def test_save_load_predicts_bit_identically(name: str, tmp_path: Path) -> None:
    y = noisy(m4_truth(X), 0.01, seed=1)
    fit = sl.fit(X, y, name)
    path = tmp_path / f"{name}.json"
    fit.save(path)
    loaded = sl.load(path)
    grid = np.geomspace(X[0] / 10, X[-1] * 1000, 60)
    assert np.array_equal(loaded.predict(grid), fit.predict(grid))
    direct = registry.make(name).fit(X, y)
    assert np.array_equal(fit.predict(grid), direct.predict(grid))  # the estimator's own fit
    for a, b in zip(loaded.interval(grid, 0.8), fit.interval(grid, 0.8), strict=True):
        assert np.array_equal(a, b)
    assert loaded.params == fit.params and loaded.options == fit.options
    assert sl.ScalingLawFit.from_dict(json.loads(json.dumps(fit.to_dict()))).params == fit.params


def test_saved_fit_carries_versions_and_unknown_versions_are_refused(tmp_path: Path) -> None:
    fit = sl.fit(X, m4_truth(X), "M2")
    data = fit.to_dict()
    assert data["format"] == "scalinglaws.fit" and data["format_version"] == 1
    assert data["scalinglaws_version"] == sl.__version__
    path = tmp_path / "future.json"
    path.write_text(json.dumps({**data, "format_version": 99}), encoding="utf-8")
    with pytest.raises(sl.InputError, match=r"format version 99 is not supported"):
        sl.load(path)
    with pytest.raises(sl.ScalingLawsError, match="not a saved scalinglaws fit"):
        sl.ScalingLawFit.from_dict({"estimator": "M2"})
    with pytest.raises(sl.ScalingLawsError, match="unknown estimator"):
        sl.ScalingLawFit.from_dict({**data, "estimator": "M9"})
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(sl.InputError, match="not a JSON file"):
        sl.load(tmp_path / "bad.json")


def test_plot_draws_points_law_and_band_on_given_or_new_axes() -> None:
    fit = sl.fit(X, m4_truth(X), "M2")
    ax = Figure().add_subplot()
    assert fit.plot(ax=ax) is ax
    assert ax.get_xscale() == "log" and len(ax.lines) >= 1 and len(ax.collections) >= 2
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    new = fit.plot()
    assert new.get_yscale() == "log"
    plt.close(new.figure)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sl.fit(np.ones((4, 2)), np.ones(4)), r"x must be a 1-D array"),
        (lambda: sl.fit(X, -m4_truth(X)), r"y must hold positive finite numbers"),
        (lambda: sl.fit(np.r_[X[:-1], np.nan], m4_truth(X)), r"x\[15\] = nan"),
        (lambda: sl.fit(X[:5], m4_truth(X)), r"differ in length"),
        (lambda: sl.fit(np.r_[X[:3], X[2]], m4_truth(X[:4])), r"unique"),
        (lambda: sl.fit(X, m4_truth(X), "M9"), r"unknown estimator 'M9'; registered: M1"),
        (lambda: sl.fit(X, m4_truth(X), "M2", err_0=1.0), r"no option\(s\) err_0; it accepts"),
        (lambda: sl.fit(X[:2], m4_truth(X[:2]), "M2"), r"at least 3 fit points"),
        (lambda: sl.fit(X, m4_truth(X), "M2").interval(1e7, 1.5), r"level must lie in \(0, 1\)"),
        (lambda: sl.fit(X, m4_truth(X), "M2").interval(1e7, 0), r"level must lie in \(0, 1\)"),
        (lambda: sl.fit(X, m4_truth(X), "M2").predict("abc"), r"x must be numbers"),
    ],
)
def test_invalid_input_raises_the_librarys_clear_errors(call, message: str) -> None:
    with pytest.raises(sl.ScalingLawsError, match=message):
        call()


# --------------------------------------------------------------------------------------------
# sl.forecast
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def training_only_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CSV of four curves with no Training = 0 point (the normal case for a forecast)."""
    path = tmp_path_factory.mktemp("forecast") / "mine.csv"
    curves_table(synthetic_curves()).to_csv(path, index=False)
    return path


def test_forecast_of_a_csv_without_held_out_points(training_only_csv: Path) -> None:
    table = sl.forecast(training_only_csv, at=(2, 10, 100), estimator=["M4", "M2"])
    assert list(table.columns) == sl.FORECAST_COLUMNS
    assert len(table) == 4 * 2 * 3
    assert set(table["status"]) == {"ok"} and set(table["error"]) == {""}
    assert (table["y_lo"] <= table["y_pred"]).all() and (table["y_pred"] <= table["y_hi"]).all()
    assert (table["y_lo"] > 0).all() and (table["level"] == 0.8).all()
    assert np.allclose(table["scale"], table["x"] / table["last_x"], rtol=1e-12)
    assert np.array_equal(table["gain"], table["last_y"] - table["y_pred"])
    assert sorted(set(table["scale"].round(9))) == [2, 10, 100]
    keys = table[["domain", "task", "model", "estimator", "x"]].to_records(index=False).tolist()
    assert keys == sorted(keys)
    assert (table["gain"] > 0).all()  # every synthetic loss keeps falling


def test_forecast_inputs_table_curves_and_paths_agree(training_only_csv: Path) -> None:
    by_path = sl.forecast([training_only_csv], at=10, estimator="M2")
    table = pd.read_csv(training_only_csv, dtype={"Model": str})
    by_table = sl.forecast(table, at=10, estimator="M2")
    by_curves = sl.forecast(sl.load_curves(table), at=10, estimator="M2")
    pd.testing.assert_frame_equal(by_path, by_table)
    pd.testing.assert_frame_equal(by_path, by_curves)


def test_forecast_absolute_targets_points_and_failures_per_row() -> None:
    rows = curves_table(synthetic_curves())
    short = rows.iloc[:3].assign(Model="short")  # 3 points: too few for BLEND (4), enough for M2
    held = rows.iloc[16:32].assign(Model="held")
    held.loc[held.index[2:], "Training"] = 0  # two Training = 1 points only
    table = sl.forecast(
        pd.concat([rows, short, held]), at=None, x=[1e7, 1e8], estimator=["M2", "BLEND"],
        points="fit",
    )  # fmt: skip
    failed = table[table["status"] == "failed"]
    assert set(failed["model"]) == {"short", "held"}
    assert failed.loc[failed["model"] == "held", "error"].str.contains(
        "needs at least 3 Training = 1 points, has 2"
    ).all()
    short_errors = failed.loc[failed["model"] == "short", "error"]
    assert short_errors.eq("needs at least 4 fit points, got 3").all()
    assert failed["y_pred"].isna().all()
    ok = table[table["status"] == "ok"]
    assert len(ok) == (4 * 2 + 1) * 2 and set(ok["x"]) == {1e7, 1e8}
    everything = sl.forecast(pd.concat([rows, held]), x=1e7, at=None, estimator="M2")
    assert everything.loc[everything["model"] == "held", "status"].eq("ok").all()


def test_forecast_options_in_the_workflow_format_apply_per_domain(training_only_csv: Path) -> None:
    options = {
        "M4": {"options": {"max_iterations": 5000}, "by_domain": {"LM": {"drop_max_loss": True}}}
    }
    fits = sl.fit_curves(training_only_csv, "M4", options=options)
    assert [cf.error for cf in fits] == [""] * 4
    by_domain = {cf.key.domain: cf.fit.options for cf in fits}
    assert by_domain == {
        "IC": {"max_iterations": 5000},
        "LM": {"max_iterations": 5000, "drop_max_loss": True},
    }
    with pytest.raises(sl.ScalingLawsError, match="no option"):
        sl.forecast(training_only_csv, estimator="M4", options={"M4": {"options": {"nope": 1}}})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"at": None, "x": None}, r"no targets"),
        ({"at": []}, r"no targets"),
        ({"at": [10, -1]}, r"at must hold positive"),
        ({"level": 1.0}, r"level must lie in \(0, 1\)"),
        ({"points": "test"}, r"points must be one of all, fit"),
        ({"estimator": ["M4", "nope"]}, r"unknown estimator 'nope'"),
        ({"estimator": []}, r"at least one estimator"),
    ],
)
def test_forecast_rejects_bad_arguments(training_only_csv: Path, kwargs, message: str) -> None:
    with pytest.raises(sl.ScalingLawsError, match=message):
        sl.forecast(training_only_csv, **kwargs)


def test_forecast_rejects_bad_tables() -> None:
    rows = curves_table(synthetic_curves())
    with pytest.raises(sl.InputError, match="lacks column"):
        sl.forecast(rows.drop(columns="Loss"))
    with pytest.raises(sl.InputError, match=r"'Loss'.*positive, finite; got -1.0 at table row 0"):
        sl.forecast(rows.assign(Loss=np.r_[-1.0, rows["Loss"].to_numpy()[1:]]))
    with pytest.raises(sl.InputError, match="data must be"):
        sl.forecast([])


# --------------------------------------------------------------------------------------------
# sl.compare
# --------------------------------------------------------------------------------------------

CROSSOVER = 5.0 ** (1 / 0.15)  # 10 x^-0.4 = 2 x^-0.25  ⇔  x^0.15 = 5: x ≈ 45,700


def crossing_pair() -> tuple[sl.ScalingLawFit, sl.ScalingLawFit]:
    """A worse-at-small-scale, steeper model A and a flatter model B; they cross at CROSSOVER."""
    x = np.geomspace(1e2, 1e4, 12)
    a = sl.fit(x, noisy(0.1 + 10 * x**-0.4, 0.003, seed=5), "M2")
    b = sl.fit(x, noisy(0.1 + 2 * x**-0.25, 0.003, seed=6), "M2")
    return a, b


def test_compare_finds_a_planted_crossover() -> None:
    a, b = crossing_pair()
    table = sl.compare(a, b, at=[1, 100], names=("A", "B"))
    assert list(table.columns) == sl.COMPARE_COLUMNS
    assert table["x"].tolist() == [1e4, 1e6]
    cross = table["crossover_x"].iloc[0]
    assert cross == pytest.approx(CROSSOVER, rel=0.1)
    assert table["crossover_lo"].iloc[0] <= CROSSOVER <= table["crossover_hi"].iloc[0]
    # The crossover lies 4.6x beyond the data: replicates bent by the band's extrapolation
    # term (compare.Drift) cross later than 1e6 or not at all about a quarter of the time.
    assert table["crossover_share"].iloc[0] > 0.6
    assert table["better"].tolist() == ["B", "A"]  # B before the crossover, A after
    far = table.iloc[1]  # two decades beyond the data: A ahead, within a wide interval
    assert far["diff_lo"] <= far["diff"] < 0 < far["diff_hi"] and not far["significant"]
    assert far["diff"] == pytest.approx(far["pred_a"] - far["pred_b"])


def test_compare_without_crossover_and_its_errors() -> None:
    a, _ = crossing_pair()
    better = sl.fit(a.x, a.y * 0.8, "M2")
    table = sl.compare(a, better, x=[2e4, 1e5], at=None, level=0.8)
    assert table["crossover_x"].isna().all() and (table["crossover_share"] < 0.5).all()
    assert (table["better"] == "b").all() and table["significant"].all()
    assert (table["level"] == 0.8).all()
    with pytest.raises(sl.InputError, match="level"):
        sl.compare(a, better, level=95)
    with pytest.raises(sl.InputError, match="no targets"):
        sl.compare(a, better, at=[])
    with pytest.raises(sl.InputError, match="two ScalingLawFit"):
        sl.compare(a, "b")  # type: ignore[arg-type]


def test_package_namespace_and_compare_as_function() -> None:
    assert set(sl.__all__) <= set(dir(sl))
    assert {"fit", "load", "forecast", "compare", "ScalingLawFit", "__version__"} <= set(sl.__all__)
    assert sl.compare is api.compare
    assert "fit_a" in str(inspect.signature(sl.compare))
