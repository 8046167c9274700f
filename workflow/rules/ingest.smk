rule ingest:
    """Validate a dataset's raw CSV files and write its curves in the canonical long format."""
    input:
        tables=raw_tables,
    output:
        curves="results/{dataset}/curves.csv",
    log:
        "logs/{dataset}/ingest.log",
    localrule: True
    conda:
        "../../envs/scalinglaws.yaml"
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        code=library_code("curves.py", "errors.py"),
    script:
        "../../scripts/ingest.py"
