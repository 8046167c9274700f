# Figure 2 of the paper: a simulated logistic-regression learning curve (config `synthetic`),
# every configured estimator fitted above each cutoff. Not tied to a dataset: the outputs live
# in results/synthetic/, and results/synthetic/curve.csv can be added as a dataset.

SYNTHETIC_OUTPUTS = [
    "results/synthetic/curve.csv",
    "results/synthetic/figures/fig2_synthetic.png",
    "results/synthetic/figures/fig2_synthetic.pdf",
    "results/synthetic/tables/fig2_exponents.csv",
    "results/synthetic/tables/fig2_exponents.md",
    "results/synthetic/tables/fig2_excess_risk.csv",
]

if config["synthetic"]["enabled"]:
    EXTRA_TARGETS.extend(SYNTHETIC_OUTPUTS)

# Every configured estimator's options for a domain named "synthetic", overlaid by the
# section's own `estimators` options (e.g. M4's ε0 = 0.5, a binary classifier's coin flip).
SYNTHETIC_ESTIMATORS = {
    name: {
        **registry.options_for(spec, "synthetic"),
        **(config["synthetic"]["estimators"].get(name) or {}),
    }
    for name, spec in config["estimators"].items()
}
if config["synthetic"]["enabled"]:  # bad options stop the run before any job
    check_estimators(
        {name: {"options": opts} for name, opts in SYNTHETIC_ESTIMATORS.items()}, ["synthetic"]
    )


rule synthetic:
    """Figure 2: simulate the curve, fit every estimator above each cutoff, draw and tabulate."""
    output:
        curve="results/synthetic/curve.csv",
        png=report(
            "results/synthetic/figures/fig2_synthetic.png",
            caption="../report/figures.rst",
            category="Figures",
            labels={"dataset": "synthetic", "figure": "fig2_synthetic"},
        ),
        pdf="results/synthetic/figures/fig2_synthetic.pdf",
        exponents_csv="results/synthetic/tables/fig2_exponents.csv",
        exponents_md="results/synthetic/tables/fig2_exponents.md",
        excess_csv="results/synthetic/tables/fig2_excess_risk.csv",
    log:
        "logs/synthetic/synthetic.log",
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=2048,
        runtime=10,
    params:
        config=config["synthetic"],
        estimators=SYNTHETIC_ESTIMATORS,
        code=library_code("paper/synthetic.py", "paper/plots", "plots", "estimators"),
    script:
        "../../scripts/synthetic.py"
