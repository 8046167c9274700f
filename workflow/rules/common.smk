"""Parse-time setup: config validation, the curves of every dataset, and their fit batches.

The raw dataset CSVs are read and validated here, when the Snakefile is parsed (about 0.1 s
for the 92-curve benchmark), so curve keys and batches are known without checkpoints, and bad
input stops the run before any job starts, with the library's message (file, row, column).

Incremental reruns: the curves of each batch are written to
results/<dataset>/batches/<b>/curves.csv here, and only when one of them changed
(write_batch_inputs). The batch jobs (fit, batch_figures) read that file,
so editing one curve reruns one batch's jobs and then the aggregates. The resulting plan
(batches, their curves and digests) is stored in results/<dataset>/batches/plan.json; a parse
that finds the same files (by content), settings and code reads it instead of the raw files.
"""

import glob
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

# Use the repository's library when it is not installed (e.g. in a bare Snakemake env).
sys.path.append(str(Path(workflow.basedir) / "src"))

import scalinglaws
from scalinglaws.config_check import config_problem
from scalinglaws.curves import (
    COLUMNS,
    SOURCE,
    read_curve_table,
)
from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators import registry
from scalinglaws.io import write_csv_atomic, write_text_atomic


def fail(message):
    """Stop with ``message`` alone: a WorkflowError would append a traceback of this file."""
    logger.error(message)
    raise SystemExit(1)


# One short located message instead of Snakemake's dump of the schema and the config; then
# Snakemake's own validation fills in the schema's defaults.
CONFIG_SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
if problem := config_problem(config, yaml.safe_load(CONFIG_SCHEMA.read_text())):
    fail(problem)
validate(config, schema="../schemas/config.schema.yaml")


LIBRARY_DIR = Path(scalinglaws.__file__).parent


def library_code(*parts):
    """A digest of library source files or packages (relative to the scalinglaws package).

    Passed as a param, so that editing the library code behind a rule reruns its jobs, as
    Snakemake's own code trigger does for the rule's script.
    """
    h = hashlib.sha256()
    for part in parts:
        path = LIBRARY_DIR / part
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(file.relative_to(LIBRARY_DIR).as_posix().encode("utf-8") + b"\0")
            h.update(file.read_bytes())
    return h.hexdigest()[:16]


def dataset_files(name, pattern):
    """The CSV files of one dataset: the file named, or the sorted matches of a glob."""
    paths = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    paths = [p for p in paths if Path(p).is_file()]
    if not paths:
        fail(
            f"dataset {name!r}: no CSV file matches path {pattern!r} "
            f"(relative to the working directory {Path.cwd()})"
        )
    return paths


def batch_count(n_curves, n_tasks, settings):
    """How many batches a dataset's curves are spread over (config `fit`).

    ``batches: auto``: the smallest power of two giving at most ``curves_per_batch`` curves
    per batch, at most ``max_batches`` and at most one batch per (domain, task). Powers of two
    keep growth cheap: when the count doubles, each batch splits in two and no curve moves
    elsewhere.
    """
    if settings["batches"] != "auto":
        return int(settings["batches"])
    wanted = -(-n_curves // settings["curves_per_batch"])  # ceil
    limit = min(settings["max_batches"], n_tasks)
    power_up = 1 << max(0, wanted - 1).bit_length()  # smallest power of two >= wanted
    power_down = 1 << max(1, limit).bit_length() - 1  # largest power of two <= limit
    return min(power_up, power_down)


def task_batches(tasks, n_batches):
    """{(domain, task): batch name}: the tasks dealt to ``n_batches`` batches by expected cost.

    ``tasks`` maps (domain, task) to its number of curves (the cost of its fits, figures and
    comparisons). Largest task first, each to the batch with the fewest curves so far (ties:
    lowest batch); tasks of equal size in the order of a stable hash of their names, so the
    assignment depends only on the set of tasks and their sizes. Editing a curve's values
    never moves it; adding or removing a task or a curve may move other tasks.
    """
    width = len(str(n_batches - 1))
    load = [0] * n_batches
    order = sorted(tasks, key=lambda t: (-tasks[t], _stable_hash("\x1f".join(t))))
    assignment = {}
    for task in order:
        batch = min(range(n_batches), key=lambda b: (load[b], b))
        load[batch] += tasks[task]
        assignment[task] = f"{batch:0{width}d}"
    return assignment


def _stable_hash(text):
    """A hash of ``text`` that is the same in every Python process (unlike hash())."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def curve_digest(curve):
    """A digest of everything a fit sees of one curve: its key and its points."""
    h = hashlib.sha256()
    for part in (curve.key.domain, curve.key.task, curve.key.model):
        h.update(part.encode("utf-8") + b"\x1f")
    for values in (curve.x_fit, curve.y_fit, curve.x_test, curve.y_test):
        values = np.ascontiguousarray(values, dtype="<f8")
        h.update(values.size.to_bytes(8, "little") + values.tobytes())
    return h.hexdigest()


def digest_of(batch):
    """One digest over the curves of a batch: changes exactly when one of them changes."""
    curves = batch["curves"]
    text = "\n".join(f"{slug} {curves[slug][0]}" for slug in sorted(curves))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_dataset(name, entry):
    """Files and batches of one dataset: its stored plan (plan.json) when the files, the `fit`
    settings and the code that reads and batches curves are unchanged and every batch input
    is in place, else read_dataset."""
    paths = dataset_files(name, entry["path"])
    key = plan_key(paths)
    plan = read_plan(name, key)
    if plan is None or any(
        batch_input_stale(name, b, batch) for b, batch in plan["batches"].items()
    ):
        plan = read_dataset(name, paths) | {"key": key}
    return plan


def read_dataset(name, paths):
    """Read and check the files, split the curves into batches; bad input stops the run with
    the library's message. The table's rows are kept (as "pending", for
    write_all_batch_inputs) only when a batch's input file is missing or out of date, and
    then only the columns written."""
    try:
        read = read_curve_table(paths)
    except ScalingLawsError as exc:
        fail(f"dataset {name!r} has bad input:\n{exc}")
    curves = read.curves
    if not curves:
        fail(f"dataset {name!r} ({', '.join(paths)}) holds no curves")
    tasks = Counter((c.key.domain, c.key.task) for c in curves)
    batch_of = task_batches(tasks, batch_count(len(curves), len(tasks), config["fit"]))
    batches = {}
    for curve in curves:
        batch = batches.setdefault(
            batch_of[(curve.key.domain, curve.key.task)],
            {"curves": {}, "domains": set()},  # curves: slug -> (digest, key)
        )
        key = (curve.key.domain, curve.key.task, curve.key.model)
        batch["curves"][curve.key.slug] = (curve_digest(curve), key)
        batch["domains"].add(curve.key.domain)
    rows_of = batch_rows(read, batch_of)
    source_codes, source_names = pd.factorize(read.table[SOURCE])
    for batch_name, rows in rows_of.items():
        held = set(source_names[np.unique(source_codes[rows])])
        batches[batch_name]["files"] = [path for path in paths if path in held]
    stale = {b: rows for b, rows in rows_of.items() if batch_input_stale(name, b, batches[b])}
    return {
        # written by write_all_batch_inputs, then dropped
        "pending": (read.table[list(COLUMNS)] if stale else None, stale),
        "paths": paths,
        "domains": sorted({c.key.domain for c in curves}),
        "batches": batches,
        "n_curves": len(curves),
    }


# The plan of a dataset (its files, domains, batches and their curves) is stored in
# results/<name>/batches/plan.json, keyed by plan_key: a later parse (a rerun, a dry run, a
# cluster job's own parse of this file) reads it instead of every raw file (at 50,000 curves,
# 2.9 s and 0.23 GiB, 1.6 s of it hashing the files, against 16 s and 1.65 GiB).
PLAN_VERSION = 1
WORKFLOW_CODE = hashlib.sha256(
    Path(workflow.basedir, "workflow/rules/common.smk").read_bytes()
).hexdigest()


def plan_key(paths):
    """A digest of what a dataset's plan depends on: the bytes of its files (in order), the
    `fit` settings, and the code that reads curves (scalinglaws.curves) and batches them (this
    file)."""
    h = hashlib.sha256()
    settings = [PLAN_VERSION, config["fit"], library_code("curves.py"), WORKFLOW_CODE]
    h.update(json.dumps(settings, sort_keys=True).encode("utf-8"))
    for name in paths:
        with open(name, "rb") as file:
            content = hashlib.file_digest(file, "sha256").digest()
        h.update(f"{name}\0".encode("utf-8"))
        h.update(content)
    return h.hexdigest()


def batches_folder(name):
    """results/<name>/batches: the dataset's plan and one folder per batch."""
    return Path("results") / name / "batches"


def plan_file(name):
    return batches_folder(name) / "plan.json"


def read_plan(name, key):
    """The stored plan of dataset ``name`` if its key is ``key``, else None."""
    try:
        stored = json.loads(plan_file(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    try:
        for batch in stored["batches"].values():
            batch["curves"] = {slug: (d, tuple(k)) for slug, (d, k) in batch["curves"].items()}
            batch["domains"] = set(batch["domains"])
        missing = {"paths", "domains", "n_curves"} - set(stored)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None  # edited by hand: read the files again
    return None if missing else stored


def write_plan(name, plan):
    """Store ``plan`` (without its pending rows) as results/<name>/batches/plan.json."""
    stored = {
        **{field: plan[field] for field in ("key", "paths", "domains", "n_curves")},
        "batches": {
            b: {
                "curves": {slug: [d, [*k]] for slug, (d, k) in batch["curves"].items()},
                "domains": sorted(batch["domains"]),
                "files": batch["files"],
            }
            for b, batch in plan["batches"].items()
        },
    }
    write_text_atomic(plan_file(name), json.dumps(stored, separators=(",", ":")) + "\n")


def batch_rows(read, batch_of):
    """{batch: the table's row positions of its curves, in file order}, from each row's curve
    (``read.row_curve``: no grouping of text per row, 11 M rows of 50,000 curves stay within
    memory)."""
    names = sorted(set(batch_of.values()))
    index = {batch: i for i, batch in enumerate(names)}
    curve_batch = np.array(
        [index[batch_of[(c.key.domain, c.key.task)]] for c in read.curves], dtype=np.int64
    )
    row_batch = curve_batch[read.row_curve]
    order = np.argsort(row_batch, kind="stable")
    bounds = np.searchsorted(row_batch[order], np.arange(len(names) + 1))
    return {batch: order[bounds[i] : bounds[i + 1]] for i, batch in enumerate(names)}


def batch_input_files(name, batch_name):
    """A batch's input (curves.csv) and the digest of its curves beside it (curves.sha256)."""
    folder = batches_folder(name) / batch_name
    return folder / "curves.csv", folder / "curves.sha256"


def batch_input_stale(name, batch_name, batch):
    """Whether the batch's curves.csv is missing or holds other curves than ``batch``'s."""
    curves_file, stamp = batch_input_files(name, batch_name)
    fresh = curves_file.exists() and stamp.exists() and stamp.read_text() == digest_of(batch)
    return not fresh


def write_batch_inputs(name, table, rows_of, batches):
    """The given batches' rows of the validated raw table (``rows_of``: the stale batches,
    see batch_input_stale), as results/<name>/batches/<b>/curves.csv.

    Written here, at parse time, and only when the batch's curves changed (their digest is
    kept in curves.sha256 beside it): a batch's jobs read this file, so editing one curve
    updates one batch's input and Snakemake reruns that batch alone, and no job reads a whole
    raw file (at 50,000 curves, hundreds of MB).
    """
    for batch_name, rows in rows_of.items():
        curves_file, stamp = batch_input_files(name, batch_name)
        write_csv_atomic(table.iloc[rows], curves_file)
        write_text_atomic(stamp, digest_of(batches[batch_name]))


def write_all_batch_inputs():
    """Every dataset's batch inputs (write_batch_inputs), once the whole config has passed
    its checks (the Snakefile calls this after its includes): a bad config writes nothing."""
    for name, dataset in DATASETS.items():
        if "pending" not in dataset:  # read from its stored plan: nothing has changed
            continue
        table, rows_of = dataset.pop("pending")
        write_batch_inputs(name, table, rows_of, dataset["batches"])
        write_plan(name, dataset)


def check_estimators(estimators, domains):
    """Build every configured estimator for every domain once, so typos fail before any job."""
    try:
        registry.check_entries(estimators, domains)
    except ScalingLawsError as exc:
        fail(f"config: {exc}")


DATASETS = {
    name: load_dataset(name, entry)
    for name, entry in config["datasets"].items()
    if entry["enabled"]
}
if not DATASETS:
    fail("config: datasets: every dataset is switched off (enabled: false)")
ALL_DOMAINS = sorted({d for ds in DATASETS.values() for d in ds["domains"]})
check_estimators(config["estimators"], ALL_DOMAINS)


def forecast_settings(section, estimators, level):
    """The `forecast` config section resolved: its estimators (default: every configured
    one) checked against ``estimators``, its level defaulting to ``level`` (the bands')."""
    names = section["estimators"]
    names = list(estimators) if names is None else [names] if isinstance(names, str) else names
    unknown = [name for name in names if name not in estimators]
    if unknown or not names:
        fail(
            f"config: forecast: estimators {unknown or names} are not among the configured "
            f"estimators ({', '.join(estimators)})"
        )
    if not section["scales"] and not section["x"]:
        fail("config: forecast: no target; give scales (multiples of a curve's largest x) or x")
    resolved = {**section, "estimators": list(dict.fromkeys(names))}
    return {**resolved, "level": level if section["level"] is None else section["level"]}


# The `forecast` section resolved (rule fit forecasts every curve of its batch).
FORECAST = forecast_settings(
    config["forecast"], config["estimators"], config["uncertainty"]["level"]
)


# Alternative fitting protocols (workflow/rules/protocols.smk): estimator options laid over
# the `estimators` entries; checked here like the main estimators.
PROTOCOLS = config["protocols"]


def protocol_estimators(name):
    """The estimator entries of protocol ``name``: its overrides laid over `estimators`."""
    return {
        estimator: registry.overlay(config["estimators"].get(estimator), override)
        for estimator, override in PROTOCOLS[name].items()
    }


for name in PROTOCOLS:
    check_estimators(protocol_estimators(name), ALL_DOMAINS)


wildcard_constraints:
    dataset="|".join(re.escape(name) for name in DATASETS),
    batch=r"\d+",


# Datasets holding the paper's curves (`datasets: NAME: {paper: true}`): only they get the
# paper's own figures, tables and protocol refits. PAPER_DATASET is a wildcard constraint for
# the rules making those, so they do not match any other dataset.
PAPER_DATASETS = sorted(name for name in DATASETS if config["datasets"][name].get("paper"))
PAPER_DATASET = "|".join(re.escape(name) for name in PAPER_DATASETS) or "(?!)"


def batch_protocols(wildcards):
    """Per protocol name, its estimator entries, for a paper dataset (`paper: true`); none
    for another dataset (the protocols are the paper's; protocols.smk)."""
    if wildcards.dataset not in PAPER_DATASETS:
        return {}
    return {name: protocol_estimators(name) for name in sorted(PROTOCOLS)}


# Per-dataset targets added by later .smk files; each appends path patterns with a {dataset}
# wildcard. `rule all` asks for EXTRA_TARGETS for every dataset (figures, comparisons, ...)
# and for PAPER_TARGETS (the paper's figures and tables) for the paper datasets.
EXTRA_TARGETS = []
PAPER_TARGETS = []
BATCH_TARGETS = []
"""Per-batch targets (patterns with {dataset} and {batch}), e.g. each batch's curve figures."""

CSV_MAX_CURVES = config["outputs"]["predictions_csv_max_curves"]
"""predictions.csv (a sorted CSV copy of predictions.parquet) only up to this many curves."""


def final_outputs():
    """The outputs of every dataset (the validated curves, the contract files and extras),
    and the paper's outputs of the paper datasets."""
    every = expand(
        [
            "results/{dataset}/curves.csv",
            "results/{dataset}/scores.csv",
            "results/{dataset}/predictions.parquet",
            "results/{dataset}/forecasts.csv",
            "results/{dataset}/rankings.csv",
            "results/{dataset}/tables/rankings.md",
            "results/{dataset}/tables/rankings.tex",
            *EXTRA_TARGETS,
        ],
        dataset=sorted(DATASETS),
    )
    small = [name for name in sorted(DATASETS) if DATASETS[name]["n_curves"] <= CSV_MAX_CURVES]
    every += expand("results/{dataset}/predictions.csv", dataset=small)
    every += expand(BATCH_TARGETS, zip, **batch_wildcards())
    return every + expand(PAPER_TARGETS, dataset=PAPER_DATASETS)


def batch_wildcards(datasets=None):
    """{dataset: [...], batch: [...]}: every (dataset, batch) pair, for expand(..., zip)."""
    pairs = [
        (name, batch)
        for name in sorted(DATASETS if datasets is None else datasets)
        for batch in sorted(DATASETS[name]["batches"])
    ]
    return {"dataset": [p[0] for p in pairs], "batch": [p[1] for p in pairs]}


def raw_tables(wildcards):
    """The raw CSV files of a dataset."""
    return DATASETS[wildcards.dataset]["paths"]


BATCH_INPUT = "results/{dataset}/batches/{batch}/curves.csv"
"""The rows of one batch's curves, written at parse time (write_batch_inputs)."""


def batch_outputs(kind, folder=False):
    """Input function: one per-batch file ``kind`` (e.g. "scores.parquet"; ".parquet" added
    when no suffix), or with ``folder`` one per-batch directory ``kind``, per batch."""
    name = kind if folder or Path(kind).suffix else f"{kind}.parquet"

    def inputs(wildcards):
        batches = sorted(DATASETS[wildcards.dataset]["batches"])
        return expand(
            "results/{dataset}/batches/{batch}/{name}",
            dataset=wildcards.dataset,
            batch=batches,
            name=name.format(**wildcards),
        )

    return inputs


def batch_plans(wildcards):
    """Per batch (in the order of batch_outputs), the rows its files owe
    (scalinglaws.batches.BatchPlan): the merge checks every batch file against them."""
    batches = DATASETS[wildcards.dataset]["batches"]
    return [
        {
            "curves": sorted([*key] for _, key in batches[batch]["curves"].values()),
            "estimators": list(config["estimators"]),
            "forecast_estimators": FORECAST["estimators"],
            "scales": FORECAST["scales"],
            "x": FORECAST["x"],
        }
        for batch in sorted(batches)
    ]


def dataset_curves(dataset):
    """(batch record, slug, digest, (domain, task, model)) of every curve of ``dataset``."""
    for batch in DATASETS[dataset]["batches"].values():
        for slug, (digest, key) in batch["curves"].items():
            yield batch, slug, digest, key


def curve_source(dataset, key):
    """(raw files of the batch holding curve ``key`` = (domain, task, model), as ancient()
    inputs; the curve's digest), or ([], None) when the dataset lacks it: a rule reading one
    curve reruns exactly when that curve's points change."""
    for batch, _, digest, curve_key in dataset_curves(dataset):
        if curve_key == tuple(key):
            return [ancient(path) for path in batch["files"]], digest
    return [], None


def domain_source(dataset, domain):
    """(raw files holding the curves of ``domain`` (None: every domain), as ancient() inputs;
    one digest of those curves): a rule reading one domain reruns exactly when its curves
    change, not when another domain's curve in the same file does."""
    files, digests = set(), []
    for batch, slug, digest, key in dataset_curves(dataset):
        if domain is None or key[0] == domain:
            files.update(batch["files"])
            digests.append(f"{slug} {digest}")
    paths = [ancient(path) for path in DATASETS[dataset]["paths"] if path in files]
    return paths, hashlib.sha256("\n".join(sorted(digests)).encode("utf-8")).hexdigest()


def joint_law_source(wildcards):
    """(raw files, digest) of the curves the joint law of a dataset reads (its `domain`)."""
    spec = config["joint_law"]["datasets"].get(wildcards.dataset)
    return domain_source(wildcards.dataset, spec.get("domain")) if spec else ([], None)


def batch_curves(wildcards):
    """Slugs of the curves in one batch, sorted."""
    return sorted(_batch(wildcards)["curves"])


def batch_estimators(wildcards):
    """The estimator config resolved for the domains of one batch.

    Only the options that apply to the batch's curves are passed, so changing an option of
    one domain reruns only the batches holding curves of that domain.
    """
    domains = sorted(_batch(wildcards)["domains"])
    return {
        name: {"by_domain": {d: registry.options_for(spec, d) for d in domains}}
        for name, spec in config["estimators"].items()
    }


def _batch(wildcards):
    """The batch record of ``wildcards.dataset``/``wildcards.batch``."""
    batches = DATASETS[wildcards.dataset]["batches"]
    if wildcards.batch not in batches:
        raise WorkflowError(
            f"dataset {wildcards.dataset!r} has no batch {wildcards.batch!r}; "
            f"batches with curves: {', '.join(sorted(batches))}"
        )
    return batches[wildcards.batch]


def summarize_run():
    """The end-of-run summary (Snakefile's onsuccess): where the results are, the best
    estimator per domain and a few forecasts. It never fails the run: a missing file (e.g.
    with --until) costs a line, anything else a warning."""
    preferred = [config.get("recommended_estimator"), getattr(registry, "RECOMMENDED", None)]
    try:
        from scalinglaws.summary import run_summary

        lines = run_summary("results", sorted(DATASETS), preferred)
    except Exception as exc:  # the summary must not fail a finished run
        logger.warning(f"no run summary: {type(exc).__name__}: {exc}")
        return
    logger.info("\n".join(["", "Summary", *lines]))
