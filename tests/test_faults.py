"""Bad inputs and faults (issue 15): each ends in a clear message naming what is wrong, or in a
``failed`` curve with its reason and the rest intact; never a traceback or a wrong ``ok``.

The batch-corruption cases share one run of the workflow on the tiny dataset (module fixture);
each restores the good batch files first.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from workflow_helpers import DATASET, fresh_copy, run_ok, snakemake

import scalinglaws as sl
from scalinglaws.batches import BatchError, BatchPlan, read_batch_files
from scalinglaws.config_check import config_problem
from scalinglaws.curves import Curve, CurveKey, read_curves
from scalinglaws.errors import FitError, InputError, ScalingLawsError
from scalinglaws.estimators import registry
from scalinglaws.fitting import fit_curves

X = np.geomspace(1e3, 1e6, 10)
Y = 0.2 + 2.0 * X**-0.3
REPO = Path(__file__).resolve().parents[1]
BATCHES = f"results/{DATASET}/batches"


# --------------------------------------------------------------------------------------------
# Batch integrity
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One workflow run up to the rankings; the good batch files are kept in good/."""
    workdir = fresh_copy(tmp_path_factory, "faults")
    run_ok(workdir, "--cores", "2", f"results/{DATASET}/rankings.csv")
    shutil.copytree(workdir / BATCHES, workdir / "good")
    return workdir


@pytest.fixture
def batch(tiny: Path) -> Path:
    """The tiny run with its batch files restored to the good ones; returns batch 0's folder."""
    shutil.copytree(tiny / "good", tiny / BATCHES, dirs_exist_ok=True)
    return tiny / BATCHES / "0"


def merge_fails(workdir: Path, file: str) -> str:
    """Run the workflow to the rankings; it must stop in the merge, naming ``file`` and the
    command rebuilding it, without a traceback. Returns the output."""
    done = snakemake(workdir, "--cores", "1", f"results/{DATASET}/rankings.csv")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert f"{BATCHES}/0/{file}" in output
    assert f"rebuild it with: snakemake --forcerun {BATCHES}/0/{file}" in output
    return output


def read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def rewrite(path: Path, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Replace the Parquet file ``path`` by ``edit`` of its rows (types as pandas gives them)."""
    edit(read(path)).to_parquet(path, index=False)


def test_batch_that_lost_a_curves_rows_is_not_merged(batch: Path) -> None:
    rewrite(batch / "scores.parquet", lambda f: f.drop(index=1))  # one (curve, estimator) lost
    output = merge_fails(batch.parents[3], "scores.parquet")
    assert "lacks the rows of 1 of its" in output


def test_batch_cut_short_is_not_merged(batch: Path) -> None:
    predictions = batch / "predictions.parquet"
    data = predictions.read_bytes()
    predictions.write_bytes(data[: len(data) // 2])
    output = merge_fails(batch.parents[3], "predictions.parquet")
    assert "predictions.parquet: cannot be read (" in output


def test_batch_with_a_lost_column_is_not_merged(batch: Path) -> None:
    rewrite(batch / "forecasts.parquet", lambda f: f.drop(columns="y_lo"))
    output = merge_fails(batch.parents[3], "forecasts.parquet")
    assert ": has columns" in output


def set_cell(frame: pd.DataFrame, row: int, column: str, value: object) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[row, column] = value
    return frame


def test_batch_with_a_garbage_cell_is_not_merged(batch: Path) -> None:
    rewrite(batch / "scores.parquet", lambda f: set_cell(f, 0, "status", "0k"))
    output = merge_fails(batch.parents[3], "scores.parquet")
    assert "row 1: column 'status' is '0k', expected one of ('ok', 'unscored', 'failed')" in output


def test_the_rebuild_command_repairs_the_batch(batch: Path) -> None:
    scores = batch / "scores.parquet"
    scores.write_bytes(scores.read_bytes()[:-10])
    workdir = batch.parents[3]
    run_ok(workdir, "--cores", "1", f"results/{DATASET}/rankings.csv",
           "--forcerun", f"{BATCHES}/0/scores.parquet")  # fmt: skip
    rebuilt, good = (
        read(path).drop(columns="fit_seconds")
        for path in (scores, workdir / "good" / "0" / "scores.parquet")
    )
    pd.testing.assert_frame_equal(rebuilt, good)


def tiny_plan(workdir: Path) -> BatchPlan:
    """The rows batch 0 owes, from its good scores file (its curves × the configured
    estimators) and the tiny config's forecast targets (the defaults)."""
    scores = read(workdir / "good" / "0" / "scores.parquet")
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    curves = sorted(set(scores[["domain", "task", "model"]].itertuples(index=False, name=None)))
    names = list(config["estimators"])
    return BatchPlan(curves, names, names, [2.0, 10.0, 100.0], [])


def batch_files(batch: Path) -> tuple[Path, Path, Path]:
    return tuple(batch / f"{kind}.parquet" for kind in ("scores", "predictions", "forecasts"))


def batch_error(batch: Path, plan: BatchPlan) -> str:
    with pytest.raises(BatchError) as info:
        read_batch_files(*batch_files(batch), plan)
    return str(info.value)


def test_good_batch_passes_the_check(batch: Path) -> None:
    plan = tiny_plan(batch.parents[3])
    scores, predictions, forecasts = read_batch_files(*batch_files(batch), plan)
    assert len(scores) == len(plan.curves) * len(plan.estimators)
    assert forecasts is not None and len(forecasts) == 3 * len(scores)
    assert len(predictions) > 0


def foreign(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, set_cell(frame.iloc[[0]], frame.index[0], "domain", "XX")])


@pytest.mark.parametrize(
    ("file", "edit", "expected"),
    [
        ("predictions", lambda f: f.drop(index=2), " rows of "),
        ("forecasts", lambda f: f.iloc[:-1], "has targets x = "),
        ("scores", lambda f: pd.concat([f, f.iloc[[0]]]), "second row of "),
        ("scores", foreign, "does not belong"),
        ("scores", lambda f: set_cell(f, 0, "params", "[1, 2]"), "not a JSON"),
        ("predictions", lambda f: set_cell(f, 3, "region", "fitt"), "row 4: column 'region'"),
        ("predictions", lambda f: set_cell(f, 5, "x", float("nan")), "row 6: column 'x' is nan"),
    ],
    ids=[
        "prediction-row-lost",
        "forecast-target-lost",
        "duplicate-row",
        "foreign-row",
        "params-not-json",
        "bad-region",
        "missing-number",
    ],
)
def test_damaged_batch_files_name_the_file_and_row(
    batch: Path, file: str, edit: Callable[[pd.DataFrame], pd.DataFrame], expected: str
) -> None:
    rewrite(batch / f"{file}.parquet", edit)
    message = batch_error(batch, tiny_plan(batch.parents[3]))
    assert message.startswith(str(batch / f"{file}.parquet"))
    assert expected in message
    assert "rebuild it with: snakemake --forcerun" in message


def test_missing_batch_file_is_named(batch: Path) -> None:
    (batch / "forecasts.parquet").unlink()
    message = batch_error(batch, tiny_plan(batch.parents[3]))
    assert f"{batch / 'forecasts.parquet'}: cannot be read" in message


# --------------------------------------------------------------------------------------------
# Estimator options
# --------------------------------------------------------------------------------------------


def must(estimator: str, option: str, allowed: str, value: str) -> str:
    """The message of a bad option: estimator, option, allowed values and the value given."""
    return f"{estimator}: option {option} must be {allowed}; got {value}"


WHOLE_1 = "a whole number ≥ 1"


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("M4", {"max_iterations": -5}, must("M4", "max_iterations", WHOLE_1, "-5")),
        ("M4", {"max_iterations": 0}, must("M4", "max_iterations", WHOLE_1, "0")),
        ("M3", {"max_iterations": 2.5}, must("M3", "max_iterations", WHOLE_1, "2.5")),
        ("M4", {"err_0": "abc"}, must("M4", "err_0", "a number > 0 or None", "'abc'")),
        ("M4", {"up_bound": -1.0}, must("M4", "up_bound", "a number > 0, None or 'auto'", "-1.0")),
        ("M4", {"update_err_0": "no"}, must("M4", "update_err_0", "true or false", "'no'")),
        ("M4", {"margins": "abs"}, must("M4", "margins", "one of 'notebook', 'relative'", "'abs'")),
        ("M2", {"lo_bound": -0.1}, must("M2", "lo_bound", "a number ≥ 0", "-0.1")),
        ("BNSL", {"breaks": 3}, must("BNSL", "breaks", "one of 0, 1, 2", "3")),
        ("BNSL", {"breaks": True}, must("BNSL", "breaks", "one of 0, 1, 2", "True")),
        ("BNSL", {"n_random": -1}, must("BNSL", "n_random", "a whole number ≥ 0", "-1")),
        ("BNSL", {"seed": "x"}, must("BNSL", "seed", "a whole number ≥ 0", "'x'")),
        ("BLEND", {"weight": 1.5}, must("BLEND", "weight", "a number in [0, 1]", "1.5")),
        ("BLEND", {"err_0": "x"}, "BLEND: " + must("M4", "err_0", "a number > 0 or None", "'x'")),
        ("MEDIAN", {"breaks": 5}, "MEDIAN: " + must("BNSL", "breaks", "one of 0, 1, 2", "5")),
        ("M4", {"err0": 1.0}, "estimator 'M4' has no option(s) err0; it accepts: "),
        ("M5", {}, "unknown estimator 'M5'; registered: M1, M2, M3, M4, BNSL, BLEND, MEDIAN"),
    ],
)
def test_bad_option_names_option_range_and_value(name: str, options: dict, expected: str) -> None:
    with pytest.raises(ScalingLawsError) as info:
        registry.make(name, **options)
    assert str(info.value).startswith(expected)
    with pytest.raises(ScalingLawsError):
        sl.fit(X, Y, name, **options)  # the public API says the same


def test_bound_below_the_data_fails_that_fit_only() -> None:
    y = Y + 0.5  # largest loss 0.95
    curve = Curve(CurveKey("IC", "t", "m"), X[:8], y[:8], X[8:], y[8:])
    spec = {"M4": {"options": {"up_bound": 0.5}}, "M2": {"options": {"lo_bound": 0.8}}, "M1": {}}
    scores, _ = fit_curves([curve], spec)
    rows = scores.set_index("estimator")
    assert rows.loc["M4", "status"] == "failed"
    assert rows.loc["M4", "error"] == (
        "M4: up_bound 0.5 is below the largest fit loss 0.9518: ε_0 must exceed every loss "
        "(raise up_bound, or use None or 'auto')"
    )
    assert rows.loc["M2", "status"] == "failed"
    assert rows.loc["M2", "error"].startswith("M2: lo_bound 0.8 is not below the smallest fit loss")
    assert rows.loc["M1", "status"] == "ok"  # the rest intact


def test_bad_option_in_the_config_stops_the_workflow_before_any_job(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    workdir = fresh_copy(tmp_path_factory, "bad_option")
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["estimators"]["M4"]["by_domain"]["LM"] = {"max_iterations": -5}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    done = snakemake(workdir, "--cores", "1", "--dry-run")
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert (
        "config: estimators: M4, options for domain LM: M4: option max_iterations must be a "
        "whole number ≥ 1; got -5"
    ) in done.stdout + done.stderr
    assert not (workdir / "results").exists()


def test_misspelt_config_key_is_one_short_message() -> None:
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    config = yaml.safe_load((REPO / ".test/config.yaml").read_text())
    config["uncertainity"] = config.pop("rankings")
    problem = config_problem(config, schema)
    assert problem is not None and "uncertainity" in problem
    assert len(problem.splitlines()) <= 5


# --------------------------------------------------------------------------------------------
# API edges
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", registry.names())
def test_out_of_domain_x_predicts_nan_for_every_estimator(name: str) -> None:
    outside = np.array([np.nan, 0.0, -1.0, -np.inf, np.inf])
    result = registry.make(name).fit(X, Y)
    assert np.isnan(result.predict(outside)).all()
    fit = sl.fit(X, Y, name)
    assert np.isnan(fit.predict(outside)).all()
    assert np.isnan(fit.predict(0.0))
    lo, hi = fit.interval(np.array([-1.0, 2e6]), 0.8)
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and 0 < lo[1] < hi[1]
    mixed = fit.predict(np.array([0.0, 2e6]))  # the valid points are unchanged
    assert np.isnan(mixed[0]) and mixed[1] == fit.predict(2e6)


def test_two_dimensional_points_are_refused() -> None:
    grid_x, grid_y = X.reshape(2, 5), Y.reshape(2, 5)
    with pytest.raises(FitError, match=r"x must be a 1-D array of fit points, got shape \(2, 5\)"):
        registry.make("M2").fit(grid_x, grid_y)
    with pytest.raises(FitError, match=r"y must be a 1-D array of fit points, got shape \(5, 2\)"):
        registry.make("M2").fit(X, grid_y.T)
    with pytest.raises(InputError, match=r"x must be a 1-D array, got shape \(2, 5\)"):
        sl.fit(grid_x, grid_y)


def test_points_of_different_lengths_are_refused() -> None:
    with pytest.raises(FitError, match=r"x and y differ in length \(10 vs 9\)"):
        registry.make("M1").fit(X, Y[:-1])


# --------------------------------------------------------------------------------------------
# Extreme values
# --------------------------------------------------------------------------------------------

HEADER = "Domain,Task,Model,Seen Examples,Loss,Training\n"


def test_loss_below_floating_point_range_is_refused_at_ingest(tmp_path: Path) -> None:
    rows = "".join(f"IC,t,m,{x:g},{float(y)!r},1\n" for x, y in zip(X, Y, strict=True))
    path = tmp_path / "tiny.csv"
    path.write_text(HEADER + rows + "IC,t,m,1e7,1e-320,0\n")
    with pytest.raises(InputError) as info:
        read_curves([path])
    assert f"{path}, row 12, column 'Loss', curve IC / t / m" in str(info.value)
    assert "got '1e-320'" in str(info.value)


def scores_at(scale: float) -> pd.DataFrame:
    """Every estimator (defaults: unit-free) on one noisy curve with losses × ``scale``."""
    y = scale * (0.2 + 2.0 * X**-0.3 * (1 + 0.01 * np.sin(X)))
    curve = Curve(CurveKey("IC", "t", "m"), X[:8], y[:8], X[8:], y[8:])
    return fit_curves([curve], {name: {} for name in registry.names()})[0]


@pytest.mark.parametrize("scale", [1e6, 1e-6, 1e100])
def test_extreme_loss_scales_give_the_same_fits(scale: float) -> None:
    reference, scores = scores_at(1.0), scores_at(scale)
    assert (scores["status"] == "ok").all(), scores["error"].tolist()
    assert np.allclose(scores["rmse"], reference["rmse"], rtol=1e-6, atol=0)


def test_a_fit_that_misses_its_points_fails_and_the_rest_stay_intact() -> None:
    rising = 0.5 + 0.2 * np.log10(X) / 6 * (1 + 0.3 * np.sin(3 * np.log(X)))
    curve = Curve(CurveKey("LM", "t", "rising"), X[:8], rising[:8], X[8:], rising[8:])
    plain = Curve(CurveKey("LM", "t", "plain"), X[:8], Y[:8], X[8:], Y[8:])
    scores, _ = fit_curves([curve, plain], {"M3": {}, "M1": {}})
    rows = scores.set_index(["model", "estimator"])
    assert rows.loc[("rising", "M3"), "status"] == "failed"
    assert "fit-region log-RMSE" in rows.loc[("rising", "M3"), "error"]
    assert "the fit does not describe its own points" in rows.loc[("rising", "M3"), "error"]
    assert (rows.loc["plain", "status"] == "ok").all()


# --------------------------------------------------------------------------------------------
# The command line: exit 2 with one error line
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--estimator", "M5"], "scalinglaws: error: unknown estimator 'M5'; registered: M1"),
        (
            ["--config", "bad.yaml"],
            "scalinglaws: error: bad.yaml: estimators: M4, options for any other domain: "
            + must("M4", "max_iterations", WHOLE_1, "-5"),
        ),
        (["missing.csv"], "scalinglaws: error: missing.csv: file not found"),
    ],
)
def test_command_line_errors_exit_2_with_one_line(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    (tmp_path / "bad.yaml").write_text("estimators:\n  M4:\n    options: {max_iterations: -5}\n")
    command = shutil.which("scalinglaws", path=str(Path(sys.executable).parent))
    assert command is not None
    files = [] if args == ["missing.csv"] else [str(REPO / ".test/data/vision.csv")]
    done = subprocess.run(
        [command, "fit", *files, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(expected) and len(done.stderr.splitlines()) == 1


def test_overflow_is_a_clear_reason_not_an_unexpected_error() -> None:
    curve = next(
        c for c in read_curves(sorted(REPO.glob("data/benchmark/*.csv")))
        if c.key.label == "IC / cal_25 / BiT/101/3"
    )  # fmt: skip
    y = curve.y_fit * 1e6
    assert registry.make("M2").fit(curve.x_fit, y).params["beta"] > 0  # relative margins: ok
    with pytest.raises(FitError) as info:
        registry.make("M2", margins="notebook").fit(curve.x_fit, y)
    assert str(info.value).startswith("M2: the fit left floating-point range (OverflowError")
    assert "use margins='relative'" in str(info.value)


@pytest.mark.parametrize(("value", "name"), [(1e-320, "y"), (1e301, "y")])
def test_values_beyond_floating_point_range_are_refused_by_the_api(value: float, name: str) -> None:
    y = Y.copy()
    y[5] = value
    for estimator in ("M1", "M3"):
        with pytest.raises(
            FitError, match=re.escape(f"{name} value {value!r} is outside [1e-300, 1e+300]")
        ):
            sl.fit(X, y, estimator)
