"""The installed ``scalinglaws`` command: forecast, compare, fit; --help, --version; errors.

Every test runs the console script that ``pip install -e .`` put beside this Python.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_api import CROSSOVER, X, curves_table, noisy, synthetic_curves

import scalinglaws as sl

TIMEOUT = 300


def command() -> str:
    """The installed console script (the venv's bin first, then PATH)."""
    found = shutil.which("scalinglaws", path=str(Path(sys.executable).parent)) or shutil.which(
        "scalinglaws"
    )
    if found is None:
        pytest.fail("the scalinglaws command is not installed: pip install -e .")
    return found


def run(*args: str | Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``scalinglaws args``; check the exit code (0, or 2 with one error line)."""
    done = subprocess.run(
        [command(), *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert "Traceback" not in done.stderr, done.stderr
    if ok:
        assert done.returncode == 0, done.stderr
    else:
        assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
        assert done.stdout == ""
    return done


def csv(text: str) -> pd.DataFrame:
    """A CSV printed by the command (pandas 3 reads the printed floats back exactly)."""
    text_columns = {"model": str, "model_a": str, "model_b": str, "error": str}
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""],
                       dtype=text_columns)  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Curve CSVs: four curves without held-out points, and a pair with a planted crossover."""
    folder = tmp_path_factory.mktemp("cli")
    mine = folder / "mine.csv"
    curves_table(synthetic_curves()).to_csv(mine, index=False)
    x = np.geomspace(1e2, 1e4, 12)
    pair = {
        ("IC", "inet", "A"): (x, noisy(0.1 + 10 * x**-0.4, 0.003, seed=5)),
        ("IC", "inet", "B"): (x, noisy(0.1 + 2 * x**-0.25, 0.003, seed=6)),
        ("LM", "other", "C"): (X, 0.1 + 2 * X**-0.3),
    }
    crossing = folder / "crossing.csv"
    curves_table(pair).to_csv(crossing, index=False)
    broken = folder / "broken.csv"
    broken.write_text("Domain,Task,Model,Seen Examples,Training\nIC,t,m,1,1\n", encoding="utf-8")
    return {"mine": mine, "crossing": crossing, "broken": broken}


def test_version_and_help_of_every_subcommand() -> None:
    assert run("--version").stdout.strip() == f"scalinglaws {sl.__version__}"
    for sub in ("forecast", "compare", "fit"):
        assert f"usage: scalinglaws {sub}" in run(sub, "--help").stdout
    assert "forecast" in run("--help").stdout
    assert "required" in run(ok=False).stderr  # no subcommand: argparse's usage error, exit 2


def test_forecast_prints_the_api_table_and_plots_each_curve(
    files: dict[str, Path], tmp_path: Path
) -> None:
    done = run("forecast", files["mine"], "--at", "10", "100", "--level", "0.8",
               "--plot", tmp_path / "png")  # fmt: skip
    table = csv(done.stdout)
    assert list(table.columns) == sl.FORECAST_COLUMNS
    assert len(table) == 4 * 2 and set(table["status"]) == {"ok"}
    assert (table["y_lo"] <= table["y_pred"]).all() and (table["y_pred"] <= table["y_hi"]).all()
    expected = sl.forecast(files["mine"], at=(10, 100), level=0.8)
    for name in ("x", "y_pred", "y_lo", "y_hi", "gain"):
        assert np.array_equal(table[name].to_numpy(), expected[name].to_numpy()), name
    pngs = sorted((tmp_path / "png").glob("*.png"))
    assert len(pngs) == 4 and all(p.stat().st_size > 1000 for p in pngs)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", p.stem) for p in pngs)


def test_forecast_absolute_targets_and_its_errors(files: dict[str, Path]) -> None:
    table = csv(run("forecast", files["mine"], "--x", "1e7", "--estimator", "M2", "M4").stdout)
    assert set(table["x"]) == {1e7} and set(table["estimator"]) == {"M2", "M4"}
    missing = run("forecast", files["mine"].with_name("nope.csv"), ok=False)
    assert "scalinglaws: error:" in missing.stderr and "nope.csv: file not found" in missing.stderr
    broken = run("forecast", files["broken"], ok=False)
    assert "missing column 'Loss'" in broken.stderr
    assert "must lie in (0, 1)" in run("forecast", files["mine"], "--level", "1", ok=False).stderr


def test_compare_finds_the_planted_crossover(files: dict[str, Path]) -> None:
    done = run("compare", files["crossing"], "--task", "inet", "--models", "A", "B",
               "--at", "1", "100", "--estimator", "M2")  # fmt: skip
    table = csv(done.stdout)
    assert list(table.columns) == ["domain", "task", *sl.COMPARE_COLUMNS]
    assert table["better"].tolist() == ["B", "A"]
    assert table["crossover_x"].iloc[0] == pytest.approx(CROSSOVER, rel=0.1)
    swapped = csv(run("compare", files["crossing"], "--task", "inet", "--models", "B", "A",
                      "--at", "1", "100", "--estimator", "M2").stdout)  # fmt: skip
    assert swapped["model_a"].tolist() == ["B", "B"] and swapped["better"].tolist() == ["B", "A"]
    assert np.allclose(swapped["diff"], -table["diff"], rtol=1e-12)
    unknown = run("compare", files["crossing"], "--task", "inet", "--models", "A", "Z", ok=False)
    assert "task 'inet' has no model 'Z'; models: A, B" in unknown.stderr


def test_fit_prints_parameters_and_fit_quality(files: dict[str, Path], tmp_path: Path) -> None:
    done = run("fit", files["mine"], "--estimator", "M2", "--save", tmp_path / "fits")
    table = csv(done.stdout)
    assert table.columns.tolist()[:6] == ["domain", "task", "model", "estimator", "n_points",
                                          "log_rmse"]  # fmt: skip
    assert set(table["status"]) == {"ok"} and (table["n_points"] == X.size).all()
    assert (table["log_rmse"] < 0.02).all()
    assert set(json.loads(table["params"].iloc[0])) == {"beta", "c", "err_inf"}
    saved = sorted((tmp_path / "fits").glob("*.json"))
    assert len(saved) == 4 and sl.load(saved[0]).estimator == "M2"
    bad = run("fit", files["mine"], "--estimator", "M9", ok=False)
    assert "unknown estimator 'M9'; registered: M1" in bad.stderr


def test_config_sets_estimator_options_per_domain(files: dict[str, Path], tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "estimators:\n  M4:\n    options: {err_0: 1.0}\n"
        "    by_domain:\n      IC: {err_0: 1.0, up_bound: 1.0}\n"
        "uncertainty: {replicates: 50}\n",
        encoding="utf-8",
    )
    run("fit", files["mine"], "--estimator", "M4", "--config", config, "--save", tmp_path / "f")
    saved = [sl.load(path) for path in (tmp_path / "f").iterdir()]
    options = {fit.label.split(" / ")[0]: fit.options for fit in saved}
    assert options == {"IC": {"err_0": 1.0, "up_bound": 1.0}, "LM": {"err_0": 1.0}}
    config.write_text("estimators: {M4: {options: {nope: 1}}}\n", encoding="utf-8")
    bad = run("forecast", files["mine"], "--config", config, ok=False)
    assert "estimator 'M4' has no option(s) nope" in bad.stderr
