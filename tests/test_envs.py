"""Software deployment: every rule that runs code names a conda env pinned as envs/constraints.txt.

`snakemake --sdm conda` then builds the same versions that CI installs with pip
(`pip install -c envs/constraints.txt -e ".[test]"`); pyproject.toml states compatible ranges
that the pinned versions satisfy.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from test_report import load_workflow
from workflow_helpers import REPO, fresh_copy

# conda-forge names of the packages whose pip name differs (the -base variants have no GUI).
CONDA_TO_PIP = {"matplotlib-base": "matplotlib", "seaborn-base": "seaborn"}


CONSTRAINTS = REPO / "envs" / "constraints.txt"


def pip_pins() -> dict[str, str]:
    """Package -> version of the `==` pins of envs/constraints.txt (every line is one)."""
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            found = re.fullmatch(r"([\w.-]+)==([\w.]+)", line)
            assert found, f"constraints.txt: {line!r} is not an exact pin"
            pins[found.group(1).lower().replace("_", "-")] = found.group(2)
    return pins


def project_requirements() -> list[Requirement]:
    """pyproject.toml's dependencies and optional dependencies."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = [d for group in project["optional-dependencies"].values() for d in group]
    return [Requirement(d) for d in [*project["dependencies"], *extras]]


def test_pyproject_states_ranges_that_the_constraints_satisfy() -> None:
    pins = pip_pins()
    for requirement in project_requirements():
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in envs/constraints.txt"
        assert pins[name] in requirement.specifier, f"{name} {pins[name]} not in {requirement}"
        assert not any(spec.operator == "==" for spec in requirement.specifier), requirement
        assert any(spec.operator == "<" for spec in requirement.specifier), (
            f"{requirement}: state an upper bound (the next major release)"
        )


def test_ci_installs_with_the_constraints() -> None:
    assert 'pip install --quiet -c envs/constraints.txt -e ".[test]"' in (
        REPO / ".ci" / "run"
    ).read_text(encoding="utf-8")


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
            assert pip.get(name) == version, f"{env.name}: {name} {version} vs constraints {pip}"


def test_license_and_citation_match_the_project() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"
    licence = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(cff)
    assert cff["version"] == project["version"] and cff["license"] == project["license"]
    paper = cff["preferred-citation"]
    assert paper["title"] == "Revisiting Neural Scaling Laws in Language and Vision"
    assert [a["family-names"] for a in paper["authors"]] == ["Alabdulmohsin", "Neyshabur", "Zhai"]
    assert paper["year"] == 2022
    assert any("2209.06640" in str(i["value"]) for i in paper["identifiers"])
