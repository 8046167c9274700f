"""Alternative fitting protocols: some estimators refitted with options laid over the main ones.

The default `paper` protocol refits M4 as the paper describes it (drop each curve's max-loss fit
point, hold ε0 at that loss; docs/reproduction.md); the reproduction table sets its numbers
beside the notebook's. For a paper dataset (`paper: true`), each batch's fit job (rule fit)
also refits the batch's curves under every protocol (so editing a curve refits only its
batch), into results/<dataset>/batches/<b>/protocols/<name>/; merge_protocol merges them.
"""

PAPER_TARGETS.extend(
    f"results/{{dataset}}/protocols/{name}/{kind}"
    for name in sorted(PROTOCOLS)
    for kind in ("scores.csv", "predictions.parquet")
)


rule merge_protocol:
    """One protocol's per-batch scores (sorted CSV) and predictions (Parquet) merged."""
    input:
        protocols=batch_outputs("protocols", folder=True),
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
