"""A user's dataset through the workflow: curves with no Training = 0 point, not the paper's.

Four synthetic curves (two domains, 8 points each, all Training = 1) and two estimators: every
fit is unscored (not failed), every curve is forecast with y_lo <= y_pred <= y_hi, the
rankings say that no curve was scored, the paper's figures and tables are not made, and the
run ends with its summary.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from workflow_helpers import run_ok

from scalinglaws.forecasting import FORECAST_COLUMNS

DATASET = "mine"
LAWS = {  # (domain, task, model): (ε∞, β, c) of y = ε∞ + β x^-c
    ("IC", "cls", "small"): (0.2, 3.0, 0.25),
    ("IC", "cls", "large"): (0.1, 2.5, 0.3),
    ("LM", "lm", "A"): (1.5, 8.0, 0.2),
    ("LM", "lm", "B"): (1.2, 9.0, 0.22),
}
ESTIMATORS = ["M2", "M4"]
SCALES = [2, 10, 100]
CONFIG = f"""\
datasets:
  {DATASET}: {{path: "data/mine.csv"}}
estimators:
  M2: {{}}
  M4: {{}}
forecast:
  scales: {SCALES}
  x: [3.0e+8]
fit:
  batches: 2
synthetic:
  enabled: false
"""


def write_dataset(workdir: Path) -> None:
    """The curves of LAWS, slightly noisy, all Training = 1."""
    rng = np.random.default_rng(0)
    rows = ["Domain,Task,Model,Seen Examples,Loss,Training"]
    for (domain, task, model), (e_inf, beta, c) in LAWS.items():
        for x in np.geomspace(1e4, 1e7, 8):
            y = (e_inf + beta * x**-c) * np.exp(rng.normal(0.0, 0.005))
            rows.append(f"{domain},{task},{model},{x:.6g},{y:.6g},1")
    (workdir / "data").mkdir()
    (workdir / "data" / "mine.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (workdir / "config.yaml").write_text(CONFIG, encoding="utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The workflow's output folder of the dataset and its console output."""
    workdir = tmp_path_factory.mktemp("unscored")
    write_dataset(workdir)
    done = run_ok(workdir, "--cores", "2")
    return workdir / "results" / DATASET, done.stdout + done.stderr


def test_every_fit_is_unscored_not_failed(run: tuple[Path, str]) -> None:
    scores = pd.read_csv(run[0] / "scores.csv", keep_default_na=False)
    assert len(scores) == len(LAWS) * len(ESTIMATORS)
    assert (scores["status"] == "unscored").all(), scores[["model", "estimator", "error"]]
    assert (scores["rmse"] == "").all() and (scores["params"] != "{}").all()
    predictions = pd.read_csv(run[0] / "predictions.csv")
    assert set(predictions["region"]) == {"fit"}
    assert len(predictions) == len(LAWS) * len(ESTIMATORS) * 8
    assert (predictions["y_lo"] <= predictions["y_pred"]).all()
    assert (predictions["y_pred"] <= predictions["y_hi"]).all()


def test_every_curve_and_estimator_is_forecast_inside_its_band(run: tuple[Path, str]) -> None:
    forecasts = pd.read_csv(run[0] / "forecasts.csv", keep_default_na=False)
    assert list(forecasts.columns) == FORECAST_COLUMNS
    assert (forecasts["status"] == "ok").all(), forecasts[forecasts["status"] != "ok"]
    per_curve = forecasts.groupby(["domain", "task", "model", "estimator"]).size()
    assert len(per_curve) == len(LAWS) * len(ESTIMATORS)
    assert (per_curve == len(SCALES) + 1).all()  # the scales and the absolute x
    numbers = forecasts[["y_lo", "y_pred", "y_hi"]].astype(float)
    assert (numbers["y_lo"] <= numbers["y_pred"]).all()
    assert (numbers["y_pred"] <= numbers["y_hi"]).all()
    assert (numbers["y_lo"] < numbers["y_hi"]).all()
    assert (forecasts["level"].astype(float) == 0.8).all()  # uncertainty.level by default
    scales = forecasts[forecasts["x"].astype(float) != 3e8]["scale"].astype(float)
    assert sorted(set(scales)) == SCALES


def test_rankings_say_no_curve_was_scored(run: tuple[Path, str]) -> None:
    rankings = pd.read_csv(run[0] / "rankings.csv")
    assert (rankings["n_curves"] == 0).all() and (rankings["n_unscored"] == 2).all()
    assert rankings["win_fraction"].isna().all()
    for name in ("md", "tex"):
        text = (run[0] / "tables" / f"rankings.{name}").read_text(encoding="utf-8")
        assert text.startswith("No scored curve: none of the 4 curves"), text


def test_a_user_dataset_gets_no_paper_outputs(run: tuple[Path, str]) -> None:
    out = run[0]
    for name in ("calibration.csv", "comparisons.csv", "tables/comparison_flips.md"):
        assert (out / name).is_file(), name
    assert len(list((out / "figures" / "curves").glob("*/*.png"))) == len(LAWS)
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert set(comparisons["model_a"]) == {"large", "A"}  # one pair per task, unscored fits
    assert not (out / "protocols").exists()
    assert not list((out / "tables").glob("table*")) and not (out / "tables" / "ic.md").exists()
    assert not list((out / "figures").glob("fig*"))


def test_the_run_ends_with_a_summary(run: tuple[Path, str]) -> None:
    output = run[1]
    assert "Results in results/<dataset>/" in output
    assert "IC: no scored curve (2 unscored)" in output
    assert f"{len(LAWS) * len(ESTIMATORS) * 4} forecasts (32 ok)" in output
