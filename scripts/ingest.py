"""Rule ingest: validate a dataset's raw CSV files and write its curves in long format."""

from collections import Counter
from typing import Any

import pandas as pd
from _rulekit import log, log_to_file

from scalinglaws.curves import COLUMNS, curve_to_frame, read_curves
from scalinglaws.io import write_csv_atomic


def main(smk: Any) -> None:
    paths = list(smk.input.tables)
    curves = read_curves(paths)
    curves = sorted(curves, key=lambda c: (c.key.domain, c.key.task, c.key.model))
    frames = [curve_to_frame(curve) for curve in curves]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    write_csv_atomic(table, smk.output.curves)
    log(f"read {len(paths)} file(s): {', '.join(paths)}")
    per_domain = Counter(curve.key.domain for curve in curves)
    log(f"{len(curves)} curves, {len(table)} rows; by domain: {dict(sorted(per_domain.items()))}")
    for curve in curves:
        if curve.n_fit < 3 or curve.n_test == 0:
            log(f"note: {curve.key.label} has {curve.n_fit} fit and {curve.n_test} test points")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
