"""The pure helpers of benchmarks/scale.py, benchmarks/regenerate.py and benchmarks/_harness.py.

No workflow runs here: the curve generator on the benchmark curves, the parser on a captured
piece of Snakemake 9 output, the process labels, the CSV edit and the batch comparison.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from workflow_helpers import benchmark_module

ROOT = Path(__file__).resolve().parents[1]
KEY = ["Domain", "Task", "Model"]


@pytest.fixture(scope="module")
def scale() -> ModuleType:
    return benchmark_module("scale")


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    return benchmark_module("_harness")


@pytest.fixture(scope="module")
def regenerate() -> ModuleType:
    return benchmark_module("regenerate")


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    files = sorted((ROOT / "data" / "benchmark").glob("*.csv"))
    return pd.concat([pd.read_csv(path) for path in files], ignore_index=True)


def _curves(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    return list(dict.fromkeys(map(tuple, frame[KEY].to_numpy().tolist())))


@pytest.mark.parametrize("n", [1, 50, 92, 200])
def test_generator_makes_n_curves_in_new_tasks(scale: ModuleType, base: pd.DataFrame, n: int):
    curves = scale.generate_curves(base, n)
    keys = _curves(curves)
    assert len(keys) == n
    assert all(task.rsplit(" r", 1)[1].isdigit() for _, task, _ in keys)
    base_tasks = set(base["Task"])
    assert not set(curves["Task"]) & base_tasks  # every curve moved to a new task
    assert {task.rsplit(" r", 1)[0] for task in curves["Task"]} <= base_tasks
    if n == 200:  # replicates 0, 1 whole, replicate 2 the first 16 curves
        replicate = curves["Task"].str.rsplit(" r", n=1).str[1].astype(int)
        assert replicate.value_counts().sort_index().index.tolist() == [0, 1, 2]
        assert curves.loc[replicate == 0, KEY].drop_duplicates().shape[0] == 92


def test_generator_keeps_points_and_bounds_the_jitter(scale: ModuleType, base: pd.DataFrame):
    curves = scale.generate_curves(base, 184, seed=0, sigma=0.003)
    assert len(curves) == 2 * len(base)
    originals = dict(list(base.groupby(KEY, sort=False)))
    log_ratios = []
    for (domain, task, model), curve in curves.groupby(KEY, sort=False):
        original = originals[(domain, task.rsplit(" r", 1)[0], model)]
        for column in ("Seen Examples", "Training"):
            assert np.array_equal(curve[column].to_numpy(), original[column].to_numpy())
        log_ratios.append(np.log(curve["Loss"].to_numpy() / original["Loss"].to_numpy()))
    log_ratio = np.concatenate(log_ratios)
    assert np.abs(log_ratio).max() <= scale.CLIP * 0.003 + 1e-12
    assert 0.0025 < log_ratio.std() < 0.0035  # jittered, by about sigma
    assert curves["Training"].dtype == base["Training"].dtype


def test_generator_is_seeded_and_prefix_stable(scale: ModuleType, base: pd.DataFrame):
    small, large = scale.generate_curves(base, 100), scale.generate_curves(base, 300)
    pd.testing.assert_frame_equal(small, large.iloc[: len(small)])
    assert not scale.generate_curves(base, 100, seed=1)["Loss"].equals(small["Loss"])
    task = large[["Domain", "Task"]]
    runs = task.ne(task.shift()).any(axis=1).sum()  # the models of a task are together
    assert runs == len(task.drop_duplicates())


def test_generator_keeps_repeated_points_equal(scale: ModuleType):
    base = pd.DataFrame(
        {
            "Domain": "D",
            "Task": "t",
            "Model": ["a", "a", "a", "b"],
            "Seen Examples": [1.0, 2.0, 1.0, 1.0],
            "Loss": [0.5, 0.4, 0.5, 0.5],
            "Training": [1, 1, 1, 0],
        }
    )
    curves = scale.generate_curves(base, 6, sigma=0.1)
    for _, curve in curves.groupby(KEY):
        assert curve.groupby("Seen Examples")["Loss"].nunique().max() == 1
    assert curves["Loss"].nunique() == 3 * 3  # a's two points and b's point, 3 replicates


def test_written_curves_are_valid_input(scale: ModuleType, base: pd.DataFrame, tmp_path: Path):
    from scalinglaws.curves import curves_from_table, read_tables

    files, rows = scale.write_curves(base, 200, tmp_path, seed=0, sigma=0.003)
    assert [f.name for f in files] == sorted(f"scale.{d}.csv" for d in base["Domain"].unique())
    written = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    assert len(written) == rows and len(_curves(written)) == 200
    assert len(curves_from_table(read_tables([str(f) for f in files]))) == 200
    config = scale.scale_config("data/scale/*.csv", "data/benchmark/*.csv")
    assert config["datasets"]["scale"] == {"path": "data/scale/*.csv", "paper": False}
    assert config["datasets"]["benchmark"]["enabled"] is False
    assert config["synthetic"] == {"enabled": False}


def test_process_labels(scale: ModuleType):
    script = "/tmp/w/.snakemake/scripts/tmp3wx4pp6o.fit.py"
    assert scale.process_label("python3", ["/venv/bin/python3", script]) == "fit.py"
    assert scale.process_label("bash", ["bash", "-c", f"set -e; python {script}"]) == "bash: fit.py"
    assert scale.process_label("python3", ["python3", "/venv/bin/snakemake", "-c2"]) == (
        "snakemake (subprocess)"
    )
    assert scale.process_label("gzip", ["gzip", "-9"]) == "gzip"


# A captured piece of a Snakemake 9.27 run (local jobs print as "localrule") and dry run.
RUN = """\
Building DAG of jobs...
Using shell: /usr/bin/bash
Provided cores: 2
Job stats:
job           count
----------  -------
all               1
fit               2
merge             1
total             4

Select jobs to execute...
Execute 2 jobs...

[Sun Dec  6 21:36:22 2026]
localrule fit:
    input: data/benchmark/benchmark.lang.csv, data/benchmark/benchmark.vision.csv
    output: results/benchmark/batches/6/scores.csv, results/benchmark/batches/6/predictions.csv
    log: logs/benchmark/fit/6.log
    jobid: 9
    reason: Params have changed since last execution
    wildcards: dataset=benchmark, batch=6
    resources: tmpdir=/tmp, mem_mb=1024, runtime=30
[Sun Dec  6 21:36:22 2026]
rule fit:
    output: results/benchmark/batches/NMT__6 Enc, 6 Dec/scores.csv
    jobid: 4
    wildcards: dataset=benchmark, batch=NMT__6 Enc, 6 Dec
    resources: tmpdir=/tmp
[Sun Dec  6 21:36:30 2026]
Finished jobid: 9 (Rule: fit)
1 of 4 steps (25%) done
Select jobs to execute...
[Sun Dec  6 21:36:40 2026]
localrule merge:
    input: results/benchmark/batches/6/scores.csv
    jobid: 2
    wildcards: dataset=benchmark
[Sun Dec  6 21:36:41 2026]
localrule fit:
    jobid: 9
    wildcards: dataset=benchmark, batch=6
[Sun Dec  6 21:36:50 2026]
localrule all:
    jobid: 0
    reason: Input files updated by another job: results/benchmark/scores.csv
    resources: tmpdir=/tmp
[Sun Dec  6 21:36:50 2026]
Finished jobid: 0 (Rule: all)
4 of 4 steps (100%) done
"""


def test_job_parser_on_snakemake_output(harness: ModuleType):
    jobs = harness.parse_jobs(RUN)
    assert [job.rule for job in jobs] == ["fit", "fit", "merge", "all"]  # job 9 once
    assert jobs[0].wildcards == (("dataset", "benchmark"), ("batch", "6"))
    assert jobs[1].wildcards == (("dataset", "benchmark"), ("batch", "NMT__6 Enc, 6 Dec"))
    assert jobs[3].wildcards == () and jobs[3].jobid == "0"
    assert harness.parse_job_stats(RUN) == {"all": 1, "fit": 2, "merge": 1, "total": 4}
    assert harness.job_count(RUN) == 4
    assert harness.steps_done(RUN) == (4, 4)
    assert [job.seconds for job in jobs] == [8, None, None, 0]  # start to "Finished jobid"
    common = harness.common_wildcards(jobs)
    assert common == (("dataset", "benchmark"),)
    assert harness.describe_jobs(jobs, common=common) == [
        "fit x2 (8 s): batch=6; batch=NMT__6 Enc, 6 Dec",
        "merge x1",
        "all x1 (0 s)",
    ]
    assert harness.describe_jobs(jobs[2:3]) == ["merge x1: dataset=benchmark"]
    assert harness.common_wildcards(jobs[:1]) == ()  # one job: its batch is no common ground
    nothing = "Building DAG of jobs...\nNothing to be done (all requested files are present).\n"
    assert harness.parse_jobs(nothing) == [] and harness.job_count(nothing) == 0


def test_edit_changes_one_loss_on_one_line(regenerate: ModuleType, tmp_path: Path):
    path = tmp_path / "a.csv"
    text = (
        "Domain,Task,Model,Seen Examples,Loss,Training\r\n"
        "IC,t,m,1.0,0.5,1\r\n"
        'NMT,log_perplexity,"6 Enc, 6 Dec",10.0,0.9,1\r\n'
        'NMT,log_perplexity,"6 Enc, 6 Dec",20.0,0.8,1\r\n'
        'NMT,log_perplexity,"6 Enc, 6 Dec",40.0,0.7,0\r\n'
        "NMT,other,m,10.0,0.9,1\r\n"
    )
    path.write_bytes(text.encode())
    edit = regenerate.find_point([path], "NMT", None, None, -1)
    assert (edit.line, edit.model, edit.x, edit.old) == (3, "6 Enc, 6 Dec", "20.0", "0.8")
    done = regenerate.apply_edit(edit, 1.001)
    lines, new = text.splitlines(True), path.read_bytes().decode().splitlines(True)
    assert [i for i, (a, b) in enumerate(zip(lines, new, strict=True)) if a != b] == [3]
    assert new[3] == f'NMT,log_perplexity,"6 Enc, 6 Dec",20.0,{0.8 * 1.001!r},1\r\n'
    assert done.new == repr(0.8 * 1.001)
    with pytest.raises(regenerate.h.BenchmarkError, match="--row 5"):
        regenerate.find_point([path], "NMT", "log_perplexity", None, 5)
    with pytest.raises(regenerate.h.BenchmarkError, match="domain 'LM'"):
        regenerate.find_point([path], "LM", None, None, 0)


def test_batch_comparison(regenerate: ModuleType):
    before = {
        "results/d/batches/0/scores.csv": (1, 10),
        "results/d/batches/1/scores.csv": (1, 10),
        "results/d/batches/1/part.parquet": (1, 10),
        "results/d/protocols/p/batches/0/scores.csv": (1, 10),
    }
    after = dict(before) | {"results/d/batches/1/part.parquet": (2, 10)}
    batches = regenerate.compare_batches(before, after)
    assert batches["results/d/batches"] == {
        "rewritten": ["results/d/batches/1"],
        "untouched": ["results/d/batches/0"],
    }
    assert batches["results/d/protocols/p/batches"]["rewritten"] == []
    assert regenerate.batch_verdict(batches)
    after["results/d/batches/0/new.csv"] = (3, 1)
    assert not regenerate.batch_verdict(regenerate.compare_batches(before, after))
    assert not regenerate.batch_verdict(regenerate.compare_batches(before, before))
    assert regenerate.batch_dir("results/d/batches/1/x/y.csv") == "results/d/batches/1"
    assert regenerate.batch_dir("results/d/scores.csv") is None
    assert regenerate.batch_dir("results/d/batches/plan.json") is None
    assert regenerate.batch_dir("results/d/batches/2/scores.csv") == "results/d/batches/2"
