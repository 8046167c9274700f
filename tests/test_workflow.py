"""End-to-end tests of the Snakemake workflow on the tiny dataset in .test/.

Each test works in a temporary copy of .test/ and runs Snakemake through its command line, as a
user would (the Python API changes between Snakemake versions). The tiny dataset has 5 curves
in 2 domains; "LM / log_perplexity / too short" has only 2 fit points, so every estimator must
record it as failed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from workflow_helpers import DATASET, fresh_copy, run_ok, snakemake

from scalinglaws.fitting import PREDICTION_COLUMNS, SCORE_COLUMNS
from scalinglaws.forecasting import FORECAST_COLUMNS
from scalinglaws.rankings import RANKING_COLUMNS

SHORT_CURVE = ("LM", "log_perplexity", "too short")
TABLES = ["rankings.csv", "tables/rankings.md", "tables/rankings.tex"]


def planned_jobs(workdir: Path) -> list[tuple[str, str]]:
    """(rule, wildcards) of every job a dry run would execute, sorted."""
    output = run_ok(workdir, "--dry-run").stdout
    jobs, rule = [], None
    for line in output.splitlines():
        found = re.match(r"(?:local)?rule (\w+):$", line)
        if found:
            if rule is not None:
                jobs.append((rule, ""))
            rule = found.group(1)
        elif rule is not None and line.strip().startswith("wildcards:"):
            jobs.append((rule, line.split(":", 1)[1].strip()))
            rule = None
    if rule is not None:
        jobs.append((rule, ""))
    return sorted(jobs)


@pytest.fixture(scope="module")
def first_run(two_runs: tuple[Path, Path]) -> Path:
    """A completed cold run of the workflow on the tiny dataset."""
    return two_runs[0]


@pytest.fixture(scope="module")
def second_run(two_runs: tuple[Path, Path]) -> Path:
    """Another cold run, in its own directory."""
    return two_runs[1]


def results(workdir: Path) -> Path:
    return workdir / "results" / DATASET


def test_outputs_have_the_contract_columns(first_run: Path) -> None:
    out = results(first_run)
    scores = pd.read_csv(out / "scores.csv")
    predictions = pd.read_csv(out / "predictions.csv")
    rankings = pd.read_csv(out / "rankings.csv")
    assert list(scores.columns) == SCORE_COLUMNS
    assert list(predictions.columns) == PREDICTION_COLUMNS
    assert list(rankings.columns) == list(RANKING_COLUMNS)
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert list(forecasts.columns) == FORECAST_COLUMNS
    # every curve (the short one too: 4 points with its held-out ones) x estimator x scale
    assert len(forecasts) == 5 * 4 * 3 and (forecasts["status"] == "ok").all()
    assert len(scores) == 5 * 4  # every curve x every estimator
    assert set(scores["estimator"]) == {"M1", "M2", "M3", "M4"}
    assert set(rankings["domain"]) == {"IC", "LM"}
    assert set(predictions["region"]) == {"fit", "extrapolation"}
    for name in ("tables/rankings.md", "tables/rankings.tex"):
        assert "M4" in (out / name).read_text(encoding="utf-8")


def test_merged_outputs_are_sorted(first_run: Path) -> None:
    out = results(first_run)
    scores = pd.read_csv(out / "scores.csv", dtype=str, keep_default_na=False)
    key = ["domain", "task", "model", "estimator"]
    assert scores[key].values.tolist() == sorted(scores[key].values.tolist())
    predictions = pd.read_csv(out / "predictions.csv", dtype={c: str for c in key})
    order = [(*row[:-1], float(row[-1])) for row in predictions[[*key, "region", "x"]].values]
    assert order == sorted(order)


def test_a_curve_with_two_fit_points_is_failed_with_its_reason(first_run: Path) -> None:
    scores = pd.read_csv(results(first_run) / "scores.csv", keep_default_na=False)
    short = scores[scores[["domain", "task", "model"]].apply(tuple, axis=1) == SHORT_CURVE]
    assert sorted(short["estimator"]) == ["M1", "M2", "M3", "M4"]
    assert (short["status"] == "failed").all()
    assert short["error"].str.contains("fit points").all()
    others = scores.drop(short.index)
    assert (others["status"] == "ok").all()
    rankings = pd.read_csv(results(first_run) / "rankings.csv")
    assert (rankings.loc[rankings["domain"] == "LM", "n_failed"] == 1).all()


def test_two_runs_give_byte_identical_rankings_and_tables(
    first_run: Path, second_run: Path
) -> None:
    for name in TABLES:
        first = (results(first_run) / name).read_bytes()
        assert first == (results(second_run) / name).read_bytes(), name
    first, second = (pd.read_csv(results(d) / "scores.csv") for d in (first_run, second_run))
    pd.testing.assert_frame_equal(
        first.drop(columns="fit_seconds"), second.drop(columns="fit_seconds")
    )


def test_changing_one_curve_reruns_only_its_batch(second_run: Path) -> None:
    assert planned_jobs(second_run) == [], "a finished workflow has nothing left to do"
    data = second_run / "data" / "language.csv"
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("LM,log_perplexity,1.7B,"))
    fields = lines[row].split(",")
    fields[4] = repr(float(fields[4]) * 1.01)
    lines[row] = ",".join(fields)
    data.write_text("".join(lines), encoding="utf-8")
    jobs = planned_jobs(second_run)
    fits = [wildcards for rule, wildcards in jobs if rule == "fit"]
    assert len(fits) == 1, jobs
    # Everything downstream of the data reruns (figures and paper tables included), but no
    # other batch is refitted.
    assert {"all", "ingest", "merge", "rankings"} <= {rule for rule, _ in jobs}, jobs
    # The batch's other per-curve jobs rerun with it, no other batch's.
    for rule in ("batch_figures",):
        assert [w for r, w in jobs if r == rule] == fits, jobs


def test_bad_input_gives_a_clean_error(tmp_path_factory: pytest.TempPathFactory) -> None:
    workdir = fresh_copy(tmp_path_factory, "bad")
    data = workdir / "data" / "vision.csv"
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[3].split(",")
    fields[4] = "abc"
    lines[3] = ",".join(fields)
    data.write_text("".join(lines), encoding="utf-8")
    done = snakemake(workdir, "--dry-run")
    assert done.returncode != 0
    message = done.stdout + done.stderr
    assert "data/vision.csv, row 4, column 'Loss'" in message, message
    assert "not a number" in message, message
    assert "Traceback" not in message and 'File "' not in message, message


def test_stored_plan_is_used_only_while_it_is_valid(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    workdir = fresh_copy(tmp_path_factory, "plan")
    plan = results(workdir) / "batches" / "plan.json"
    jobs = planned_jobs(workdir)
    stored = json.loads(plan.read_text(encoding="utf-8"))
    assert stored["n_curves"] == 5 and len(stored["key"]) == 64
    assert sum(len(b["curves"]) for b in stored["batches"].values()) == 5
    # Unchanged inputs: the plan is read, not written again, and gives the same jobs.
    written = plan.stat().st_mtime_ns
    assert planned_jobs(workdir) == jobs and plan.stat().st_mtime_ns == written
    # A damaged plan is ignored and replaced, also one with the right key.
    for damaged in ("{not json", json.dumps({"key": stored["key"], "batches": {"0": 1}})):
        plan.write_text(damaged, encoding="utf-8")
        assert planned_jobs(workdir) == jobs
        assert json.loads(plan.read_text(encoding="utf-8")) == stored
    # A batch input deleted behind the plan's back is written again.
    batch_input = next(plan.parent.glob("*/curves.csv"))
    batch_input.unlink()
    planned_jobs(workdir)
    assert batch_input.is_file()
    # Bad input behind a stored plan still stops the run with its located message.
    data = workdir / "data" / "vision.csv"
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = ",".join([*lines[3].split(",")[:4], "abc", *lines[3].split(",")[5:]])
    data.write_text("".join(lines), encoding="utf-8")
    done = snakemake(workdir, "--dry-run")
    assert done.returncode != 0
    assert "data/vision.csv, row 4, column 'Loss'" in done.stdout + done.stderr


def test_lint_is_clean(tmp_path_factory: pytest.TempPathFactory) -> None:
    workdir = fresh_copy(tmp_path_factory, "lint")
    done = snakemake(workdir, "--lint")
    assert done.returncode == 0, done.stdout + done.stderr
