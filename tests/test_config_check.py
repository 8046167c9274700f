"""Config values that break the schema stop the run with one short, located message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from workflow_helpers import REPO, fresh_copy, snakemake

from scalinglaws.config_check import config_problem

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())


def with_override(**sections: object) -> dict:
    return {**CONFIG, **sections}


def test_shipped_config_is_valid() -> None:
    assert config_problem(CONFIG, SCHEMA) is None


def test_misspelt_top_level_key_names_the_closest_key() -> None:
    problem = config_problem(with_override(uncertainity={"level": 0.8}), SCHEMA)
    assert problem is not None
    assert problem.startswith("config key (top level): unknown key 'uncertainity'")
    assert "did you mean 'uncertainty'?" in problem


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"fit": {"batches": -3}}, "config key fit → batches: -3 is less than the minimum of 1"),
        ({"uncertainty": {"level": "abc"}}, "config key uncertainty → level: 'abc' is not of"),
        ({"rankings": {"decimals": 3, "credit": "most"}}, "config key rankings → credit: 'most'"),
    ],
)
def test_bad_values_name_key_value_and_rule(override: dict, expected: str) -> None:
    problem = config_problem(with_override(**override), SCHEMA)
    assert problem is not None and problem.startswith(expected), problem
    assert len(problem) <= 400


def test_workflow_prints_one_screen(tmp_path_factory: pytest.TempPathFactory) -> None:
    workdir = fresh_copy(tmp_path_factory, "badconfig")
    bad = Path(workdir) / "bad.yaml"
    bad.write_text("uncertainity: {level: 0.8}\n")
    done = snakemake(workdir, "-n", f"--configfile={bad}")
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "unknown key 'uncertainity' (did you mean 'uncertainty'?)" in output
    assert "Traceback" not in output
    assert len(output.splitlines()) <= 15, output
