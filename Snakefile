"""scalinglaws: fit, rank and tabulate scaling-law estimators on learning-curve datasets.

Run from the repository root with `snakemake --cores 2`; see README.md.
"""

from snakemake.utils import min_version

min_version("9.19")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/protocols.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/synthetic.smk"
include: "workflow/rules/fixed_exponent.smk"
include: "workflow/rules/uncertainty.smk"
include: "workflow/rules/compare.smk"
include: "workflow/rules/report.smk"


# Every check of the config has passed: write each batch's curves (only those that changed).
write_all_batch_inputs()


rule all:
    default_target: True
    input:
        final_outputs(),


onsuccess:
    summarize_run()
