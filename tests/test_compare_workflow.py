"""Workflow test of the comparisons and joint_law rules on .test/ plus a small L(N, D) dataset.

The tiny dataset's LM model names include "too short", so its L(N, D) fit must be recorded as
failed (naming the column) while the rest of the run completes; the synthetic "sizes" dataset
(three model sizes) must fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from workflow_helpers import fresh_copy, run_ok

TARGETS = [
    "results/tiny/comparisons.csv",
    "results/tiny/tables/comparison_flips.md",
    "results/tiny/joint_law/params.csv",
    "results/sizes/joint_law/params.csv",
    "results/sizes/joint_law/compute_optimal.csv",
    "results/sizes/figures/joint_law_contours.png",
]
# The tiny dataset's two batches (.test/config.yaml: fit.batches: 2) each draw their tasks.
COMPARISON_FIGURES = [f"results/tiny/figures/comparisons/{batch}" for batch in "01"]


def sizes_csv() -> pd.DataFrame:
    """L = 1.5 + 300/N^0.3 + 200/D^0.3 for N = 10M, 100M, 1B at 8 data sizes each."""
    rows = []
    for model, n in (("10M", 1e7), ("100M", 1e8), ("1B", 1e9)):
        for k, d in enumerate(np.geomspace(1e8, 1e11, 8)):
            loss = 1.5 + 300 / n**0.3 + 200 / d**0.3
            rows.append(("LM", "loss", model, d, loss, int(k < 6)))
    columns = ["Domain", "Task", "Model", "Seen Examples", "Loss", "Training"]
    return pd.DataFrame(rows, columns=columns)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = fresh_copy(tmp_path_factory, "compare")
    (work / "sizes").mkdir()
    sizes_csv().to_csv(work / "sizes" / "sizes.csv", index=False)
    config = yaml.safe_load((work / "config.yaml").read_text())
    config["datasets"]["sizes"] = {"path": "sizes/sizes.csv"}
    config["comparisons"] = {"replicates": 10}
    spec = {"domain": "LM", "n_column": "Model"}
    config["joint_law"] = {"datasets": {"tiny": spec, "sizes": spec}, "replicates": 5}
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    run_ok(work, "--cores", "2", *TARGETS, *COMPARISON_FIGURES)
    return work


def test_comparisons_outputs(workdir):
    table = pd.read_csv(workdir / "results/tiny/comparisons.csv")
    assert len(table) == 3  # one LM pair (0.7B, 1.7B) × 3 scales; IC tasks have one model
    assert set(table["better"]) == {"1.7B"}
    assert table["confirmed"].astype(bool).all()
    notes = (workdir / "results/tiny/tables/comparison_flips.md").read_text()
    assert "one model only" in notes and "too short" in notes
    folder = workdir / "results/tiny/figures/comparisons"
    figures = sorted(p.name for p in folder.glob("*/*.p*"))
    assert figures == ["LM_log_perplexity.png"]  # config figures.formats.comparisons: [png]


def test_joint_law_failure_is_recorded(workdir):
    params = pd.read_csv(workdir / "results/tiny/joint_law/params.csv", keep_default_na=False)
    assert list(params["status"]) == ["failed"]
    assert "column 'Model'" in params["error"][0] and "too short" in params["error"][0]


def test_joint_law_fits_sizes(workdir):
    params = pd.read_csv(workdir / "results/sizes/joint_law/params.csv").set_index("parameter")
    assert (params["status"] == "ok").all()
    assert params.loc["alpha", "estimate"] == pytest.approx(0.3, rel=0.05)
    assert params.loc["holdout_log_rmse", "estimate"] < 1e-3
    optimal = pd.read_csv(workdir / "results/sizes/joint_law/compute_optimal.csv")
    assert len(optimal) > 0 and (np.diff(optimal["n_opt"]) > 0).all()
