"""Shared helpers of the workflow benchmarks (benchmarks/regenerate.py, benchmarks/scale.py).

Not a benchmark itself. It copies the repository's workflow into a temporary directory, runs
Snakemake there (timed, its output saved to a log file, optionally sampled for memory), parses
the jobs out of Snakemake's output, and writes the reports (plain text, JSON, Markdown).

Nothing here knows the workflow's rule names or output formats: the benchmarks pass rule names
only as defaults of their options, and per-batch outputs are seen only as directories
``results/<dataset>/batches/<batch>/``.

Standard library, numpy/pandas and psutil (a Snakemake dependency) only.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
"""The repository holding these scripts (the default workflow to benchmark)."""
OUT = ROOT / "benchmarks" / "out"
"""Default report folder (git-ignored); reports worth keeping go to benchmarks/results/."""


class BenchmarkError(Exception):
    """A benchmark cannot go on; its message says why (printed without a traceback)."""


def workflow_options(parser: argparse.ArgumentParser, name: str) -> None:
    """The options of every script here that runs the workflow in a temporary copy: --repo,
    --head, --cores, --snakemake, --keep and --out (default OUT/``name``)."""
    parser.add_argument("--repo", type=Path, default=ROOT, help="workflow repository to copy")
    parser.add_argument("--head", action="store_true", help="copy HEAD, not the working tree")
    parser.add_argument("--cores", type=int, default=2, help="snakemake --cores")
    parser.add_argument("--snakemake", default=None, help="snakemake executable (default: venv's)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("--out", type=Path, default=OUT / name, help="report folder")


def default_snakemake() -> str:
    """The ``snakemake`` executable next to this Python (the venv's), else the one on PATH."""
    here = Path(sys.executable).parent / "snakemake"
    if here.is_file():
        return str(here)
    found = shutil.which("snakemake")
    if found:
        return found
    raise BenchmarkError(
        f"no snakemake executable next to {sys.executable} nor on PATH; pass --snakemake PATH"
    )


def snakemake_of(path: str | None) -> tuple[str, str]:
    """The snakemake executable (``path``, else the venv's) and its version."""
    snakemake = check_executable(path) if path else default_snakemake()
    version = subprocess.run([snakemake, "--version"], capture_output=True, text=True).stdout
    return snakemake, version


def check_executable(path: str) -> str:
    """``path`` if it is an executable file (or a command on PATH), else a clear error."""
    resolved = shutil.which(path)
    if resolved is None:
        raise BenchmarkError(f"--snakemake {path!r} is not an executable file or command")
    return resolved


# ----------------------------------------------------------------------------------------
# The workflow copy


def copy_workflow(repo: Path, dest: Path, *, head: bool = False) -> int:
    """Copy the workflow of git repository ``repo`` into ``dest``; return the file count.

    By default the files git tracks, as they are on disk (uncommitted edits of tracked files
    included, untracked files such as results/ or .venv/ left out); with ``head``, the files
    of the commit HEAD (``git archive``). Either way no results, logs or .snakemake come along,
    so the first run in ``dest`` is cold.
    """
    repo = repo.resolve()
    if not (repo / "Snakefile").is_file():
        raise BenchmarkError(f"--repo {repo}: no Snakefile there (not the workflow's root)")
    dest.mkdir(parents=True, exist_ok=True)
    if head:
        archive = _git(repo, "archive", "--format=tar", "HEAD", binary=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            members = [m for m in tar.getmembers() if m.isfile() or m.isdir() or m.issym()]
            tar.extractall(dest, members=members, filter="data")
        return sum(1 for m in members if m.isfile())
    listing = _git(repo, "ls-files", "-z", "--cached", binary=True).decode("utf-8")
    count = 0
    for name in filter(None, listing.split("\0")):
        source = repo / name
        if not source.is_file():  # deleted in the working tree, or a submodule
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        count += 1
    if not count:
        raise BenchmarkError(f"--repo {repo}: git tracks no files there")
    return count


def _git(repo: Path, *args: str, binary: bool = False) -> Any:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise BenchmarkError("git is not installed (needed to copy the workflow)") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise BenchmarkError(f"git {' '.join(args[:2])} in {repo} failed: {message}")
    return done.stdout if binary else done.stdout.decode("utf-8")


def workflow_env(workdir: Path) -> dict[str, str]:
    """The environment of a Snakemake run in ``workdir``: the copy's own library first on
    PYTHONPATH (so the code benchmarked is the copy's, not the installed package's)."""
    env = dict(os.environ)
    src = workdir / "src"
    if src.is_dir():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return env


class TempDir:
    """A temporary directory removed on exit, unless ``keep`` (then its path is printed)."""

    def __init__(self, prefix: str, keep: bool) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        self.keep = keep

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self.keep:
            print(f"kept: {self.path}")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


# ----------------------------------------------------------------------------------------
# Running Snakemake


@dataclasses.dataclass
class Run:
    """One Snakemake invocation: its command, exit code, wall time and output (log file)."""

    command: list[str]
    returncode: int
    seconds: float
    log: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def run_snakemake(
    command: Sequence[str],
    workdir: Path,
    log: Path,
    *,
    sampler: Callable[[int], None] | None = None,
    interval: float = 0.2,
) -> Run:
    """Run ``command`` in ``workdir`` with its stdout and stderr in ``log``; time it.

    ``sampler(pid)`` is called every ``interval`` seconds while it runs. Snakemake runs in its
    own process group, so an interrupt (Ctrl-C) stops it and its jobs before re-raising.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as handle:
        start = time.perf_counter()
        try:
            process = subprocess.Popen(
                list(command),
                cwd=workdir,
                env=workflow_env(workdir),
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise BenchmarkError(f"cannot start {command[0]}: {exc}") from exc
        try:
            while process.poll() is None:
                if sampler is not None:
                    sampler(process.pid)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=interval)
        except BaseException:
            _stop(process)
            raise
        seconds = time.perf_counter() - start
    return Run(list(command), process.returncode, seconds, log)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the Snakemake process group we started (SIGINT, then SIGKILL after 30 s)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def save_failure_log(run: Run, out: Path, name: str) -> Path:
    """Copy the log of a failed run to ``out/name`` and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / name
    shutil.copyfile(run.log, target)
    return target


def tail(text: str, lines: int = 25) -> str:
    """The last ``lines`` lines of ``text``, indented."""
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


# ----------------------------------------------------------------------------------------
# Parsing Snakemake's output

_JOB_HEADER = re.compile(r"^\s*(?:local)?(?:rule|checkpoint) (?P<rule>[A-Za-z_][\w]*):\s*$")
_JOB_FIELD = re.compile(r"^\s+(?P<key>jobid|wildcards): (?P<value>.*?)\s*$")
_WILDCARD_SPLIT = re.compile(r", (?=[A-Za-z_]\w*=)")
_STATS_ROW = re.compile(r"^(?P<rule>[A-Za-z_]\w*)\s+(?P<count>\d+)\s*$")
_TIMESTAMP = re.compile(r"^\[(?P<stamp>\w{3} \w{3} +\d{1,2} \d\d:\d\d:\d\d \d{4})\]\s*$")
_FINISHED = re.compile(r"^Finished job(?:id:)? (?P<jobid>\d+)\b")
_STEPS = re.compile(r"(?P<done>\d+) of (?P<total>\d+) steps \(\d+%\) done")


@dataclasses.dataclass(frozen=True)
class Job:
    """A job Snakemake announced: its rule, wildcards and job id, and how long it ran (from
    the time stamps of its start and of its ``Finished jobid`` line, to the second; None
    when either is missing, e.g. in a dry run)."""

    rule: str
    wildcards: tuple[tuple[str, str], ...] = ()
    jobid: str = ""
    seconds: float | None = dataclasses.field(default=None, compare=False)

    def label(self) -> str:
        if not self.wildcards:
            return self.rule
        return f"{self.rule}[{', '.join(f'{k}={v}' for k, v in self.wildcards)}]"


def parse_wildcards(text: str) -> tuple[tuple[str, str], ...]:
    """``"dataset=a, batch=3"`` -> ``(("dataset", "a"), ("batch", "3"))``; a value may hold
    ", " (e.g. a model "6 Enc, 6 Dec") as long as what follows is not ``name=``."""
    pairs = []
    if not text.strip():
        return ()
    for part in _WILDCARD_SPLIT.split(text.strip()):
        key, _, value = part.partition("=")
        pairs.append((key.strip(), value))
    return tuple(pairs)


def _timestamp(line: str) -> float | None:
    """Seconds since the epoch of a Snakemake time stamp line ``[Sun Dec  6 21:36:22 2026]``."""
    match = _TIMESTAMP.match(line)
    if not match:
        return None
    try:
        return time.mktime(time.strptime(match["stamp"], "%a %b %d %H:%M:%S %Y"))
    except ValueError:
        return None


def parse_jobs(text: str) -> list[Job]:
    """The jobs announced in Snakemake's output (a run's or a dry run's), once each.

    Each job block starts with ``rule NAME:`` or ``localrule NAME:`` (or ``checkpoint``) and
    lists indented fields, among them ``jobid:`` and ``wildcards:``. A job announced twice
    (same job id) is counted once. A job's duration runs from the time stamp before its block
    to the one before its ``Finished jobid: N`` (or ``Finished job N.``) line.
    """
    jobs: list[Job] = []
    seen: set[str] = set()
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    rule: str | None = None
    fields: dict[str, str] = {}
    stamp: float | None = None
    started: float | None = None

    def close() -> None:
        if rule is None:
            return
        jobid = fields.get("jobid", "")
        if jobid:
            if jobid in seen:
                return
            seen.add(jobid)
            if started is not None:
                starts[jobid] = started
        jobs.append(Job(rule, parse_wildcards(fields.get("wildcards", "")), jobid))

    for line in text.splitlines():
        if (now := _timestamp(line)) is not None:
            stamp = now
        header = _JOB_HEADER.match(line)
        if header:
            close()
            rule, fields, started = header["rule"], {}, stamp
            continue
        finished = _FINISHED.match(line)
        if finished and stamp is not None:
            ends[finished["jobid"]] = stamp
        if rule is None:
            continue
        field = _JOB_FIELD.match(line)
        if field:
            fields[field["key"]] = field["value"]
        elif line.strip() and not line.startswith((" ", "\t")):
            close()  # the block ended (an unindented line)
            rule, fields = None, {}
    close()
    return [
        dataclasses.replace(job, seconds=ends[job.jobid] - starts[job.jobid])
        if job.jobid in starts and job.jobid in ends
        else job
        for job in jobs
    ]


def parse_job_stats(text: str) -> dict[str, int]:
    """The first ``Job stats:`` table of Snakemake's output: rule -> job count (with
    ``total``); empty when there is none (e.g. "Nothing to be done")."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() != "Job stats:":
            continue
        counts: dict[str, int] = {}
        for row in lines[i + 1 :]:
            if not row.strip() or row.lstrip().startswith(("job ", "---")):
                if counts and not row.strip():
                    break
                continue
            match = _STATS_ROW.match(row.strip())
            if not match:
                break
            counts[match["rule"]] = int(match["count"])
        return counts
    return {}


def steps_done(text: str) -> tuple[int, int] | None:
    """The last ``N of M steps (P%) done`` of a run's output, as (N, M)."""
    matches = list(_STEPS.finditer(text))
    return (int(matches[-1]["done"]), int(matches[-1]["total"])) if matches else None


def job_count(text: str) -> int:
    """The number of jobs of a run: its ``Job stats`` total, else the jobs announced."""
    stats = parse_job_stats(text)
    if "total" in stats:
        return stats["total"]
    return len(parse_jobs(text))


def jobs_by_rule(jobs: Iterable[Job]) -> dict[str, list[Job]]:
    """Jobs grouped by rule, rules in order of first appearance."""
    grouped: dict[str, list[Job]] = {}
    for job in jobs:
        grouped.setdefault(job.rule, []).append(job)
    return grouped


def rule_times(jobs: Iterable[Job]) -> list[dict[str, Any]]:
    """Per rule, in order of first appearance: its job count and their summed run time
    (None when no job of the rule was timed)."""
    rows = []
    for rule, group in jobs_by_rule(jobs).items():
        timed = [j.seconds for j in group if j.seconds is not None]
        rows.append({"rule": rule, "jobs": len(group), "seconds": sum(timed) if timed else None})
    return rows


def common_wildcards(jobs: Iterable[Job]) -> tuple[tuple[str, str], ...]:
    """The wildcards shared by the jobs: a name carried by two jobs or more, with one value
    in all of them (e.g. ``dataset=benchmark``)."""
    values: dict[str, set[str]] = {}
    carriers: dict[str, int] = {}
    for job in jobs:
        for key, value in job.wildcards:
            values.setdefault(key, set()).add(value)
            carriers[key] = carriers.get(key, 0) + 1
    return tuple(
        (key, next(iter(v))) for key, v in values.items() if len(v) == 1 and carriers[key] > 1
    )


def describe_jobs(jobs: Iterable[Job], *, common: Iterable[tuple[str, str]] = ()) -> list[str]:
    """One line per rule, in order of first appearance: ``rule xN (S s): wildcards; ...``,
    S the summed run time of its jobs (when known), the ``common`` wildcards left out."""
    common = set(common)
    lines = []
    for rule, group in jobs_by_rule(jobs).items():
        parts = sorted(
            ", ".join(f"{k}={v}" for k, v in j.wildcards if (k, v) not in common) for j in group
        )
        parts = [p for p in parts if p]
        timed = [j.seconds for j in group if j.seconds is not None]
        seconds = f" ({sum(timed):.0f} s)" if timed else ""
        detail = f": {'; '.join(parts)}" if parts else ""
        lines.append(f"{rule} x{len(group)}{seconds}{detail}")
    return lines


# ----------------------------------------------------------------------------------------
# Reports


def human_bytes(size: float) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table, columns left-aligned, numbers right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        all(_is_number(row[i]) for row in cells[1:]) and len(cells) > 1 for i in range(len(headers))
    ]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(row, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(cells[0]), line(["-" * w for w in widths]), *map(line, cells[1:])])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub Markdown table."""

    def esc(value: object) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(esc, headers)) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(map(esc, row)) + " |" for row in rows]
    return "\n".join(lines)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "").rstrip("x%"))
    except ValueError:
        return False
    return True


def write_reports(out: Path, stem: str, data: dict[str, Any], markdown: str) -> list[Path]:
    """Write ``out/stem.json`` and ``out/stem.md``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown.rstrip() + "\n", encoding="utf-8")
    return [json_path, md_path]


def load_average() -> float | None:
    """The 1-minute load average (other work on the machine skews the wall times)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def environment(repo: Path) -> dict[str, Any]:
    """Where the benchmark ran: host, CPU count, Python, the benchmarked repository's commit
    (``+dirty`` when its tracked files have uncommitted edits)."""
    try:
        commit = _git(repo, "rev-parse", "--short", "HEAD").strip()
        dirty = bool(_git(repo, "status", "--porcelain", "--untracked-files=no").strip())
    except BenchmarkError:
        commit, dirty = "unknown", False
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "host": os.uname().nodename,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "commit": commit + ("+dirty" if dirty else ""),
        "load_average_at_end": load_average(),
    }


def main_guard(main: Callable[[], int]) -> None:
    """Run ``main``; a BenchmarkError prints its message alone and exits 2; Ctrl-C or SIGTERM
    stops the Snakemake run (and its jobs), removes the temporary directory and exits 130."""

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        sys.exit(main())
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
