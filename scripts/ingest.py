"""Rule ingest: validate a dataset's raw CSV files and write its curves in long format."""

from collections import Counter
from typing import Any

from _rulekit import log, log_to_file

from scalinglaws.curves import curves_to_frame, read_curves
from scalinglaws.io import write_csv_parts_atomic

CURVES_PER_PART = 2000
"""Curves turned into rows and written at a time (50,000 curves: 11 M rows, never whole)."""


def main(smk: Any) -> None:
    paths = list(smk.input.tables)
    curves = read_curves(paths)  # sorted by (domain, task, model)
    starts = range(0, max(len(curves), 1), CURVES_PER_PART)
    parts = (curves_to_frame(curves[i : i + CURVES_PER_PART]) for i in starts)
    rows = write_csv_parts_atomic(parts, smk.output.curves)
    log(f"read {len(paths)} file(s): {', '.join(paths)}")
    per_domain = Counter(curve.key.domain for curve in curves)
    log(f"{len(curves)} curves, {rows} rows; by domain: {dict(sorted(per_domain.items()))}")
    for curve in curves:
        if curve.n_fit < 3 or curve.n_test == 0:
            log(f"note: {curve.key.label} has {curve.n_fit} fit and {curve.n_test} test points")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
