# Figure 3 of the paper, for the paper datasets (`paper: true`): M2 with its exponent c fixed
# on a grid, fitted to the ViT/B/16 ImageNet 10-shot curve; a paper dataset without that curve
# gets a "not applicable" note and a header-only CSV (see scripts/fixed_exponent.py). The job
# reads that curve's raw files and reruns only when the curve's points change (`digest`).

from scalinglaws.paper.fixed_exponent import FIGURE3_CURVE

PAPER_TARGETS.extend(
    [
        "results/{dataset}/figures/fig3_fixed_exponent.png",
        "results/{dataset}/figures/fig3_fixed_exponent.pdf",
        "results/{dataset}/tables/fig3_fixed_exponent.csv",
    ]
)


rule fixed_exponent:
    """Figure 3: interpolation and extrapolation RMSE of M2 against a fixed exponent c."""
    input:
        tables=lambda wildcards: curve_source(wildcards.dataset, FIGURE3_CURVE)[0],
    output:
        png=report(
            "results/{dataset}/figures/fig3_fixed_exponent.png",
            caption="../report/figures.rst",
            category="Figures",
            labels={"dataset": "{dataset}", "figure": "fig3_fixed_exponent"},
        ),
        pdf="results/{dataset}/figures/fig3_fixed_exponent.pdf",
        table="results/{dataset}/tables/fig3_fixed_exponent.csv",
    log:
        "logs/{dataset}/figures/fig3_fixed_exponent.log",
    wildcard_constraints:
        dataset=PAPER_DATASET,
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        digest=lambda wildcards: curve_source(wildcards.dataset, FIGURE3_CURVE)[1],
        code=library_code("paper/fixed_exponent.py", "paper/plots", "plots", "curves.py"),
    script:
        "../../scripts/fixed_exponent.py"
