"""Software deployment: every rule that runs code names a conda env, pinned as pyproject.toml is.

`snakemake --sdm conda` then builds the same versions the package installs with pip.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from test_report import load_workflow
from workflow_helpers import REPO, fresh_copy

# conda-forge names of the packages whose pip name differs (the -base variants have no GUI).
CONDA_TO_PIP = {"matplotlib-base": "matplotlib", "seaborn-base": "seaborn"}


def pip_pins() -> dict[str, str]:
    """Package -> version of the `==` pins of pyproject.toml's dependencies."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = (re.fullmatch(r"([\w.-]+)==([\w.]+)", d) for d in project["dependencies"])
    return {found.group(1).lower(): found.group(2) for found in pins if found}


def conda_pins(env: Path) -> dict[str, str]:
    """Package (pip name) -> version of a conda env file; every entry must be pinned."""
    pins = {}
    for entry in yaml.safe_load(env.read_text(encoding="utf-8"))["dependencies"]:
        found = re.fullmatch(r"([\w.-]+)\s*=+\s*([\w.]+)", entry)
        assert found, f"{env.name}: {entry!r} has no pinned version"
        name = found.group(1).lower()
        pins[CONDA_TO_PIP.get(name, name)] = found.group(2)
    return pins


def test_every_rule_with_code_has_a_pinned_conda_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow = load_workflow(fresh_copy(tmp_path_factory, "envs"), monkeypatch)
    with_code = [rule for rule in workflow.rules if not rule.norun]
    assert with_code
    pip = pip_pins()
    for rule in with_code:
        assert rule.conda_env, f"rule {rule.name} has no conda: env"
        env = Path(str(rule.conda_env))  # relative to the file declaring the rule
        env = env if env.is_absolute() else Path(str(rule.snakefile)).parent / env
        for name, version in conda_pins(env).items():
            if name == "python":
                continue
            assert pip.get(name) == version, f"{env.name}: {name} {version} vs pyproject {pip}"
