# Figures of the paper (section 4 of the notes), for the paper datasets (`paper: true`). A paper
# figure the dataset cannot support is written as a "not applicable" note (see
# scripts/figures.py). The per-curve figures are drawn per batch, with the comparisons (rule
# batch_figures in compare.smk): editing one curve redraws its batch only.

FIGURES = ["fig1_top", "fig1_bottom", "fig5", "fig6", "fig7", "fig8", "fig9"]
FORMATS = config["figures"]["formats"]

PAPER_TARGETS.extend(
    f"results/{{dataset}}/figures/{name}.{ext}" for name in FIGURES for ext in FORMATS["paper"]
)


FIGURE_CODE = library_code("plots", "paper/plots", "curves.py", "estimators")
"""Digest of the library code behind the figures."""

AXIS_LABELS = config["figures"]["axis_labels"]
"""Per dataset, the {x, y} axis labels of its fitted-curve figures (empty: the defaults)."""


rule paper_figures:
    """The paper's figures, each in the formats of config figures.formats.paper, in one job
    (one Python start-up, the data read once)."""
    input:
        scores="results/{dataset}/scores.csv",
        predictions="results/{dataset}/predictions.parquet",
        rankings="results/{dataset}/rankings.csv",
    output:
        [
            (
                report(
                    f"results/{{dataset}}/figures/{name}.{ext}",
                    caption="../report/figures.rst",
                    category="Figures",
                    labels={"dataset": "{dataset}", "figure": name},
                )
                if ext == "png"
                else f"results/{{dataset}}/figures/{name}.{ext}"
            )
            for name in FIGURES
            for ext in FORMATS["paper"]
        ],
    log:
        "logs/{dataset}/figures/paper.log",
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
        figures=FIGURES,
        formats=FORMATS["paper"],
        code=FIGURE_CODE,
        axis_labels=lambda wildcards: AXIS_LABELS.get(wildcards.dataset) or {},
    script:
        "../../scripts/figures.py"
