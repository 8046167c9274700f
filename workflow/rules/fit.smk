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
IO_CODE = library_code("batches.py", "io.py")
"""Digest of the code writing the batch files (their format and column types)."""
"""Digest of the code behind the forecasts, which only rule fit makes (not fit_protocol)."""


rule fit:
    """Fit every configured estimator to every curve of one batch, score the extrapolation
    and forecast (config `forecast`; in this job, to spare a Python start-up per batch).

    The job reads the raw CSV files holding its curves (validating them with the library) and
    fits only its own curves. Those inputs are ancient(): editing one curve touches a whole
    CSV file, and that alone must not rerun every batch. A batch reruns when its `digest`
    param (the data of its curves), its curve list, its estimator options or the library code
    behind it (`code`) change, or when its outputs are missing. Reading the ingest rule's
    output instead would not work: Snakemake does not evaluate the params of jobs downstream
    of a job that will run, so with an ancient input the changed batch would be skipped.
    """
    input:
        tables=batch_tables,
    output:
        scores="results/{dataset}/batches/{batch}/scores.parquet",
        predictions="results/{dataset}/batches/{batch}/predictions.parquet",
        forecasts="results/{dataset}/batches/{batch}/forecasts.parquet",
    log:
        "logs/{dataset}/fit/{batch}.log",
    benchmark:
        "benchmarks/out/{dataset}/fit/{batch}.tsv"
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=30,
    params:
        curves=batch_curves,
        digest=batch_digest,
        estimators=batch_estimators,
        uncertainty=config["uncertainty"],
        forecast=FORECAST,
        code=f"{FIT_CODE} {FORECAST_CODE} {IO_CODE}",
    script:
        "../../scripts/fit.py"
