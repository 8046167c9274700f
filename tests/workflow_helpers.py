"""Helpers shared by the tests that run the Snakemake workflow on the tiny dataset in .test/,
and by those that load a script of benchmarks/ (:func:`benchmark_module`).

They run Snakemake through its command line, as a user would (the Python API changes between
Snakemake versions), each in a temporary copy of .test/.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_DIR = REPO / ".test"
DATASET = "tiny"
TIMEOUT = 300


def command(workdir: Path, *args: str) -> list[str]:
    """The command line running the repository's workflow in ``workdir``, without profile."""
    return [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir),
        "--workflow-profile", "none",
        *args,
    ]  # fmt: skip


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the workflow in ``workdir`` and wait for it."""
    return subprocess.run(
        command(workdir, *args), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def run_ok(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Snakemake and fail the test with its output when it fails."""
    done = snakemake(workdir, *args)
    assert done.returncode == 0, f"snakemake {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def fresh_copy(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A copy of .test/ holding only its inputs (no results, logs or .snakemake)."""
    workdir = tmp_path_factory.mktemp(name)
    shutil.copy2(TEST_DIR / "config.yaml", workdir / "config.yaml")
    shutil.copytree(TEST_DIR / "data", workdir / "data")
    return workdir


def benchmark_module(name: str) -> ModuleType:
    """A script of benchmarks/ loaded as a module (its directory on sys.path for its imports,
    e.g. _harness)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)
