"""Bounded memory at scale: run the workflow on N synthetic curves, measure every job's peak RSS.

Usage:
    python benchmarks/scale.py --curves 500 5000 [--until RULE ...] [--cores 2]
        [--max-rss-gb 2] [--repo DIR] [--head] [--base "data/benchmark/*.csv"] [--seed 0]
        [--sigma 0.003] [--interval 0.2] [--keep] [--snakemake PATH] [--out DIR]
    e.g. the 50,000-curve check:  python benchmarks/scale.py --curves 50000 --until rankings

Per N given to ``--curves`` (each in its own temporary copy of the workflow; set TMPDIR to put
it on a big disk, 50,000 curves are ~11 M CSV rows):

1. Generates N curves by replicating the 92 benchmark curves (``--base``) in order, whole tasks
   together: replicate r of a curve goes to a new task ``f"{task} r{r}"`` (so per-task model
   comparisons grow linearly with N, not quadratically), with the same Domain, Model, Seen
   Examples and Training, and its Loss multiplied by exp(sigma * z), z ~ N(0, 1) clipped to
   [-4, 4] (fixed seed; one z per point, so a point a curve lists twice keeps one Loss; the
   first N curves are the same whatever the largest N). They are written as one CSV file per
   domain, like data/benchmark/.
2. Writes a config file laid over the repository's config.yaml (Snakemake merges
   ``--configfile`` over the Snakefile's configfile): one dataset ``scale`` (``paper: false``)
   pointing to those files, the ``benchmark`` dataset and the synthetic experiment switched
   off. Everything else (estimators, batches, comparisons, ...) is config.yaml's.
3. Runs ``snakemake --cores C --configfile ...`` (``--until RULE`` stops after those rules;
   default: the full DAG) and samples, every ``--interval`` seconds, the RSS of the Snakemake
   process and of all its descendants (psutil). A job process is named by its command line:
   Snakemake runs a ``script:`` rule as ``python .snakemake/scripts/tmpXXXX.<script>.py``, so
   the script name identifies the rule; other processes by their name.

It prints, per N: wall time, jobs (done / planned), exit code, the largest peak RSS of a job
process (and which), the Snakemake main process's own peak RSS, resource.getrusage
(RUSAGE_CHILDREN).ru_maxrss as a cross-check (the largest RSS of any finished descendant,
main process included, over this invocation so far), the size of results/scale/ (and its 5
largest files), and PASS/FAIL: PASS when the run succeeded and no job process went over
``--max-rss-gb`` GiB (the main process is shown separately). Then one table per N of the
peak RSS and process count per script, and the summed job time per rule. The report is also
written as JSON and Markdown to ``--out`` (git-ignored benchmarks/out/ by default; copy one
worth keeping to benchmarks/results/). A failed run's log is saved there, and the other N
still run. Exit status: 0 when every N passes, 1 when one fails, 2 on any other error (e.g.
bad options). Temporary directories are removed unless ``--keep``; Ctrl-C or SIGTERM stops
the run and its jobs first.

Short-lived processes (under one sampling interval) can be missed by the sampler;
ru_maxrss cannot miss them. Rule names appear only as values of ``--until``.
Dependencies: the standard library, numpy, pandas, psutil (a Snakemake dependency).
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import re
import resource
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h

NAME = "scale"
DATASET = "scale"
KEY = ["Domain", "Task", "Model"]
CLIP = 4.0
"""The jitter's z is clipped to [-CLIP, CLIP]: a Loss moves by at most exp(CLIP * sigma)."""
GB = 1024**3
SCRIPT = re.compile(r"\.snakemake/scripts/tmp[A-Za-z0-9_]+\.(?P<script>[^/\s'\"]+?\.py)\b")
SHELLS = {"sh", "bash", "dash", "zsh"}


# ----------------------------------------------------------------------------------------
# The curves


def ordered_base(base: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``base`` reordered curve by curve, the curves of a (Domain, Task) together
    (tasks and, within one, models in order of first appearance; points in file order)."""
    base = base.reset_index(drop=True)
    tasks = list(dict.fromkeys(zip(base["Domain"], base["Task"], strict=True)))
    models = list(dict.fromkeys(zip(base["Domain"], base["Task"], base["Model"], strict=True)))
    task_rank = {task: i for i, task in enumerate(tasks)}
    curve_order = sorted(models, key=lambda key: task_rank[key[:2]])  # stable: models in order
    curve_rank = {key: i for i, key in enumerate(curve_order)}
    keys = zip(base["Domain"], base["Task"], base["Model"], strict=True)
    curve = np.fromiter((curve_rank[key] for key in keys), dtype=np.int64, count=len(base))
    order = np.argsort(curve, kind="stable")
    ordered = base.iloc[order].reset_index(drop=True)
    ordered["_curve"] = curve[order]
    return ordered


def iter_replicates(
    base: pd.DataFrame, n: int, *, seed: int = 0, sigma: float = 0.003
) -> Iterator[pd.DataFrame]:
    """N curves made from the curves of ``base``, one DataFrame per replicate r = 0, 1, ...

    Replicate r holds every curve of ``base`` (the last one only the first curves, whole
    tasks first) with Task ``f"{task} r{r}"`` and Loss times exp(sigma * z), z ~ N(0, 1)
    clipped to [-4, 4], one z per point (rows of a curve repeating an x keep one Loss); Domain,
    Model, Seen Examples and Training are kept. The draws do not depend on ``n``: the first N
    curves are the same for any larger N.
    """
    if n < 1:
        raise h.BenchmarkError(f"--curves: {n} curves; give at least 1")
    missing = [c for c in (*KEY, "Loss") if c not in base.columns]
    if missing:
        raise h.BenchmarkError(f"the base curves lack the columns {missing}")
    ordered = ordered_base(base)
    n_base = int(ordered["_curve"].max()) + 1
    # One draw per point (curve, x): a point listed twice keeps one Loss, as the input must.
    point = ordered.groupby(["_curve", "Seen Examples"], sort=False).ngroup().to_numpy()
    curve = ordered.pop("_curve").to_numpy()
    loss = ordered["Loss"].to_numpy(dtype=float)
    tasks = ordered["Task"].astype(str)
    rng = np.random.default_rng(seed)
    for r in range(-(-n // n_base)):
        z = np.clip(rng.standard_normal(int(point.max()) + 1), -CLIP, CLIP)[point]
        replicate = ordered.assign(Task=tasks + f" r{r}", Loss=loss * np.exp(sigma * z))
        keep = n - r * n_base
        yield replicate if keep >= n_base else replicate[curve < keep]


def generate_curves(
    base: pd.DataFrame, n: int, *, seed: int = 0, sigma: float = 0.003
) -> pd.DataFrame:
    """The N curves of :func:`iter_replicates` in one DataFrame (for small N and tests)."""
    return pd.concat(list(iter_replicates(base, n, seed=seed, sigma=sigma)), ignore_index=True)


def write_curves(
    base: pd.DataFrame, n: int, folder: Path, *, seed: int, sigma: float
) -> tuple[list[Path], int]:
    """Write the N curves as one CSV file per domain into ``folder``, a replicate at a time;
    return the files and the row count."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    rows = 0
    for replicate in iter_replicates(base, n, seed=seed, sigma=sigma):
        for domain, frame in replicate.groupby("Domain", sort=False):
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(domain))
            path = files.setdefault(str(domain), folder / f"{DATASET}.{safe}.csv")
            frame.to_csv(path, mode="a", header=not path.exists(), index=False)
            rows += len(frame)
    return sorted(files.values()), rows


def read_base(files: list[Path]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(path) for path in files], ignore_index=True)


def scale_config(data_glob: str, benchmark_glob: str) -> dict[str, Any]:
    """The config laid over config.yaml: dataset ``scale`` only, no synthetic experiment."""
    return {
        "datasets": {
            DATASET: {"path": data_glob, "paper": False},
            "benchmark": {"path": benchmark_glob, "enabled": False},
        },
        "synthetic": {"enabled": False},
    }


# ----------------------------------------------------------------------------------------
# Memory sampling


def process_label(name: str, cmdline: list[str]) -> str:
    """Which job a process is: the script of a ``script:`` rule (``fit.py``), a shell
    wrapping one (``sh: fit.py``), a Snakemake subprocess, or else its process name."""
    joined = " ".join(cmdline)
    match = SCRIPT.search(joined)
    if match:
        return f"{name}: {match['script']}" if name in SHELLS else match["script"]
    if "snakemake" in " ".join(cmdline[:3]):
        return "snakemake (subprocess)"
    return name or "?"


@dataclasses.dataclass
class Process:
    label: str
    command: str
    peak_rss: int = 0


class RssSampler:
    """Peak RSS of a process tree: the root's own, and of each descendant by (pid, start)."""

    def __init__(self) -> None:
        self.main_peak = 0
        self.processes: dict[tuple[int, float], Process] = {}
        self.samples = 0

    def __call__(self, pid: int) -> None:
        try:
            root = psutil.Process(pid)
            self.main_peak = max(self.main_peak, root.memory_info().rss)
            children = root.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            return
        self.samples += 1
        for child in children:
            try:
                with child.oneshot():
                    key = (child.pid, child.create_time())
                    rss = child.memory_info().rss
                    record = self.processes.get(key)
                    if record is None:
                        cmdline = child.cmdline()
                        record = Process(process_label(child.name(), cmdline), " ".join(cmdline))
                        self.processes[key] = record
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
            record.peak_rss = max(record.peak_rss, rss)

    def by_label(self) -> list[dict[str, Any]]:
        """Per label: the largest peak RSS and the process count, largest first."""
        groups: dict[str, dict[str, Any]] = {}
        for process in self.processes.values():
            group = groups.setdefault(process.label, {"label": process.label, "peak_rss": 0})
            group["processes"] = group.get("processes", 0) + 1
            group["peak_rss"] = max(group["peak_rss"], process.peak_rss)
        return sorted(groups.values(), key=lambda g: -g["peak_rss"])


def children_maxrss() -> int:
    """resource.getrusage(RUSAGE_CHILDREN).ru_maxrss in bytes (Linux reports KiB)."""
    value = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024


# ----------------------------------------------------------------------------------------
# One N


def folder_size(folder: Path, top: int = 5) -> dict[str, Any]:
    """Total bytes and file count of ``folder``, and its ``top`` largest files."""
    files = [(p, p.stat().st_size) for p in folder.rglob("*") if p.is_file()]
    files.sort(key=lambda item: -item[1])
    return {
        "bytes": sum(size for _, size in files),
        "files": len(files),
        "largest": [[p.relative_to(folder).as_posix(), size] for p, size in files[:top]],
    }


def run_one(args: argparse.Namespace, snakemake: str, n: int) -> dict[str, Any]:
    """Generate N curves in a fresh copy of the workflow, run it, measure it."""
    with h.TempDir(f"scalinglaws-{NAME}-{n}-", args.keep) as tmp:
        workdir = tmp / "workflow"
        h.copy_workflow(args.repo, workdir, head=args.head)
        base_files = sorted(Path(p) for p in glob.glob(str(workdir / args.base)))
        if not base_files:
            raise h.BenchmarkError(f"--base {args.base!r} matches no file in the workflow copy")
        data = Path("data") / DATASET
        files, rows = write_curves(
            read_base(base_files), n, workdir / data, seed=args.seed, sigma=args.sigma
        )
        config = workdir / f"config.{DATASET}.yaml"  # JSON is YAML
        config.write_text(json.dumps(scale_config(f"{data}/*.csv", args.base), indent=2) + "\n")
        command = [snakemake, "--cores", str(args.cores), "--configfile", config.name]
        if args.until:
            command += ["--until", *args.until]
        print(f"N={n}: {rows} rows in {len(files)} files; {' '.join(command)} ...", flush=True)

        sampler = RssSampler()
        run = h.run_snakemake(
            command, workdir, tmp / "snakemake.log", sampler=sampler, interval=args.interval
        )
        text = run.text()
        failed_log = None
        if not run.ok:
            failed_log = str(h.save_failure_log(run, args.out, f"{NAME}.N{n}.failed.log"))
            print(f"N={n}: snakemake failed (exit {run.returncode}); log: {failed_log}")
            print(h.tail(text))
        results = workdir / "results" / DATASET
        groups = sampler.by_label()
        job_peak = max((g["peak_rss"] for g in groups), default=0)
        steps = h.steps_done(text)
        passed = run.ok and job_peak <= args.max_rss_gb * GB
        return {
            "curves": n,
            "rows": rows,
            "command": " ".join(command[1:]),
            "exit_code": run.returncode,
            "seconds": round(run.seconds, 2),
            "jobs_planned": h.job_count(text),
            "jobs_done": steps[0] if steps else 0,
            "job_stats": h.parse_job_stats(text),
            "rule_times": h.rule_times(h.parse_jobs(text)),
            "max_job_rss": job_peak,
            "max_job": groups[0]["label"] if groups else None,
            "main_rss": sampler.main_peak,
            "ru_maxrss_children": children_maxrss(),
            "samples": sampler.samples,
            "by_script": groups,
            "results": folder_size(results) if results.is_dir() else None,
            "verdict": "PASS" if passed else "FAIL",
            "failed_log": failed_log,
        }


# ----------------------------------------------------------------------------------------
# Report


def gib(size: float) -> str:
    return f"{size / GB:.2f}"


def summary_rows(results: list[dict[str, Any]]) -> list[list[object]]:
    rows = []
    for r in results:
        size = r["results"]["bytes"] if r["results"] else 0
        rows.append(
            [
                r["curves"],
                r["exit_code"],
                f"{r['seconds']:.1f}",
                f"{r['jobs_done']}/{r['jobs_planned']}",
                gib(r["max_job_rss"]),
                r["max_job"] or "-",
                gib(r["main_rss"]),
                gib(r["ru_maxrss_children"]),
                h.human_bytes(size),
                r["verdict"],
            ]
        )
    return rows


HEADERS = [
    "N",
    "exit",
    "wall [s]",
    "jobs",
    "max job RSS [GiB]",
    "job",
    "main RSS [GiB]",
    "ru_maxrss [GiB]",
    "results",
    "verdict",
]


def render(report: dict[str, Any]) -> tuple[str, str]:
    env, results = report["environment"], report["results"]
    head = (
        f"scale: peak RSS per job on N curves (commit {env['commit']}, snakemake "
        f"{env['snakemake']}, --cores {env['cores']}, {env['cpus']} CPUs, until "
        f"{' '.join(report['until']) or 'the end (full DAG)'}, bound {report['max_rss_gb']} GiB "
        f"per job; load {env['load_average_at_start']} at start, "
        f"{env['load_average_at_end']} at end)"
    )
    rows = summary_rows(results)
    text = [head, "", h.text_table(HEADERS, rows)]
    markdown = [f"# {head}", "", h.markdown_table(HEADERS, rows)]
    for r in results:
        title = f"N={r['curves']}: peak RSS per script (job processes)"
        detail = [
            [g["label"], g["processes"], f"{g['peak_rss'] / 2**20:.0f}"] for g in r["by_script"]
        ]
        detail.append(["snakemake main process", 1, f"{r['main_rss'] / 2**20:.0f}"])
        headers = ["process", "count", "peak RSS [MiB]"]
        text += ["", title, h.text_table(headers, detail)]
        markdown += ["", f"## {title}", "", h.markdown_table(headers, detail)]
        times = ", ".join(
            f"{t['rule']} x{t['jobs']}"
            + (f" {t['seconds']:.0f} s" if t["seconds"] is not None else "")
            for t in r["rule_times"]
        )
        if times:
            text.append(f"job time by rule (summed): {times}")
            markdown += ["", f"Job time by rule (summed): {times}"]
        if r["results"]:
            largest = [[p, h.human_bytes(s)] for p, s in r["results"]["largest"]]
            size = (
                f"results/{DATASET}/: {h.human_bytes(r['results']['bytes'])} in "
                f"{r['results']['files']} files; largest:"
            )
            text += [size, *[f"  {p}  {s}" for p, s in largest]]
            markdown += ["", size, "", *[f"- `{p}` {s}" for p, s in largest]]
        if r["failed_log"]:
            text.append(f"snakemake failed; log: {r['failed_log']}")
            markdown += ["", f"Snakemake failed; log: `{r['failed_log']}`"]
    return "\n".join(text), "\n".join(markdown)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run the workflow on N replicated benchmark curves; peak RSS of every job.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--curves", type=int, nargs="+", required=True, help="N, one or more")
    parser.add_argument("--until", nargs="+", default=[], help="snakemake --until (rule names)")
    h.workflow_options(parser, NAME)
    parser.add_argument("--max-rss-gb", type=float, default=2.0, help="per-job RSS bound (GiB)")
    parser.add_argument("--base", default="data/benchmark/*.csv", help="curves to replicate")
    parser.add_argument("--seed", type=int, default=0, help="jitter seed")
    parser.add_argument("--sigma", type=float, default=0.003, help="jitter: Loss * exp(sigma z)")
    parser.add_argument("--interval", type=float, default=0.2, help="RSS sampling period [s]")
    args = parser.parse_args(argv)
    if min(args.curves) < 1:
        parser.error("--curves: every N must be at least 1")
    if args.cores < 1 or args.interval <= 0 or args.max_rss_gb <= 0 or args.sigma < 0:
        parser.error("--cores, --interval and --max-rss-gb must be positive, --sigma >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    snakemake, version = h.snakemake_of(args.snakemake)
    load = h.load_average()
    results = [run_one(args, snakemake, n) for n in args.curves]
    report = {
        "benchmark": NAME,
        "environment": h.environment(args.repo)
        | {"snakemake": version.strip(), "cores": args.cores, "load_average_at_start": load},
        "repo": str(args.repo.resolve()),
        "until": args.until,
        "max_rss_gb": args.max_rss_gb,
        "seed": args.seed,
        "sigma": args.sigma,
        "results": results,
    }
    text, markdown = render(report)
    print()
    print(text)
    stem = f"{NAME}-" + "-".join(map(str, args.curves))
    for path in h.write_reports(args.out, stem, report, markdown):
        print(f"wrote {path}")
    return 0 if all(r["verdict"] == "PASS" for r in results) else 1


if __name__ == "__main__":
    h.main_guard(main)
