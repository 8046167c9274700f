"""CPU cost of drawing the figures: a baseline commit's library against the working tree's.

Usage: python benchmarks/figure_speed.py [--baseline REV] [--data DIR] [--curves N]
                                         [--rounds R] [--repeat K] [--no-jobs] [--out FILE]

Both libraries draw the same figures from the same tables (``DIR``/scores.csv,
predictions.csv and rankings.csv of a workflow run, read as text as the rule scripts read
them): the baseline's ``src/scalinglaws`` is taken from ``git archive REV`` (default: where
this branch left ``main``, ``git merge-base HEAD main``) and each library runs in its own
Python process (``PYTHONPATH`` set to its ``src``), the two alternating for R rounds; each
paper figure is drawn ``--repeat`` times a process. The best time is kept (the machine may be
shared). Printed, old / new / ratio (old ÷ new):

1. Per figure (the seven paper figures of rule ``figure`` and the mean of N per-curve figures
   of rule ``batch_figures``): CPU seconds (``time.process_time``) to build the figure, to
   write its PNG and to write its PDF, in a warm process (fonts loaded).
2. The gallery, ``curve_figures`` on N curves (evenly spread over the sorted curves; 0: all)
   with one worker: seconds per curve, PNG + PDF, and PNG only (the baseline cannot write
   PNG only: its figure is built and its PNG written, as in 1).
3. With jobs (the default): the seven paper figures as the workflow draws them, a fresh
   process per figure that imports the library, reads the three tables and draws one figure
   (the baseline), against one process that draws all seven (``draw_figures``); CPU seconds of
   the processes (their wall time is printed too).

The numbers are saved as JSON (default ``benchmarks/out/figure_speed.json``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPER_FIGURES = ["fig1_top", "fig1_bottom", "fig5", "fig6", "fig7", "fig8", "fig9"]
TABLES = ("scores", "predictions", "rankings")
STEPS = ("build", "png", "pdf")


# --- worker: runs inside the measured library's process -------------------------------------


def read_tables(data: Path) -> dict:
    """The three tables as the rule scripts read them (scripts/_rulekit.read_text_csv)."""
    import pandas as pd

    return {
        name: pd.read_csv(data / f"{name}.csv", dtype=str, keep_default_na=False) for name in TABLES
    }


def _sample(keys: list, n: int) -> list:
    if n <= 0 or n >= len(keys):
        return list(keys)
    return [keys[round(i * (len(keys) - 1) / (n - 1))] for i in range(n)] if n > 1 else keys[:1]


class Library:
    """The drawing calls of one library version: the new API where it exists, else the
    baseline's (whose ``save`` wrote PNG then PDF with ``fig.savefig``)."""

    def __init__(self) -> None:
        from scalinglaws.paper.plots import layouts
        from scalinglaws.plots import curves, gallery, theme

        self.layouts, self.curves, self.gallery, self.theme = layouts, curves, gallery, theme
        self.new = hasattr(layouts, "draw_figures")

    def build(self, name: str, data: dict):
        if self.new:
            return self.layouts.build(name, data, self.layouts.LABELS)
        return self.layouts.FIGURES[name](data, self.layouts.LABELS)

    def curve_builder(self, scores, predictions):
        """A function of a curve key that builds its per-curve figure as the gallery does."""
        if self.new:
            return self.curves.CurveFigures(scores, predictions).figure
        by_curve = dict(tuple(predictions.groupby(["domain", "task", "model"], sort=False)))
        empty = predictions.iloc[0:0]

        def build(key):
            rows = by_curve.get((key.domain, key.task, key.model), empty)
            return self.curves.curve_figure(scores, rows, key)

        return build

    def write(self, fig) -> dict[str, float]:
        """CPU seconds to write the PNG, then the PDF, of ``fig`` (as ``save`` writes them)."""
        if self.new:
            times: dict[str, float] = {}
            self.theme.render(fig, ("png", "pdf"), times=times)
            return times
        import io

        times = {}
        for fmt in ("png", "pdf"):
            metadata = {"png": self.theme._PNG_METADATA, "pdf": self.theme._PDF_METADATA}[fmt]
            _, times[fmt], _ = timed(
                fig.savefig, io.BytesIO(), format=fmt, dpi=self.theme.DPI, metadata=metadata
            )
        return times

    def close(self, fig) -> None:
        if self.new:
            self.theme.close(fig)
        else:
            import matplotlib.pyplot as plt

            plt.close(fig)


def timed(fn, *args, **kwargs):
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.process_time() - cpu, time.perf_counter() - wall


def measure_figure(lib: Library, build, repeat: int = 1) -> dict[str, float]:
    """The best of ``repeat`` builds and writes of a figure (garbage collected before each)."""
    rows = []
    for _ in range(repeat):
        gc.collect()
        fig, build_cpu, _ = timed(build)
        rows.append({"build": build_cpu, **lib.write(fig)})
        lib.close(fig)
    return {step: min(row[step] for row in rows) for step in STEPS}


def worker(args: argparse.Namespace) -> dict:
    start_cpu, start = time.process_time(), time.perf_counter()
    lib = Library()
    result: dict = {"import_cpu": time.process_time() - start_cpu}
    result["import_wall"] = time.perf_counter() - start
    import scalinglaws

    result["library"] = str(Path(scalinglaws.__file__).parent)
    data = read_tables(Path(args.data))
    keys = _sample(lib.curves.curve_keys(data["scores"]), args.curves)
    curve = lib.curve_builder(data["scores"], data["predictions"])
    measure_figure(lib, lambda: curve(keys[0]))  # warm-up: fonts, caches
    figures = {}
    for name in PAPER_FIGURES:
        build = lambda name=name: lib.build(name, data)  # noqa: E731
        figures[name] = measure_figure(lib, build, args.repeat)
    per_curve = [measure_figure(lib, lambda key=key: curve(key)) for key in keys]
    figures["curve (mean)"] = {s: sum(r[s] for r in per_curve) / len(per_curve) for s in STEPS}
    result["figures"] = figures
    result["gallery"] = gallery(lib, data, keys)
    return result


def gallery(lib: Library, data: dict, keys: list) -> dict[str, float]:
    """Seconds (CPU) per curve of curve_figures on ``keys``, one worker."""
    import pandas as pd

    wanted = pd.MultiIndex.from_tuples([(k.domain, k.task, k.model) for k in keys])

    def rows(frame):
        index = pd.MultiIndex.from_frame(frame[["domain", "task", "model"]])
        return frame[index.isin(wanted)]

    scores, predictions = rows(data["scores"]), rows(data["predictions"])
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = {"png+pdf": ("png", "pdf"), "png": ("png",)} if lib.new else {"png+pdf": None}
        for label, formats in runs.items():
            extra = {} if formats is None else {"formats": formats}
            _, cpu, _ = timed(
                lambda extra=extra, label=label: lib.gallery.curve_figures(
                    scores, predictions, Path(tmp) / label.replace("+", "_"), 1, **extra
                )
            )
            out[label] = cpu / len(keys)
    return out


# --- jobs: whole processes, as the workflow runs them ---------------------------------------

JOB_OLD = """
import sys
from pathlib import Path
sys.path.insert(0, {bench!r})
from figure_speed import read_tables
from scalinglaws.paper.plots.layouts import draw
data = read_tables(Path({data!r}))
draw({name!r}, data, Path({out!r}) / {name!r})
"""

JOB_NEW = """
import sys
from pathlib import Path
sys.path.insert(0, {bench!r})
from figure_speed import read_tables
from scalinglaws.paper.plots.layouts import draw_figures
data = read_tables(Path({data!r}))
draw_figures({names!r}, data, Path({out!r}))
"""


def run_job(code: str, src: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of ``python -c code`` with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "Agg"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def jobs(src: Path, new: bool, data: Path) -> dict[str, float]:
    bench = str(ROOT / "benchmarks")
    with tempfile.TemporaryDirectory() as out:
        if new:
            code = JOB_NEW.format(bench=bench, data=str(data), names=PAPER_FIGURES, out=out)
            cpu, wall = run_job(code, src)
            return {"cpu": cpu, "wall": wall, "processes": 1}
        cpu = wall = 0.0
        for name in PAPER_FIGURES:
            c, w = run_job(JOB_OLD.format(bench=bench, data=str(data), name=name, out=out), src)
            cpu, wall = cpu + c, wall + w
        return {"cpu": cpu, "wall": wall, "processes": len(PAPER_FIGURES)}


# --- parent ---------------------------------------------------------------------------------


def baseline_source(rev: str, into: Path) -> Path:
    """``src/`` of ``rev`` (its scalinglaws package) unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src/scalinglaws"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run_worker(src: Path, args: argparse.Namespace) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "Agg"}
    command = [sys.executable, __file__, "--worker", "--data", args.data]
    command += ["--curves", str(args.curves), "--repeat", str(args.repeat)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result["library"]).resolve() != (src / "scalinglaws").resolve():
        raise SystemExit(f"measured {result['library']}, not {src}")
    return result


def best(results: list[dict]) -> dict:
    """The smallest value of each number over the rounds."""
    first = results[0]
    if isinstance(first, dict):
        return {k: best([r[k] for r in results]) for k in first}
    if isinstance(first, (int, float)):
        return min(results)
    return first


def report(old: dict, new: dict) -> str:
    lines = ["CPU seconds, best of the rounds; ratio = old / new", ""]
    columns = [*STEPS, "total"]
    lines.append(
        f"{'figure':14s}" + "".join(f"{c + ' old':>10s}{c + ' new':>10s}{'x':>6s}" for c in columns)
    )
    for name, row in old["figures"].items():
        mine = new["figures"][name]
        cells = [(row[s], mine[s]) for s in STEPS]
        cells.append((sum(row.values()), sum(mine.values())))
        lines.append(f"{name:14s}" + "".join(f"{a:10.3f}{b:10.3f}{a / b:6.1f}" for a, b in cells))
    lines.append("")
    g_old, g_new = old["gallery"], new["gallery"]
    lines.append(
        f"gallery s/curve, PNG+PDF: old {g_old['png+pdf']:.3f}  new {g_new['png+pdf']:.3f}"
        f"  x{g_old['png+pdf'] / g_new['png+pdf']:.1f}"
    )
    png_old = old["figures"]["curve (mean)"]["build"] + old["figures"]["curve (mean)"]["png"]
    if "png" in g_new:
        lines.append(
            f"gallery s/curve, PNG only: old {png_old:.3f} (build + PNG)  new {g_new['png']:.3f}"
            f"  x{png_old / g_new['png']:.1f}"
        )
    lines.append(
        f"import of the figure modules (CPU s): old {old['import_cpu']:.2f}  new "
        f"{new['import_cpu']:.2f}"
    )
    if "jobs" in old:
        j_old, j_new = old["jobs"], new["jobs"]
        lines.append(
            f"paper figures as jobs: old {j_old['processes']} processes {j_old['cpu']:.1f} s CPU "
            f"({j_old['wall']:.1f} s wall), new {j_new['processes']} process {j_new['cpu']:.1f} s"
            f" CPU ({j_new['wall']:.1f} s wall)  x{j_old['cpu'] / j_new['cpu']:.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=None, help="commit of the old library")
    parser.add_argument("--data", default=str(ROOT / "results" / "benchmark"))
    parser.add_argument("--curves", type=int, default=12, help="per-curve figures (0: all)")
    parser.add_argument("--rounds", type=int, default=2, help="processes per library")
    parser.add_argument("--repeat", type=int, default=2, help="paper figures per process")
    parser.add_argument("--no-jobs", action="store_true", help="skip the whole-process jobs")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "figure_speed.json"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return
    rev = (
        args.baseline
        or subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    with tempfile.TemporaryDirectory() as tmp:
        old_src, new_src = baseline_source(rev, Path(tmp)), ROOT / "src"
        rounds: dict[str, list[dict]] = {"old": [], "new": []}
        for _ in range(args.rounds):
            rounds["old"].append(run_worker(old_src, args))
            rounds["new"].append(run_worker(new_src, args))
        old, new = best(rounds["old"]), best(rounds["new"])
        if not args.no_jobs:
            old["jobs"] = best([jobs(old_src, False, Path(args.data)) for _ in range(args.rounds)])
            new["jobs"] = best([jobs(new_src, True, Path(args.data)) for _ in range(args.rounds)])
    text = report(old, new)
    print(f"baseline {rev[:12]} against the working tree; data {args.data}\n")
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"baseline": rev, "data": args.data, "curves": args.curves, "rounds": args.rounds}
    out.write_text(json.dumps({**record, "old": old, "new": new}, indent=1) + "\n")


if __name__ == "__main__":
    main()
