"""HTML pages of every dataset's tables, shown inline by Snakemake's report (`--report`).

The report shows HTML outputs in the browser and offers CSV, Markdown and LaTeX files as
downloads only, so each dataset also gets small HTML pages (scalinglaws.report) under
results/{dataset}/report/: the summary with the headline (category "At a glance", first in the
report's menu, linked from the landing page workflow/report/workflow.rst), the rankings, the
recommended estimator's forecasts, the calibration of the bands, the comparison flips and, for
the paper datasets, the reproduction check. One job per dataset writes all its pages: rule
report_tables, or report_paper_tables for a paper dataset (which adds the reproduction page).
"""

import re

from scalinglaws.report import MAX_ROWS

REPORT_PAGES = {
    "summary": ("At a glance", "summary.rst"),
    "rankings": ("Rankings", "rankings.rst"),
    "forecasts": ("Forecasts", "forecasts_table.rst"),
    "calibration": ("Uncertainty", "calibration.rst"),
    "comparison_flips": ("Comparisons", "comparisons.rst"),
}
"""Page (output name, file results/{dataset}/report/<page>.html) -> (report category, caption
in workflow/report/), for every dataset."""

# The datasets not holding the paper's curves (the counterpart of PAPER_DATASET).
OTHER_DATASETS = [name for name in sorted(DATASETS) if name not in PAPER_DATASETS]
OTHER_DATASET = "|".join(re.escape(name) for name in OTHER_DATASETS) or "(?!)"

EXTRA_TARGETS.extend(f"results/{{dataset}}/report/{page}.html" for page in REPORT_PAGES)
PAPER_TARGETS.append("results/{dataset}/report/reproduction.html")


# The page outputs marked for the report, per rule: "other" (report_tables) and "paper"
# (report_paper_tables, with the reproduction page). Each rule gets objects of its own, as
# Snakemake rewrites their flags.
REPORT_OUTPUTS = {
    kind: {
        page: report(
            f"results/{{dataset}}/report/{page}.html",
            caption=f"../report/{caption}",
            category=category,
            labels={"dataset": "{dataset}", "file": f"{page}.html"},
        )
        for page, (category, caption) in pages.items()
    }
    for kind, pages in {
        "other": REPORT_PAGES,
        "paper": {**REPORT_PAGES, "reproduction": ("Paper tables", "paper_tables.rst")},
    }.items()
}

REPORT_INPUTS = {
    "rankings": "results/{dataset}/rankings.csv",
    "forecasts": "results/{dataset}/forecasts.csv",
    "calibration": "results/{dataset}/calibration.csv",
    "flips": "results/{dataset}/tables/comparison_flips.csv",
}

REPORT_PARAMS = {
    "recommended": config.get("recommended_estimator"),
    "scales": config["forecast"]["scales"],
    "x": config["forecast"]["x"],
    "max_rows": MAX_ROWS,
    "code": library_code("report.py", "tables.py", "paper/report.py", "paper/tables.py"),
}


rule report_tables:
    """The HTML pages of a dataset's tables (summary, rankings, forecasts, calibration,
    comparison flips), shown inline by the report."""
    input:
        **REPORT_INPUTS,
    output:
        **REPORT_OUTPUTS["other"],
    log:
        "logs/{dataset}/report_tables.log",
    wildcard_constraints:
        dataset=OTHER_DATASET,
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        **REPORT_PARAMS,
    script:
        "../../scripts/report_tables.py"


rule report_paper_tables:
    """The pages of rule report_tables for a paper dataset, with the reproduction check and
    its count of the paper's numbers reproduced in the summary."""
    input:
        **REPORT_INPUTS,
        reproduction="results/{dataset}/tables/reproduction.csv",
    output:
        **REPORT_OUTPUTS["paper"],
    log:
        "logs/{dataset}/report_tables.log",
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
        **REPORT_PARAMS,
    script:
        "../../scripts/report_tables.py"
