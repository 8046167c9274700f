"""Only what depends on a change reruns: edit one Loss value, time the workflow's rerun.

Usage:
    python benchmarks/regenerate.py [--repo DIR] [--cores 2] [--domain NMT] [--task TASK]
        [--model MODEL] [--row 0] [--factor 1.001] [--data "data/benchmark/*.csv"]
        [--head] [--keep] [--snakemake PATH] [--out benchmarks/out/regenerate]

What it does, in one invocation (about 3-4 minutes on 2 cores for the 92 benchmark curves):

1. Copies the workflow of ``--repo`` (default: this repository) into a temporary directory:
   the files git tracks, as on disk (``--head``: as committed in HEAD). No results come along.
2. Runs ``snakemake --cores N`` there (the default target, the full DAG): the cold run.
3. Edits ONE value: the Loss of one point of one curve in the dataset's CSV files (``--data``,
   relative to the copy), multiplied by ``--factor``. The curve is the first of ``--domain``
   (default NMT) unless ``--task``/``--model`` name it; the point is the ``--row``-th of its
   Training = 1 points (negative counts from the end). Only that line of the file changes.
4. Lists the jobs a dry run (``snakemake -n``) plans, then runs ``snakemake --cores N`` again:
   the rerun.
5. Compares the per-batch output folders (every ``results/**/batches/<batch>/``) before and
   after the rerun: which were rewritten, which left untouched (mtimes and sizes of their
   files). The expectation: one batch per batches folder rewritten (the edited curve's),
   all others untouched.

It prints the cold and rerun wall times, their ratio (rerun / cold), the job count of each
run, the rerun jobs by rule with their wildcards and summed run time (parsed from Snakemake's
output and its time stamps, to the second), whether the dry run planned the same jobs, and the
batch check. The machine's load average at start and end is shown too: on a shared machine
other work inflates the wall times. The report is also written as JSON and
Markdown to ``--out`` (git-ignored benchmarks/out/ by default; copy a report worth keeping to
benchmarks/results/). The exit status is 0 when the batch check holds, 1 when it does not;
when a Snakemake run fails, its log is saved there and the script exits with status 2 (as for
any other error, e.g. no such curve). The temporary directory is removed unless ``--keep``.

Rule names appear nowhere in this script: the jobs are whatever Snakemake reports.
Dependencies: the standard library only.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import glob
import io
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # benchmarks/_harness.py, next to this script

NAME = "regenerate"


@dataclasses.dataclass
class Edit:
    """One Loss value of one CSV line, before and after the edit."""

    file: Path
    line: int  # 0-based index of the line in the file (0 = header)
    domain: str
    task: str
    model: str
    x: str
    old: str
    new: str = ""

    def describe(self, root: Path) -> str:
        where = self.file.relative_to(root) if self.file.is_relative_to(root) else self.file
        return (
            f"{where} line {self.line + 1}: {self.domain} / {self.task} / {self.model}, "
            f"Seen Examples {self.x}: Loss {self.old} -> {self.new}"
        )


def _lines(path: Path) -> list[str]:
    """The lines of ``path`` with their line endings."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.readlines()


def _fields(line: str) -> list[str]:
    return next(csv.reader([line]))


def find_point(
    files: list[Path], domain: str, task: str | None, model: str | None, row: int
) -> Edit:
    """The ``row``-th Training = 1 point of the curve chosen by domain/task/model (the first
    curve of ``domain`` in file order when task or model is not given)."""
    points: list[Edit] = []
    curve: tuple[str, str] | None = None
    for path in files:
        lines = _lines(path)
        if not lines:
            continue
        header = _fields(lines[0])
        try:
            col = {name: header.index(name) for name in ("Domain", "Task", "Model")}
            col |= {name: header.index(name) for name in ("Seen Examples", "Loss", "Training")}
        except ValueError as exc:
            raise h.BenchmarkError(f"{path}: {exc} (columns: {header})") from exc
        for index, line in enumerate(lines[1:], start=1):
            if not line.strip():
                continue
            fields = _fields(line)
            if fields[col["Domain"]] != domain:
                continue
            if task is not None and fields[col["Task"]] != task:
                continue
            if model is not None and fields[col["Model"]] != model:
                continue
            key = (fields[col["Task"]], fields[col["Model"]])
            curve = curve or key
            if key != curve:
                continue
            try:
                training = float(fields[col["Training"]])
            except ValueError:
                continue
            if training == 1:
                points.append(
                    Edit(
                        path, index, domain, *key, fields[col["Seen Examples"]], fields[col["Loss"]]
                    )
                )
    if not points:
        chosen = f"domain {domain!r}" + (f", task {task!r}" if task else "")
        chosen += f", model {model!r}" if model else ""
        raise h.BenchmarkError(
            f"no Training = 1 point of a curve with {chosen} in {', '.join(map(str, files))}"
        )
    if not -len(points) <= row < len(points):
        raise h.BenchmarkError(
            f"--row {row}: the curve {curve} has {len(points)} Training = 1 points"
        )
    return points[row]


def apply_edit(edit: Edit, factor: float) -> Edit:
    """Multiply the Loss of ``edit``'s line by ``factor``, rewriting that line only."""
    lines = _lines(edit.file)
    line = lines[edit.line]
    ending = line[len(line.rstrip("\r\n")) :] or "\n"
    header = _fields(lines[0])
    fields = _fields(line)
    old = float(fields[header.index("Loss")])
    new = old * factor
    if new == old:
        raise h.BenchmarkError(f"--factor {factor} leaves the Loss {old!r} unchanged")
    fields[header.index("Loss")] = repr(new)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ending).writerow(fields)
    lines[edit.line] = buffer.getvalue()
    with edit.file.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(lines)
    return dataclasses.replace(edit, new=repr(new))


def batch_dir(relpath: str) -> str | None:
    """``results/d/batches/3/scores.csv`` -> ``results/d/batches/3`` (None outside a batch's
    folder, e.g. for the dataset's plan, ``results/d/batches/plan.json``)."""
    parts = relpath.split("/")
    for i in range(len(parts) - 3, 0, -1):
        if parts[i] == "batches":
            return "/".join(parts[: i + 2])
    return None


def snapshot_batches(workdir: Path) -> dict[str, tuple[int, int]]:
    """Every file under a per-batch folder of results/: relative path -> (mtime_ns, size)."""
    files = {}
    results = workdir / "results"
    for path in sorted(results.rglob("*")) if results.is_dir() else []:
        rel = path.relative_to(workdir).as_posix()
        if path.is_file() and batch_dir(rel) is not None:
            stat = path.stat()
            files[rel] = (stat.st_mtime_ns, stat.st_size)
    return files


def compare_batches(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> dict[str, dict[str, list[str]]]:
    """Per batches folder (``results/.../batches``): its batch folders rewritten (a file
    changed, appeared or vanished) and untouched."""
    dirs: dict[str, set[str]] = {}
    changed: set[str] = set()
    for rel in set(before) | set(after):
        folder = batch_dir(rel)
        assert folder is not None
        dirs.setdefault(folder.rsplit("/", 1)[0], set()).add(folder)
        if before.get(rel) != after.get(rel):
            changed.add(folder)
    return {
        root: {
            "rewritten": sorted(d for d in folders if d in changed),
            "untouched": sorted(d for d in folders if d not in changed),
        }
        for root, folders in sorted(dirs.items())
    }


def batch_verdict(batches: dict[str, dict[str, list[str]]]) -> bool:
    """True when at least one batch was rewritten and at most one per batches folder."""
    rewritten = [len(v["rewritten"]) for v in batches.values()]
    return bool(rewritten) and sum(rewritten) >= 1 and max(rewritten) <= 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time a cold run of the workflow and its rerun after editing one Loss value.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    h.workflow_options(parser, NAME)
    parser.add_argument("--data", default="data/benchmark/*.csv", help="dataset CSV glob")
    parser.add_argument("--domain", default="NMT", help="domain of the edited curve")
    parser.add_argument("--task", default=None, help="task of the edited curve (default: first)")
    parser.add_argument("--model", default=None, help="model of the edited curve (default: first)")
    parser.add_argument("--row", type=int, default=0, help="which Training = 1 point (0-based)")
    parser.add_argument("--factor", type=float, default=1.001, help="Loss multiplier")
    args = parser.parse_args(argv)
    if args.cores < 1:
        parser.error("--cores must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    snakemake, version = h.snakemake_of(args.snakemake)
    run_cmd = [snakemake, "--cores", str(args.cores)]
    load = h.load_average()
    with h.TempDir(f"scalinglaws-{NAME}-", args.keep) as tmp:
        workdir = tmp / "workflow"
        copied = h.copy_workflow(args.repo, workdir, head=args.head)
        files = sorted(Path(p) for p in glob.glob(str(workdir / args.data)))
        if not files:
            raise h.BenchmarkError(f"--data {args.data!r} matches no file in the copied workflow")
        target = find_point(files, args.domain, args.task, args.model, args.row)
        print(f"copied {copied} files of {args.repo.resolve()} to {workdir}")

        print(f"cold run: {' '.join(run_cmd)} ...", flush=True)
        cold = _checked(h.run_snakemake(run_cmd, workdir, tmp / "cold.log"), args.out, "cold")
        before = snapshot_batches(workdir)
        edit = apply_edit(target, args.factor)
        print(f"edited {edit.describe(workdir)}")

        dry = h.run_snakemake([*run_cmd, "--dry-run"], workdir, tmp / "dry-run.log")
        _checked(dry, args.out, "dry-run")
        print(f"rerun: {' '.join(run_cmd)} ...", flush=True)
        rerun = _checked(h.run_snakemake(run_cmd, workdir, tmp / "rerun.log"), args.out, "rerun")
        batches = compare_batches(before, snapshot_batches(workdir))

        report = build_report(args, version.strip(), edit, workdir, cold, dry, rerun, batches)
        report["environment"]["load_average_at_start"] = load
    text, markdown = render(report)
    print()
    print(text)
    for path in h.write_reports(args.out, NAME, report, markdown):
        print(f"wrote {path}")
    return 0 if report["batches_ok"] else 1


def _checked(run: h.Run, out: Path, name: str) -> h.Run:
    """``run`` if it succeeded, else its log saved to ``out`` and a BenchmarkError."""
    if run.ok:
        return run
    saved = h.save_failure_log(run, out, f"{name}.failed.log")
    raise h.BenchmarkError(
        f"the {name} run failed (exit {run.returncode}); log saved to {saved}; its end:\n"
        f"{h.tail(run.text())}"
    )


def build_report(
    args: argparse.Namespace,
    version: str,
    edit: Edit,
    workdir: Path,
    cold: h.Run,
    dry: h.Run,
    rerun: h.Run,
    batches: dict[str, dict[str, list[str]]],
) -> dict[str, Any]:
    rerun_jobs = h.parse_jobs(rerun.text())
    common = h.common_wildcards(rerun_jobs)
    planned = h.parse_jobs(dry.text())
    same = sorted(j.label() for j in planned) == sorted(j.label() for j in rerun_jobs)
    return {
        "benchmark": NAME,
        "environment": h.environment(args.repo) | {"snakemake": version, "cores": args.cores},
        "repo": str(args.repo.resolve()),
        "copied": "HEAD" if args.head else "working tree (tracked files)",
        "edit": {
            "where": edit.describe(workdir),
            "file": edit.file.relative_to(workdir).as_posix(),
            "line": edit.line + 1,
            "curve": [edit.domain, edit.task, edit.model],
            "seen_examples": edit.x,
            "loss_before": edit.old,
            "loss_after": edit.new,
            "factor": args.factor,
        },
        "cold": {"seconds": round(cold.seconds, 2), "jobs": h.job_count(cold.text())},
        "rerun": {
            "seconds": round(rerun.seconds, 2),
            "jobs": h.job_count(rerun.text()),
            "job_stats": h.parse_job_stats(rerun.text()),
            "common_wildcards": dict(common),
            "jobs_by_rule": h.describe_jobs(rerun_jobs, common=common),
            "job_list": [{"job": j.label(), "seconds": j.seconds} for j in rerun_jobs],
        },
        "ratio": round(rerun.seconds / cold.seconds, 4) if cold.seconds else None,
        "dry_run_planned_same_jobs": same,
        "dry_run_jobs": [j.label() for j in planned],
        "batches": batches,
        "batches_ok": batch_verdict(batches),
    }


def render(report: dict[str, Any]) -> tuple[str, str]:
    """The plain-text report and its Markdown version."""
    env, cold, rerun = report["environment"], report["cold"], report["rerun"]
    head = (
        f"regenerate: rerun after one edited Loss value (commit {env['commit']}, "
        f"snakemake {env['snakemake']}, --cores {env['cores']}, {env['cpus']} CPUs, load "
        f"{env.get('load_average_at_start')} at start, {env['load_average_at_end']} at end)"
    )
    rows = [
        ["cold", f"{cold['seconds']:.1f}", cold["jobs"]],
        ["rerun", f"{rerun['seconds']:.1f}", rerun["jobs"]],
    ]
    ratio = f"ratio rerun/cold: {report['ratio']:.3f}"
    jobs = [f"  {line}" for line in rerun["jobs_by_rule"]] or ["  (none)"]
    common = ", ".join(f"{k}={v}" for k, v in rerun["common_wildcards"].items())
    jobs_title = "rerun jobs by rule (summed job time)" + (f", all with {common}" if common else "")
    same = "yes" if report["dry_run_planned_same_jobs"] else "NO (see the JSON report)"
    batch_lines = []
    for root, state in report["batches"].items():
        names = [d.rsplit("/", 1)[1] for d in state["rewritten"]]
        total = len(state["rewritten"]) + len(state["untouched"])
        batch_lines.append(
            f"  {root}: rewritten {', '.join(names) or 'none'}; "
            f"untouched {len(state['untouched'])} of {total}"
        )
    if not batch_lines:
        batch_lines = ["  no results/**/batches/<batch>/ folders found"]
    verdict = "OK" if report["batches_ok"] else "UNEXPECTED (expected one rewritten per folder)"
    text = "\n".join(
        [
            head,
            f"edited: {report['edit']['where']}",
            "",
            h.text_table(["run", "wall [s]", "jobs"], rows),
            ratio,
            "",
            f"{jobs_title}:",
            *jobs,
            f"dry run planned the same jobs: {same}",
            "",
            f"per-batch outputs after the rerun: {verdict}",
            *batch_lines,
        ]
    )
    markdown = "\n".join(
        [
            f"# {head}",
            "",
            f"Edited: `{report['edit']['where']}`",
            "",
            h.markdown_table(["run", "wall [s]", "jobs"], rows),
            "",
            ratio,
            "",
            f"{jobs_title[0].upper()}{jobs_title[1:]}:",
            "",
            *[f"- {line}" for line in rerun["jobs_by_rule"]],
            "",
            f"Dry run planned the same jobs: {same}.",
            "",
            f"Per-batch outputs after the rerun: {verdict}",
            "",
            *[f"- {line.strip()}" for line in batch_lines],
        ]
    )
    return text, markdown


if __name__ == "__main__":
    h.main_guard(main)
