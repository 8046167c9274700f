"""Pairwise comparisons of models by their laws, and the two-variable law L(N, D).

See scalinglaws.comparisons and scalinglaws.joint_law. Both rules write their outputs for every
dataset: a dataset without two fitted models per task gets empty comparison tables with a
note, and one not declared in joint_law.datasets (or whose N column cannot be read) gets a
params.csv recording why.
"""

COMPARISONS = config["comparisons"]
JOINT_LAW = config["joint_law"]
# The compared law: comparisons.estimator; if empty, the first configured of the recommended
# estimator and M4, else the first configured estimator.
COMPARISON_ESTIMATOR = COMPARISONS.get("estimator") or next(
    (
        name
        for name in (config.get("recommended_estimator"), "M4", *config["estimators"])
        if name in config["estimators"]
    ),
    "M4",
)

if COMPARISON_ESTIMATOR not in config["estimators"]:
    fail(
        f"config: comparisons: estimator {COMPARISON_ESTIMATOR!r} is not among the "
        f"configured estimators ({', '.join(config['estimators'])})"
    )
for _name in JOINT_LAW["datasets"]:
    if _name not in config["datasets"]:  # a dataset switched off (enabled: false) is skipped
        fail(f"config: joint_law: datasets: {_name!r} is not a dataset of config datasets")

EXTRA_TARGETS.extend(
    [
        "results/{dataset}/comparisons.csv",
        "results/{dataset}/tables/comparison_flips.md",
        "results/{dataset}/tables/comparison_flips.csv",
        "results/{dataset}/joint_law/params.csv",
        "results/{dataset}/joint_law/compute_optimal.csv",
        "results/{dataset}/figures/joint_law_contours.png",
        "results/{dataset}/figures/joint_law_contours.pdf",
    ]
)
BATCH_TARGETS.extend(
    [
        "results/{dataset}/figures/comparisons/{batch}",
        "results/{dataset}/figures/curves/{batch}",
    ]
)


rule batch_figures:
    """One batch's figures in one job: every same-task pair compared by its fitted laws at the
    target scales (the models of a task share a batch), with the comparison tables and one
    figure per compared task, then one figure per curve (Appendix A.3 format), named
    domain_task_model."""
    input:
        curves=BATCH_INPUT,
        scores="results/{dataset}/batches/{batch}/scores.parquet",
        predictions="results/{dataset}/batches/{batch}/predictions.parquet",
    output:
        comparisons="results/{dataset}/batches/{batch}/comparisons.csv",
        checks="results/{dataset}/batches/{batch}/comparison_checks.csv",
        notes="results/{dataset}/batches/{batch}/comparison_notes.txt",
        comparison_figures=report(
            directory("results/{dataset}/figures/comparisons/{batch}"),
            patterns=["{task}.png"],
            caption="../report/comparisons.rst",
            category="Comparisons",
            subcategory="Figures",
            labels={"dataset": "{dataset}", "figure": "{task}"},
        ),
        curve_figures=report(
            directory("results/{dataset}/figures/curves/{batch}"),
            patterns=["{slug}.png"],
            caption="../report/figures.rst",
            category="Figures",
            subcategory="Curves",
            labels={"dataset": "{dataset}", "figure": "{slug}"},
        ),
    log:
        "logs/{dataset}/figures/batches/{batch}.log",
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=30,
    params:
        estimator=COMPARISON_ESTIMATOR,
        scales=COMPARISONS["scales"],
        replicates=COMPARISONS["replicates"],
        seed=COMPARISONS["seed"],
        comparison_formats=FORMATS["comparisons"],
        curve_formats=FORMATS["curves"],
        axis_labels=lambda wildcards: AXIS_LABELS.get(wildcards.dataset) or {},
        code=library_code(
            "comparisons.py", "uncertainty.py", "bands.py", "curves.py", "plots", "estimators"
        ),
    script:
        "../../scripts/batch_figures.py"


rule comparisons:
    """The batches' comparisons merged, and the flip table over every checked pair."""
    input:
        comparisons=batch_outputs("comparisons.csv"),
        checks=batch_outputs("comparison_checks.csv"),
        notes=batch_outputs("comparison_notes.txt"),
    output:
        comparisons=report(
            "results/{dataset}/comparisons.csv",
            caption="../report/comparisons.rst",
            category="Comparisons",
            labels={"dataset": "{dataset}", "file": "comparisons.csv"},
        ),
        flips_md=report(
            "results/{dataset}/tables/comparison_flips.md",
            caption="../report/comparisons.rst",
            category="Comparisons",
            labels={"dataset": "{dataset}", "file": "comparison_flips.md"},
        ),
        flips_csv="results/{dataset}/tables/comparison_flips.csv",
    log:
        "logs/{dataset}/comparisons.log",
    priority: 5
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        code=library_code("comparisons.py", "tables.py"),
    script:
        "../../scripts/compare_merge.py"


rule joint_law:
    """L(N, D) = E + A/N^α + B/D^β with bootstrap intervals and compute-optimal allocation.
    It reads the raw files holding its domain's curves and reruns when those curves change."""
    input:
        tables=lambda wildcards: joint_law_source(wildcards)[0],
    output:
        params=report(
            "results/{dataset}/joint_law/params.csv",
            caption="../report/joint_law.rst",
            category="Joint law L(N, D)",
            labels={"dataset": "{dataset}", "file": "params.csv"},
        ),
        optimal=report(
            "results/{dataset}/joint_law/compute_optimal.csv",
            caption="../report/joint_law.rst",
            category="Joint law L(N, D)",
            labels={"dataset": "{dataset}", "file": "compute_optimal.csv"},
        ),
        png=report(
            "results/{dataset}/figures/joint_law_contours.png",
            caption="../report/joint_law.rst",
            category="Joint law L(N, D)",
            labels={"dataset": "{dataset}", "file": "joint_law_contours.png"},
        ),
        pdf="results/{dataset}/figures/joint_law_contours.pdf",
    log:
        "logs/{dataset}/joint_law.log",
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        spec=lambda wildcards: JOINT_LAW["datasets"].get(wildcards.dataset) or {},
        digest=lambda wildcards: joint_law_source(wildcards)[1],
        replicates=JOINT_LAW["replicates"],
        seed=JOINT_LAW["seed"],
        code=library_code("joint_law.py", "curves.py", "plots"),
    script:
        "../../scripts/joint_law.py"
