rule merge:
    """Check every batch file against the rows it owes (`plans`), merge the scores and the
    forecasts into sorted CSV files and stream the predictions into one Parquet file (one
    batch in memory at a time)."""
    input:
        scores=batch_outputs("scores"),
        predictions=batch_outputs("predictions"),
        forecasts=batch_outputs("forecasts"),
    output:
        scores=report(
            "results/{dataset}/scores.csv",
            caption="../report/scores.rst",
            category="Scores",
            labels={"dataset": "{dataset}", "file": "scores.csv"},
        ),
        predictions="results/{dataset}/predictions.parquet",
        forecasts=report(
            "results/{dataset}/forecasts.csv",
            caption="../report/forecasts.rst",
            category="Forecasts",
            labels={"dataset": "{dataset}", "file": "forecasts.csv"},
        ),
    log:
        "logs/{dataset}/merge.log",
    priority: 10
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        plans=batch_plans,
        code=library_code("batches.py", "io.py"),
    script:
        "../../scripts/merge.py"


rule predictions_csv:
    """predictions.parquet as a sorted CSV, for datasets of at most
    `outputs.predictions_csv_max_curves` curves."""
    input:
        predictions="results/{dataset}/predictions.parquet",
    output:
        predictions="results/{dataset}/predictions.csv",
    log:
        "logs/{dataset}/predictions_csv.log",
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=2048,
        runtime=10,
    script:
        "../../scripts/predictions_csv.py"


rule rankings:
    """Win fractions, mean RMSE and mean rank of every estimator, per domain, as CSV and as
    Markdown and LaTeX tables (before any figure: priority)."""
    input:
        scores="results/{dataset}/scores.csv",
    output:
        rankings=report(
            "results/{dataset}/rankings.csv",
            caption="../report/rankings.rst",
            category="Rankings",
            labels={"dataset": "{dataset}", "file": "rankings.csv"},
        ),
        markdown=report(
            "results/{dataset}/tables/rankings.md",
            caption="../report/tables.rst",
            category="Rankings",
            labels={"dataset": "{dataset}", "file": "rankings.md"},
        ),
        latex=report(
            "results/{dataset}/tables/rankings.tex",
            caption="../report/tables.rst",
            category="Rankings",
            labels={"dataset": "{dataset}", "file": "rankings.tex"},
        ),
    log:
        "logs/{dataset}/rankings.log",
    priority: 10
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=5,
    params:
        decimals=config["rankings"]["decimals"],
        credit=config["rankings"]["credit"],
        code=library_code("rankings.py", "tables.py"),
    script:
        "../../scripts/rankings.py"
