"""Fixtures shared by several test modules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from workflow_helpers import TIMEOUT, command, fresh_copy


@pytest.fixture(scope="session")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two cold runs of the workflow on the tiny dataset, in two directories, side by side."""
    workdirs = (fresh_copy(tmp_path_factory, "first"), fresh_copy(tmp_path_factory, "second"))
    runs = [
        subprocess.Popen(
            command(workdir, "--cores", "2"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for workdir in workdirs
    ]
    for run in runs:
        stdout, stderr = run.communicate(timeout=TIMEOUT)
        assert run.returncode == 0, f"snakemake failed:\n{stdout}\n{stderr}"
    return workdirs
