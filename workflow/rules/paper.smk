"""The paper's tables (Tables 1-3), an IC table and the number-by-number reproduction check,
for the datasets holding the paper's curves (`paper: true`).

See scalinglaws.paper.tables. The printed numbers live in data/paper/revisiting_printed.csv, next to
the Snakefile, so the rule also runs with --directory on another dataset.
"""

from scalinglaws.paper.tables import PAPER_TABLES

PRINTED_NUMBERS = str(Path(workflow.basedir) / "data" / "paper" / "revisiting_printed.csv")

if config["paper"]["tables_protocol"] not in ["notebook", *PROTOCOLS]:
    fail(
        f"config: paper: tables_protocol {config['paper']['tables_protocol']!r} is neither "
        f"'notebook' nor a protocol of `protocols` ({', '.join(PROTOCOLS) or 'none'})"
    )

PAPER_TARGETS.extend(
    f"results/{{dataset}}/tables/{name}.{ext}"
    for name in PAPER_TABLES
    for ext in ("md", "tex", "csv")
)


rule paper_tables:
    """Tables 1-3 of the paper formatted from this run, an IC table and the reproduction check."""
    input:
        scores="results/{dataset}/scores.csv",
        predictions="results/{dataset}/predictions.parquet",
        printed=PRINTED_NUMBERS,
        protocol_scores=expand(
            "results/{{dataset}}/protocols/{protocol}/scores.csv",
            protocol=sorted(PROTOCOLS),
        ),
        protocol_predictions=expand(
            "results/{{dataset}}/protocols/{protocol}/predictions.parquet",
            protocol=sorted(PROTOCOLS),
        ),
    output:
        table1_md=report(
            "results/{dataset}/tables/table1.md",
            caption="../report/paper_tables.rst",
            category="Paper tables",
            labels={"dataset": "{dataset}", "file": "table1.md"},
        ),
        table1_tex="results/{dataset}/tables/table1.tex",
        table1_csv="results/{dataset}/tables/table1.csv",
        table2_md=report(
            "results/{dataset}/tables/table2.md",
            caption="../report/paper_tables.rst",
            category="Paper tables",
            labels={"dataset": "{dataset}", "file": "table2.md"},
        ),
        table2_tex="results/{dataset}/tables/table2.tex",
        table2_csv="results/{dataset}/tables/table2.csv",
        table3_md=report(
            "results/{dataset}/tables/table3.md",
            caption="../report/paper_tables.rst",
            category="Paper tables",
            labels={"dataset": "{dataset}", "file": "table3.md"},
        ),
        table3_tex="results/{dataset}/tables/table3.tex",
        table3_csv="results/{dataset}/tables/table3.csv",
        ic_md=report(
            "results/{dataset}/tables/ic.md",
            caption="../report/paper_tables.rst",
            category="Paper tables",
            labels={"dataset": "{dataset}", "file": "ic.md"},
        ),
        ic_tex="results/{dataset}/tables/ic.tex",
        ic_csv="results/{dataset}/tables/ic.csv",
        reproduction_md=report(
            "results/{dataset}/tables/reproduction.md",
            caption="../report/paper_tables.rst",
            category="Paper tables",
            labels={"dataset": "{dataset}", "file": "reproduction.md"},
        ),
        reproduction_tex="results/{dataset}/tables/reproduction.tex",
        reproduction_csv="results/{dataset}/tables/reproduction.csv",
    log:
        "logs/{dataset}/paper_tables.log",
    wildcard_constraints:
        dataset=PAPER_DATASET,
    priority: 5
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=5,
    params:
        protocols=sorted(PROTOCOLS),
        tables_protocol=config["paper"]["tables_protocol"],
        decimals=config["rankings"]["decimals"],
        code=library_code("paper", "metrics.py", "tables.py", "rankings.py"),
    script:
        "../../scripts/paper_tables.py"
