"""Rule synthetic: simulate Figure 2's logistic-regression curve, fit it above each cutoff, draw.

BLAS is limited to one thread before numpy is imported: the solver's small matrix products
slow down many-fold when BLAS threads compete on a busy machine.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time  # noqa: E402
from typing import Any  # noqa: E402

from _rulekit import log, log_to_file  # noqa: E402

from scalinglaws.io import write_csv_atomic, write_text_atomic  # noqa: E402
from scalinglaws.paper import synthetic  # noqa: E402
from scalinglaws.paper.plots.synthetic import exponent_table, fig2  # noqa: E402
from scalinglaws.plots.theme import save  # noqa: E402
from scalinglaws.tables import to_markdown  # noqa: E402


def setup_of(config: dict[str, Any]) -> synthetic.Setup:
    """The simulation settings of the config's ``synthetic`` section."""
    sizes = config["sizes"]
    return synthetic.Setup(
        dimension=int(config["dimension"]),
        noise=float(config["noise"]),
        size_min=float(sizes["min"]),
        size_max=float(sizes["max"]),
        size_count=int(sizes["count"]),
        repetitions=int(config["repetitions"]),
        seed=int(config["seed"]),
        ridge=float(config["ridge"]),
    )


def caption(setup: synthetic.Setup) -> str:
    return (
        f"Logistic regression, x uniform on the unit sphere, d = {setup.dimension}, "
        f"δ = {setup.noise:g}; mean of {setup.repetitions} run(s), ridge λ = {setup.ridge:g}, "
        "Newton; exact test error δ + (1 − 2δ)·θ/π"
    )


def main(smk: Any) -> None:
    setup = setup_of(smk.params.config)
    start = time.perf_counter()
    curve = synthetic.simulate(setup)
    seconds = time.perf_counter() - start
    log(f"simulated {len(curve)} sizes x {setup.repetitions} runs in {seconds:.1f} s")
    write_csv_atomic(synthetic.curve_frame(curve, setup), smk.output.curve)
    cutoffs = list(smk.params.config["cutoffs"])
    fits = synthetic.fit_cutoffs(curve, cutoffs, dict(smk.params.estimators))
    for fit in fits[fits["status"] != "ok"].itertuples():
        log(f"cutoff {fit.cutoff}, {fit.estimator}: failed: {fit.error}")
    table = exponent_table(fits, synthetic.PAPER_EXPONENTS)
    write_csv_atomic(table, smk.output.exponents_csv)
    comparison = synthetic.read_off_comparison(curve)
    write_csv_atomic(comparison, smk.output.excess_csv)
    write_text_atomic(smk.output.exponents_md, markdown(table, comparison, setup))
    save(fig2(curve, fits, setup.noise, caption(setup)), smk.output.png.removesuffix(".png"))
    log(f"done in {time.perf_counter() - start:.1f} s")


def markdown(table, comparison, setup: synthetic.Setup) -> str:
    """The exponent table, and a summary of the excess risk against the paper's read-off."""
    text = f"**Figure 2: fitted exponents c by cutoff** ({caption(setup)})\n\n"
    text += to_markdown(table, float_format="{:.3f}")
    if not comparison.empty:
        ratio = comparison["log_ratio"].abs()
        text += (
            "\nExcess risk against the paper's read-off values (50 sizes): "
            f"median |ln(ours/paper)| = {ratio.median():.3f}, max = {ratio.max():.3f}.\n"
        )
    return text


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
