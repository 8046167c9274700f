"""The self-contained HTML report (`snakemake --report`) of a run on the tiny dataset in .test/.

The outputs marked `report(...)` are read from the workflow itself (Snakemake's API), matched
against the files of a completed run, and each must be embedded in the report with its exact
bytes (a base64 data URI), so a new report() output or a file dropped from the report fails.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from snakemake.api import SnakemakeApi
from snakemake.io import regex_from_filepattern
from snakemake.settings.types import OutputSettings, ResourceSettings
from snakemake.workflow import Workflow
from workflow_helpers import REPO, run_ok

# One entry of the report's data: "path": {"name": ..., ..., "data_uri": "data:...;base64,..."}
ENTRY = re.compile(r'"(results/[^"]+)": \{"name": ')
DATA_URI = re.compile(r'"data_uri": "data:[^"]*?;base64,([A-Za-z0-9+/=]*)"')


@pytest.fixture(scope="module")
def run_with_report(two_runs: tuple[Path, Path]) -> Path:
    """A completed run on the tiny dataset (the workflow tests' first), then its report in
    results/report.html."""
    workdir = two_runs[0]
    run_ok(workdir, "--report", "results/report.html")
    return workdir


def load_workflow(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Workflow:
    """The parsed workflow (its rules) with ``workdir`` as working directory."""
    monkeypatch.chdir(workdir)  # Snakemake changes into the workdir; undone after the test
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        return api.workflow(
            resource_settings=ResourceSettings(), snakefile=REPO / "Snakefile", workdir=workdir
        )._workflow


def report_patterns(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[re.Pattern]]:
    """Rule name -> regexes of its outputs marked report(...), as the workflow declares them.

    A directory output with `patterns` yields one regex per pattern, for files inside it.
    """
    patterns: dict[str, list[re.Pattern]] = {}
    for rule in load_workflow(workdir, monkeypatch).rules:
        for output in rule.output:
            flag = output.flags.get("report")
            if not flag:
                continue
            files = [f"{output}/{p}" for p in flag.patterns] if flag.patterns else [output]
            patterns[rule.name] = [
                *patterns.get(rule.name, []),
                *(re.compile(regex_from_filepattern(f)) for f in files),
            ]
    return patterns


def embedded_files(html: str) -> dict[str, bytes]:
    """Path -> decoded content of every file embedded in a Snakemake HTML report."""
    starts = [(m.start(), m.group(1)) for m in ENTRY.finditer(html)]
    files = {}
    for (start, path), (end, _) in zip(starts, [*starts[1:], (len(html), "")], strict=True):
        found = DATA_URI.search(html, start, end)
        assert found, f"{path}: no embedded data in the report"
        files[path] = base64.b64decode(found.group(1))
    return files


def test_report_embeds_every_report_output(
    run_with_report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = run_with_report
    report = workdir / "results" / "report.html"
    html = report.read_text(encoding="utf-8")
    assert '<script src="http' not in html, "the report loads scripts from the internet"
    produced = sorted(
        p.relative_to(workdir).as_posix() for p in (workdir / "results").rglob("*") if p.is_file()
    )
    expected = set()
    for rule, regexes in report_patterns(workdir, monkeypatch).items():
        matched = {path for path in produced if any(r.match(path) for r in regexes)}
        assert matched, f"rule {rule}: none of its report() outputs was produced"
        expected |= matched
    embedded = embedded_files(html)
    assert sorted(embedded) == sorted(expected)
    for path, content in embedded.items():
        assert content == (workdir / path).read_bytes(), f"{path}: embedded bytes differ"
    # Every figure and table kind of the workflow is there.
    assert {Path(p).suffix for p in expected} == {".png", ".csv", ".md", ".tex"}
