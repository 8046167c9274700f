"""Wall time and peak RSS of reading a dataset: ``read_tables`` then ``curves_from_table``.

Usage:
    python benchmarks/read_memory.py [--data GLOB] [--bench GLOB] [--subset-curves N]
        [--repeat R] [--no-equality] [--full-equality]

Compares two versions of ``scalinglaws.curves``: *old*, the committed one (``git show
HEAD:src/scalinglaws/curves.py``, loaded under another module name), and *new*, the working
tree's (the installed ``scalinglaws.curves``). Use ``--old-rev REV`` for another revision.

1. Timing and memory: for each glob (``--data``, default the 50,000-curve files
   /tmp/s50k/data/*.csv that ``benchmarks/scale.py --keep`` leaves; ``--bench``, default
   data/benchmark/*.csv) and each version, a fresh Python runs the read ``--repeat`` times
   (default 1; the best wall time is kept). Each such run happens in its own *measuring*
   process, which starts the reading process, waits for it and reports
   ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` -- the reading process's peak RSS
   (imports included; an ``import-only`` line shows that floor). Prints wall time of the read
   (in the reading process) and peak RSS per version, and the new/old ratios.
2. Equality (skip with ``--no-equality``): in one process both versions read data/benchmark and
   a subset of the first ``--subset-curves`` curves (default 5,000; whole curves, the first rows
   of each ``--data`` file in proportion to its size, written to a temporary directory), and
   the script checks that the tables are equal (``DataFrame.equals``, same columns and dtypes)
   and that the curve lists are equal curve by curve. ``--full-equality`` also compares the
   whole ``--data`` dataset (needs the memory of both versions at once).

Exit status 0 when every equality check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import glob
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = "/tmp/s50k/data/*.csv"
DEFAULT_BENCH = str(ROOT / "data" / "benchmark" / "*.csv")
VARIANTS = ("import-only", "old", "new")


# --------------------------------------------------------------------------------------------
# Loading the two versions
# --------------------------------------------------------------------------------------------


def load_old(rev: str = "HEAD") -> ModuleType:
    """``scalinglaws/curves.py`` at git revision ``rev`` as module ``_curves_old``."""
    text = subprocess.run(
        ["git", "show", f"{rev}:src/scalinglaws/curves.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="curves_old_")) / "_curves_old.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("_curves_old", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["_curves_old"] = module
    spec.loader.exec_module(module)
    return module


def load(variant: str, rev: str) -> ModuleType:
    if variant == "old":
        return load_old(rev)
    import scalinglaws.curves as new

    return new


def read(module: ModuleType, paths: list[str]):
    table = module.read_tables(paths)
    return table, module.curves_from_table(table)


# --------------------------------------------------------------------------------------------
# Reading process and measuring process
# --------------------------------------------------------------------------------------------


def reader_main(variant: str, rev: str, paths: list[str]) -> None:
    """Run one read in this process; print its wall time and sizes as JSON."""
    import pandas  # noqa: F401  (imported in every variant, so import-only is the floor)

    module = None if variant == "import-only" else load(variant, rev)
    start = time.perf_counter()
    rows = curves = 0
    if module is not None:
        table, result = read(module, paths)
        rows, curves = len(table), len(result)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rows": rows, "curves": curves}))


def measure_main(variant: str, rev: str, paths: list[str]) -> None:
    """Start the reading process, wait, print its result and RUSAGE_CHILDREN peak RSS."""
    command = [sys.executable, __file__, "--_read", variant, "--old-rev", rev, *paths]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def measure(variant: str, rev: str, paths: list[str]) -> dict:
    """One measurement, in a fresh measuring process (so RUSAGE_CHILDREN sees one reader)."""
    command = [sys.executable, __file__, "--_measure", variant, "--old-rev", rev, *paths]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def best_of(variant: str, rev: str, paths: list[str], repeat: int) -> dict:
    runs = [measure(variant, rev, paths) for _ in range(repeat)]
    return {
        "seconds": min(r["seconds"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
        "rows": runs[0]["rows"],
        "curves": runs[0]["curves"],
    }


def report(label: str, paths: list[str], rev: str, repeat: int) -> None:
    print(f"\n== {label}: {len(paths)} files")
    results = {v: best_of(v, rev, paths, repeat) for v in VARIANTS}
    for variant, r in results.items():
        print(
            f"{variant:>12}: {r['seconds']:8.2f} s  peak RSS {r['rss_mb']:8.1f} MB"
            f"  ({r['rows']:,} rows, {r['curves']:,} curves)"
        )
    old, new = results["old"], results["new"]
    print(
        f"{'new / old':>12}: {new['seconds'] / old['seconds']:8.3f} x time,"
        f" {new['rss_mb'] / old['rss_mb']:.3f} x peak RSS"
        f" (speed-up {old['seconds'] / new['seconds']:.2f})"
    )


# --------------------------------------------------------------------------------------------
# Equality of the two versions' outputs
# --------------------------------------------------------------------------------------------


def make_subset(paths: list[str], n_curves: int, folder: Path) -> list[str]:
    """The first whole curves of each file (about ``n_curves`` in all, shared by file size),
    their lines copied as they are into ``folder``; returns the new paths."""
    sizes = [Path(p).stat().st_size for p in paths]
    out = []
    for path, size in zip(paths, sizes, strict=True):
        quota = max(1, round(n_curves * size / sum(sizes)))
        target = folder / Path(path).name
        keys: set[tuple[str, ...]] = set()
        with open(path, newline="") as src, open(target, "w", newline="") as dst:
            header = src.readline()
            dst.write(header)
            for line in src:
                key = tuple(next(csv.reader([line]))[:3])
                if key not in keys and len(keys) == quota:
                    break
                keys.add(key)
                dst.write(line)
        out.append(str(target))
    return out


def same_curve(a, b) -> bool:
    """Key and the four arrays equal (the two versions' Curve classes differ, so not ==)."""
    names = ("x_fit", "y_fit", "x_test", "y_test")
    key = ("domain", "task", "model")
    return all(getattr(a.key, k) == getattr(b.key, k) for k in key) and all(
        np.array_equal(getattr(a, n), getattr(b, n)) and getattr(a, n).dtype == getattr(b, n).dtype
        for n in names
    )


def compare(label: str, old: ModuleType, new: ModuleType, paths: list[str]) -> bool:
    table_old, curves_old = read(old, paths)
    table_new, curves_new = read(new, paths)
    same_columns = list(table_old.columns) == list(table_new.columns)
    same_dtypes = same_columns and all(
        table_old[c].dtype == table_new[c].dtype for c in table_old.columns
    )
    same_table = bool(table_old.equals(table_new)) and same_dtypes
    same_count = len(curves_old) == len(curves_new)
    unequal = sum(not same_curve(a, b) for a, b in zip(curves_old, curves_new, strict=False))
    ok = same_table and same_count and unequal == 0
    print(
        f"{label}: {len(table_old):,} rows, {len(curves_old):,} curves; table equal: "
        f"{same_table} (columns {same_columns}, dtypes {same_dtypes}); curves equal: "
        f"{same_count and unequal == 0} ({unequal} differ) -> {'OK' if ok else 'DIFFERENT'}"
    )
    return ok


def equality(args: argparse.Namespace, data: list[str], bench: list[str]) -> bool:
    print("\n== equality of old and new outputs")
    old, new = load_old(args.old_rev), load("new", args.old_rev)
    ok = compare("benchmark", old, new, bench)
    if data:
        with tempfile.TemporaryDirectory() as folder:
            subset = make_subset(data, args.subset_curves, Path(folder))
            ok &= compare(f"{args.subset_curves:,}-curve subset", old, new, subset)
        if args.full_equality:
            ok &= compare("full data", old, new, data)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="glob of the big dataset")
    parser.add_argument("--bench", default=DEFAULT_BENCH, help="glob of the small dataset")
    parser.add_argument("--subset-curves", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--old-rev", default="HEAD", help="git revision of the old version")
    parser.add_argument("--no-equality", action="store_true")
    parser.add_argument("--full-equality", action="store_true")
    parser.add_argument("--_read", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--_measure", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._read:
        reader_main(args._read, args.old_rev, args.paths)
        return 0
    if args._measure:
        measure_main(args._measure, args.old_rev, args.paths)
        return 0
    data, bench = sorted(glob.glob(args.data)), sorted(glob.glob(args.bench))
    if not bench:
        parser.error(f"no files match --bench {args.bench!r}")
    if data:
        report(args.data, data, args.old_rev, args.repeat)
    else:
        print(f"no files match --data {args.data!r}: skipped")
    report(args.bench, bench, args.old_rev, args.repeat)
    ok = True if args.no_equality else equality(args, data, bench)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
