"""Alternative fitting protocols: some estimators refitted with options laid over the main ones.

The default `paper` protocol refits M4 as the paper describes it (drop each curve's max-loss fit
point, hold ε0 at that loss; research notes §7.2); the reproduction table sets its numbers
beside the notebook's. One job per paper dataset (`paper: true`) and protocol fits every curve.
"""

PAPER_TARGETS.extend(
    f"results/{{dataset}}/protocols/{name}/scores.csv" for name in sorted(PROTOCOLS)
)


rule fit_protocol:
    """Fit one protocol's estimators to every curve of a dataset and score the extrapolation."""
    input:
        tables=raw_tables,
    output:
        scores="results/{dataset}/protocols/{protocol}/scores.csv",
        predictions="results/{dataset}/protocols/{protocol}/predictions.csv",
    log:
        "logs/{dataset}/protocols/{protocol}.log",
    benchmark:
        "benchmarks/out/{dataset}/protocols/{protocol}.tsv"
    wildcard_constraints:
        dataset=PAPER_DATASET,
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=30,
    params:
        curves=lambda wc: sorted(
            slug for batch in DATASETS[wc.dataset]["batches"].values() for slug in batch["curves"]
        ),
        estimators=lambda wc: protocol_estimators(wc.protocol),
        uncertainty=config["uncertainty"],
        code=FIT_CODE,
    script:
        "../../scripts/fit.py"
