"""Rule joint_law: fit L(N, D) = E + A/N^α + B/D^β to a dataset (scalinglaws.joint_law).

A dataset not declared in the config's joint_law.datasets, or whose data cannot be fitted
(N column missing or not numeric, one model size only), gets params.csv with status
"skipped"/"failed" and the reason, an empty compute_optimal.csv and a "not applicable" figure.
"""

import time
from pathlib import Path
from typing import Any

from _rulekit import log, log_to_file

from scalinglaws.curves import read_tables
from scalinglaws.errors import ScalingLawsError
from scalinglaws.io import write_csv_atomic
from scalinglaws.joint_law import failure_tables, fit_joint, joint_data
from scalinglaws.plots.compare import joint_law_figure
from scalinglaws.plots.theme import not_applicable, save


def main(smk: Any) -> None:
    spec = smk.params.spec
    stem = Path(smk.output.png).with_suffix("")
    if not spec:
        write_failure(
            smk, stem, "skipped", "dataset not declared in the config's joint_law.datasets"
        )
        return
    start = time.process_time()
    try:
        data = joint_data(read_tables(smk.input.tables), spec.get("domain"), spec["n_column"])
        fit = fit_joint(data, int(smk.params.replicates), int(smk.params.seed))
    except ScalingLawsError as exc:
        write_failure(smk, stem, "failed", str(exc))
        return
    write_csv_atomic(fit.params_table(), smk.output.params)
    write_csv_atomic(fit.optimal_table(), smk.output.optimal)
    joint_law_figure(fit, stem)
    seconds = time.process_time() - start
    log(f"L(N, D) on {data.n.size} points, {data.sizes.size} sizes, "
        f"{int(smk.params.replicates)} bootstrap refits: {seconds:.1f} s CPU")  # fmt: skip


def write_failure(smk: Any, stem: Path, status: str, reason: str) -> None:
    """The failure record in both CSVs and a note figure at ``stem``; the reason goes to the log."""
    params, optimal = failure_tables(reason, status)
    write_csv_atomic(params, smk.output.params)
    write_csv_atomic(optimal, smk.output.optimal)
    save(not_applicable(reason, "L(N, D)"), stem)
    log(f"L(N, D) {status}: {reason}")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
