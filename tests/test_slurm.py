"""The workflow on a real SLURM cluster: a single node on localhost (.ci/slurm-cluster).

Runs the tiny dataset of .test/ through `--executor slurm --profile profiles/slurm` and compares
every result file with a local run, byte for byte (scores.csv: every column but fit_seconds,
the CPU time). Then a fit job given too little memory is killed by SLURM: the run must fail
naming the job's SLURM log, keep what finished, and `--rerun-incomplete` must complete it.
Skipped when the SLURM and munge programs (Debian: slurm-wlm, munge), the executor plugin or
root rights (slurmd starts jobs as their submitter) are missing.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from workflow_helpers import DATASET, REPO, command, fresh_copy

SCRIPT = REPO / ".ci" / "slurm-cluster"
PROFILE = REPO / "profiles" / "slurm"
# Every table and CSV; not the figures: they are local rules, so they would run the same way
# as in a local run and add only time.
TARGETS = [
    f"results/{DATASET}/{name}"
    for name in ("curves.csv", "tables/rankings.md", "tables/rankings.tex", "tables/table1.md")
]
# Quick status checks for a cluster whose jobs start at once; squeue for want of sacct. A group
# job asks for the cores of its jobs that can run in parallel, at most --cores: the node's.
SLURM_ARGS = [
    "--executor", "slurm",
    "--profile", str(PROFILE),
    "--cores", str(len(os.sched_getaffinity(0))),  # as `nproc` in .ci/slurm-cluster
    "--slurm-status-command", "squeue",
    "--slurm-no-account",
    "--slurm-init-seconds-before-status-checks", "1",
    "--seconds-between-status-checks", "2",
]  # fmt: skip
TIMEOUT = 600
NOT_OURS = 4  # exit status of `.ci/slurm-cluster start` when /etc/slurm/slurm.conf is foreign


def missing_requirement() -> str | None:
    """Why a SLURM cluster cannot be started here, or None."""
    if os.geteuid() != 0:
        return "needs root: slurmd starts jobs as their submitter"
    for program in ("sbatch", "squeue", "sinfo", "scancel", "srun"):
        if shutil.which(program) is None:
            return f"{program} not found (Debian: apt-get install slurm-wlm munge)"
    for daemon in ("munged", "slurmctld", "slurmd"):
        if shutil.which(daemon) is None and not Path("/usr/sbin", daemon).exists():
            return f"{daemon} not found (Debian: apt-get install slurm-wlm munge)"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return 'snakemake-executor-plugin-slurm not installed (pip install -e ".[slurm]")'
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A running single-node cluster; yields the environment its client commands need."""
    reason = missing_requirement()
    if reason:
        pytest.skip(f"no SLURM cluster: {reason}")
    directory = tmp_path_factory.mktemp("slurm")
    try:
        started = subprocess.run(
            [str(SCRIPT), "start", str(directory)],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        if started.returncode == NOT_OURS:
            pytest.skip(f"no SLURM cluster: {started.stderr.strip()}")
        assert started.returncode == 0, f"cluster start failed:\n{started.stdout}{started.stderr}"
        yield {**os.environ, "SLURM_CONF": str(directory / "slurm.conf")}
    finally:
        subprocess.run(
            [str(SCRIPT), "stop", str(directory)], capture_output=True, timeout=120, check=False
        )


def run(workdir: Path, env: dict[str, str] | None, *args: str) -> subprocess.CompletedProcess:
    """Snakemake on the tiny dataset in ``workdir`` (no workflow profile).

    Targets go first: options such as --set-resources take every value that follows them.
    """
    return subprocess.run(
        command(workdir, *args),
        capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False,
    )  # fmt: skip


def succeeded(done: subprocess.CompletedProcess) -> bool:
    """Whether a run succeeded; prints its output otherwise (shown by pytest on failure)."""
    if done.returncode != 0:
        print(done.stdout, done.stderr)
    return done.returncode == 0


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tables of the tiny dataset computed locally."""
    workdir = fresh_copy(tmp_path_factory, "local")
    assert succeeded(run(workdir, None, *TARGETS, "--cores", "2"))
    return workdir


def result_files(workdir: Path) -> dict[str, Path]:
    """Relative path -> file, for every file under results/."""
    root = workdir / "results"
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def comparable(path: Path) -> bytes | list[list[str]]:
    """A result file as it must be equal between runs: its bytes; for scores, every cell but
    the CPU time (fit_seconds) as text."""
    if path.suffix == ".parquet":  # batch files: every value but fit_seconds
        frame = pd.read_parquet(path)
        return frame.drop(columns="fit_seconds", errors="ignore").to_csv(index=False).encode()
    if path.name != "scores.csv":
        return path.read_bytes()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    drop = rows[0].index("fit_seconds")
    return [row[:drop] + row[drop + 1 :] for row in rows]


def assert_same_results(workdir: Path, reference: Path) -> None:
    files, expected = result_files(workdir), result_files(reference)
    assert sorted(files) == sorted(expected)
    for name, path in files.items():
        assert comparable(path) == comparable(expected[name]), f"{name} differs"


def submissions(output: str) -> list[str]:
    """SLURM job ids of the jobs a run submitted (from its log)."""
    return re.findall(r"submitted with SLURM jobid (\d+)", output)


def test_slurm_run_equals_local_run(
    cluster: dict[str, str], local_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    workdir = fresh_copy(tmp_path_factory, "slurm_run")
    done = run(workdir, cluster, *TARGETS, *SLURM_ARGS)
    assert succeeded(done)
    # The tiny dataset's 2 fit batches are one group of the profile: one submission.
    assert len(submissions(done.stdout + done.stderr)) == 1
    assert_same_results(workdir, local_run)


def test_failed_slurm_job_is_reported_and_rerun_completes(
    cluster: dict[str, str], local_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    workdir = fresh_copy(tmp_path_factory, "slurm_fail")
    starved = run(workdir, cluster, *TARGETS, *SLURM_ARGS, "--set-resources", "fit:mem_mb=20")
    output = starved.stdout + starved.stderr
    assert starved.returncode != 0, output
    assert "Error in rule fit" in output, output
    logs = re.findall(r"log: (\S+/slurm_logs/\S+\.log)", output)
    assert logs, f"no SLURM log named:\n{output}"
    assert any("memory" in Path(log).read_text(encoding="utf-8") for log in logs), logs
    assert not (workdir / "results" / DATASET / "scores.csv").exists()
    # The job that finished (the local ingest of the curves) is kept: the rerun only redoes
    # the fits and what depends on them.
    curves = workdir / "results" / DATASET / "curves.csv"
    kept = curves.stat().st_mtime_ns
    rerun = run(workdir, cluster, *TARGETS, *SLURM_ARGS, "--rerun-incomplete")
    assert succeeded(rerun)
    assert curves.stat().st_mtime_ns == kept
    assert_same_results(workdir, local_run)
