# Figures of the paper (section 4 of the notes), for the paper datasets (`paper: true`), and
# one fitted-curve figure per curve, for every dataset. A paper figure the dataset cannot
# support is written as a "not applicable" note (see scripts/figures.py).

FIGURES = ["fig1_top", "fig1_bottom", "fig5", "fig6", "fig7", "fig8", "fig9"]

PAPER_TARGETS.extend(
    f"results/{{dataset}}/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "pdf")
)
EXTRA_TARGETS.append("results/{dataset}/figures/curves")


FIGURE_CODE = library_code("plots", "paper/plots", "curves.py", "estimators")
"""Digest of the library code behind the figures."""

AXIS_LABELS = config.get("figures", {}).get("axis_labels", {})
"""Per dataset, the {x, y} axis labels of its fitted-curve figures (empty: the defaults)."""


rule figure:
    """One of the paper's figures, as PNG and PDF."""
    input:
        scores="results/{dataset}/scores.csv",
        predictions="results/{dataset}/predictions.csv",
        rankings="results/{dataset}/rankings.csv",
    output:
        png=report(
            "results/{dataset}/figures/{figure}.png",
            caption="../report/figures.rst",
            category="Figures",
            labels={"dataset": "{dataset}", "figure": "{figure}"},
        ),
        pdf="results/{dataset}/figures/{figure}.pdf",
    log:
        "logs/{dataset}/figures/{figure}.log",
    wildcard_constraints:
        dataset=PAPER_DATASET,
        figure="|".join(FIGURES),
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        code=FIGURE_CODE,
        axis_labels=lambda wildcards: AXIS_LABELS.get(wildcards.dataset) or {},
    script:
        "../../scripts/figures.py"


rule curve_figures:
    """One figure per curve of a dataset (Appendix A.3 format), PNG and PDF, named by slug."""
    input:
        scores="results/{dataset}/scores.csv",
        predictions="results/{dataset}/predictions.csv",
    output:
        directory=report(
            directory("results/{dataset}/figures/curves"),
            patterns=["{slug}.png"],
            caption="../report/figures.rst",
            category="Figures",
            subcategory="Curves",
            labels={"dataset": "{dataset}", "figure": "{slug}"},
        ),
    log:
        "logs/{dataset}/figures/curves.log",
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 2
    resources:
        mem_mb=2048,
        runtime=30,
    params:
        code=FIGURE_CODE,
        axis_labels=lambda wildcards: AXIS_LABELS.get(wildcards.dataset) or {},
    script:
        "../../scripts/figures.py"
