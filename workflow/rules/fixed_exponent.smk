# Figure 3 of the paper: M2 with its exponent c fixed on a grid, fitted to the ViT/B/16
# ImageNet 10-shot curve; a dataset without that curve gets a "not applicable" note and a
# header-only CSV (see scripts/fixed_exponent.py).

EXTRA_TARGETS.extend(
    [
        "results/{dataset}/figures/fig3_fixed_exponent.png",
        "results/{dataset}/figures/fig3_fixed_exponent.pdf",
        "results/{dataset}/tables/fig3_fixed_exponent.csv",
    ]
)


rule fixed_exponent:
    """Figure 3: interpolation and extrapolation RMSE of M2 against a fixed exponent c."""
    input:
        curves="results/{dataset}/curves.csv",
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
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        code=library_code("paper/fixed_exponent.py", "paper/plots", "plots"),
    script:
        "../../scripts/fixed_exponent.py"
