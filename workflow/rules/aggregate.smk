rule merge:
    """Concatenate the per-batch scores, predictions and forecasts of a dataset, sorted,
    after checking that every batch file holds every row it owes (`plans`)."""
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
        predictions="results/{dataset}/predictions.csv",
        forecasts=report(
            "results/{dataset}/forecasts.csv",
            caption="../report/forecasts.rst",
            category="Forecasts",
            labels={"dataset": "{dataset}", "file": "forecasts.csv"},
        ),
    log:
        "logs/{dataset}/merge.log",
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        plans=batch_plans,
        code=library_code("batches.py"),
    script:
        "../../scripts/merge.py"


rule rankings:
    """Win fractions, mean RMSE and mean rank of every estimator, per domain."""
    input:
        scores="results/{dataset}/scores.csv",
    output:
        rankings=report(
            "results/{dataset}/rankings.csv",
            caption="../report/rankings.rst",
            category="Rankings",
            labels={"dataset": "{dataset}", "file": "rankings.csv"},
        ),
    log:
        "logs/{dataset}/rankings.log",
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
        code=library_code("rankings.py"),
    script:
        "../../scripts/rankings.py"


rule tables:
    """The rankings as Markdown and LaTeX tables."""
    input:
        rankings="results/{dataset}/rankings.csv",
    output:
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
        "logs/{dataset}/tables.log",
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=5,
    params:
        code=library_code("tables.py"),
    script:
        "../../scripts/tables.py"
