FIT_CODE = library_code(
    "curves.py",
    "fitting.py",
    "metrics.py",
    "errors.py",
    "estimators",
    "bands.py",
    "uncertainty.py",
)
"""Digest of the library code behind a fit job (its results change when this code does)."""
FORECAST_CODE = library_code("api.py", "forecasting.py")
"""Digest of the code behind the forecasts."""
IO_CODE = library_code("batches.py", "io.py")
"""Digest of the code writing the batch files (their format and column types)."""


rule fit:
    """Fit every configured estimator to every curve of one batch, score the extrapolation,
    forecast (config `forecast`) and, for a paper dataset, refit the curves under each
    protocol of config `protocols` into protocols/<name>/ (all in this job, to spare a
    Python start-up per batch).

    The job reads its batch's curves (results/<dataset>/batches/<b>/curves.csv, written at
    parse time and only when one of its curves changed, so editing one curve reruns one
    batch) and writes typed Parquet batch files. A batch also reruns when its estimator
    options or the library code behind it (`code`) change, or when its outputs are missing.
    A split *rule* would not do: Snakemake deletes and rewrites every output of a job it
    runs, so every batch would rerun after any edit.
    """
    input:
        curves=BATCH_INPUT,
    output:
        scores="results/{dataset}/batches/{batch}/scores.parquet",
        predictions="results/{dataset}/batches/{batch}/predictions.parquet",
        forecasts="results/{dataset}/batches/{batch}/forecasts.parquet",
        protocols=directory("results/{dataset}/batches/{batch}/protocols"),
    log:
        "logs/{dataset}/fit/{batch}.log",
    benchmark:
        "benchmarks/out/{dataset}/fit/{batch}.tsv"
    priority: 10  # every fit before any figure: the tables come first
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=30,
    params:
        curves=batch_curves,
        estimators=batch_estimators,
        uncertainty=config["uncertainty"],
        forecast=FORECAST,
        protocols=batch_protocols,
        code=f"{FIT_CODE} {FORECAST_CODE} {IO_CODE}",
    script:
        "../../scripts/fit.py"
