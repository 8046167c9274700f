"""Rules synthetic (Figure 2) and fixed_exponent (Figure 3) on the tiny .test configuration.

The tiny dataset lacks the ViT/B/16 inet_10 curve, so Figure 3 must become a logged
"not applicable" note with a header-only CSV; Figure 2 runs on the tiny synthetic config.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from workflow_helpers import fresh_copy, run_ok

from scalinglaws.paper.fixed_exponent import SWEEP_COLUMNS
from scalinglaws.paper.synthetic import CURVE_CSV_COLUMNS

TARGETS = [
    "results/synthetic/figures/fig2_synthetic.png",
    "results/synthetic/tables/fig2_exponents.md",
    "results/tiny/figures/fig3_fixed_exponent.png",
    "results/tiny/tables/fig3_fixed_exponent.csv",
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = fresh_copy(tmp_path_factory, "figure_rules")
    run_ok(workdir, "--cores", "2", *TARGETS)
    return workdir


def test_synthetic_rule_writes_figure_curve_and_exponents(workdir: Path) -> None:
    out = workdir / "results" / "synthetic"
    for name in ("fig2_synthetic.png", "fig2_synthetic.pdf"):
        assert (out / "figures" / name).stat().st_size > 10_000
    assert (out / "figures" / "fig2_synthetic.png").read_bytes().startswith(PNG_MAGIC)
    curve = pd.read_csv(out / "curve.csv")
    assert list(curve.columns) == CURVE_CSV_COLUMNS and len(curve) == 12
    exponents = pd.read_csv(out / "tables" / "fig2_exponents.csv")
    assert sorted(set(exponents["cutoff"])) == [0, 100]
    assert set(exponents["estimator"]) == {"M1", "M2", "M3", "M4"}
    assert (exponents["status"] == "ok").all() and (exponents["c"] < 0).all()


def test_fig3_is_a_logged_note_without_its_curve(workdir: Path) -> None:
    png = workdir / "results" / "tiny" / "figures" / "fig3_fixed_exponent.png"
    assert png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 1_000
    table = pd.read_csv(workdir / "results" / "tiny" / "tables" / "fig3_fixed_exponent.csv")
    assert list(table.columns) == SWEEP_COLUMNS and table.empty
    log = (workdir / "logs" / "tiny" / "figures" / "fig3_fixed_exponent.log").read_text()
    assert "not applicable" in log and "ViT/B/16" in log


def test_rerun_is_byte_identical(workdir: Path) -> None:
    files = ["results/synthetic/curve.csv", "results/synthetic/figures/fig2_synthetic.png"]
    files += ["results/synthetic/figures/fig2_synthetic.pdf", TARGETS[1]]
    before = {name: (workdir / name).read_bytes() for name in files}
    run_ok(workdir, "--cores", "1", "--forcerun", "synthetic", "--", TARGETS[0])
    assert {name: (workdir / name).read_bytes() for name in files} == before
