"""Calibration of the predictive bands on the extrapolation points (scalinglaws.calibration)."""

EXTRA_TARGETS.append("results/{dataset}/calibration.csv")


rule calibration:
    """Share of extrapolation points inside the 50/80/95 % bands and the mean log-likelihood."""
    input:
        predictions="results/{dataset}/predictions.parquet",
    output:
        calibration=report(
            "results/{dataset}/calibration.csv",
            caption="../report/calibration.rst",
            category="Uncertainty",
            labels={"dataset": "{dataset}", "file": "calibration.csv"},
        ),
    log:
        "logs/{dataset}/calibration.log",
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=5,
    params:
        code=library_code("calibration.py"),
    script:
        "../../scripts/calibration.py"
