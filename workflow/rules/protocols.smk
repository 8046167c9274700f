"""Alternative fitting protocols: some estimators refitted with options laid over the main ones.

The default `paper` protocol refits M4 as the paper describes it (drop each curve's max-loss fit
point, hold ε0 at that loss; docs/reproduction.md); the reproduction table sets its numbers
beside the notebook's. Per paper dataset (`paper: true`) and protocol, one job per batch fits
the batch's curves (so editing a curve refits only its batch), and merge_protocol merges them.
"""

PAPER_TARGETS.extend(
    f"results/{{dataset}}/protocols/{name}/{kind}"
    for name in sorted(PROTOCOLS)
    for kind in ("scores.csv", "predictions.parquet")
)


rule fit_protocol:
    """Fit one protocol's estimators to the curves of one batch and score the extrapolation."""
    input:
        curves=BATCH_INPUT,
    output:
        scores="results/{dataset}/batches/{batch}/protocols/{protocol}/scores.parquet",
        predictions="results/{dataset}/batches/{batch}/protocols/{protocol}/predictions.parquet",
    log:
        "logs/{dataset}/protocols/{protocol}/{batch}.log",
    benchmark:
        "benchmarks/out/{dataset}/protocols/{protocol}/{batch}.tsv"
    wildcard_constraints:
        dataset=PAPER_DATASET,
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=30,
    params:
        curves=batch_curves,
        estimators=lambda wc: protocol_estimators(wc.protocol),
        uncertainty=config["uncertainty"],
        code=f"{FIT_CODE} {IO_CODE}",
    script:
        "../../scripts/fit.py"


rule merge_protocol:
    """One protocol's per-batch scores (sorted CSV) and predictions (Parquet) merged."""
    input:
        scores=batch_outputs("protocols/{protocol}/scores.parquet"),
        predictions=batch_outputs("protocols/{protocol}/predictions.parquet"),
    output:
        scores="results/{dataset}/protocols/{protocol}/scores.csv",
        predictions="results/{dataset}/protocols/{protocol}/predictions.parquet",
    log:
        "logs/{dataset}/protocols/{protocol}/merge.log",
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
        plans=lambda wc: [
            {**plan, "estimators": list(PROTOCOLS[wc.protocol]), "forecast_estimators": []}
            for plan in batch_plans(wc)
        ],
        code=IO_CODE,
    script:
        "../../scripts/merge.py"
