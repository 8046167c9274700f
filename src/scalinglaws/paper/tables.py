"""The paper's tables from a run's scores, and a number-by-number comparison with the paper.

Alabdulmohsin, Neyshabur and Zhai (NeurIPS 2022) print their results in Table 2 (extrapolation
RMSE on NMT and language modelling), Table 3 (BIG-Bench) and the bars of Figure 1 (bottom: the
fraction of a domain's tasks each estimator wins). Table 1 lists the image-classification
architectures. ``data/paper/revisiting_printed.csv`` holds every printed number as text; the
builders here format a run's scores the way the paper does, and :func:`reproduction_table`
compares them, flagging a number as reproduced when ours is within half a unit of its last
printed digit.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.metrics import NOTEBOOK_SE_FACTOR, PAPER_SE_FACTOR, rmse_standard_error
from scalinglaws.rankings import DOMAIN_ORDER
from scalinglaws.rankings import win_fractions as ranked_wins

PRINTED_COLUMNS = ["source", "domain", "task", "model", "estimator", "printed"]
REPRODUCTION_COLUMNS = [
    "source",
    "domain",
    "task",
    "model",
    "estimator",
    "quantity",
    "printed",
    "paper",
    "resolution",
    "ours",
    "difference",
    "agrees",
]
SUMMARY_COLUMNS = ["source", "domain", "quantity", "n_agree", "n_total"]
KEY = ["domain", "task", "model", "estimator"]
TABLE_KEY = ["Domain", "Task", "Model"]
TABLE1_COLUMNS = ["Family", "Architecture", "# Parameters"]
IC_KEY = ["Task", "Model"]

PAPER_TABLES = ("table1", "table2", "table3", "ic", "reproduction")
"""The tables of the paper_tables rule (``results/<dataset>/tables/<name>.{md,tex,csv}``)."""

TABLE2_DOMAINS = ("NMT", "LM")
TABLE3_DOMAINS = ("BB",)
TABLE_SOURCES = ("table2", "table3")
FIGURE1 = "figure1"
PAPER_ESTIMATORS = ("M1", "M2", "M3", "M4")
"""The estimators the paper compares; its Figure 1 bars are wins among these four only."""
NOTEBOOK = "notebook"
"""The protocol name of the main run (the released notebook's settings)."""
FULL_CREDIT_RULES = {
    "win_fraction_full": None,
    "win_fraction_full_pm": "pm",
}
"""The Figure 1 bars again under the paper's full-credit tie rule (its NMT, LM and BB bars sum
to more than 1): ties of the 3-decimal truncation only, or also every RMSE within the best
one's printed ± (column ``pm``).
These rows are compared but not counted by :func:`headline` (they are alternatives)."""

NMT_MODELS = ("6 Enc, 6 Dec", "28 Enc, 6 Dec", "6 Enc, 28 Dec", "Dec-only", "TEnc-LSTM")
"""Table 2's NMT rows, in the paper's order, as keyed in the benchmark CSV."""

BB_TASKS = {
    "ling": "linguistic_mappings",
    "qa": "qa_wikidata",
    "unit": "unit_conversion",
    "mult": "mult_data_wrangling",
    "date": "date_understanding",
}
"""Table 3's task names by benchmark CSV key, in the paper's row order."""

TABLE1 = (
    ("Residual Nets", "BiT/50/1", "61M"),
    ("Residual Nets", "BiT/101/3", "494M"),
    ("Vision Transformers", "ViT/S/16", "32M"),
    ("Vision Transformers", "ViT/B/16", "110M"),
    ("MLP Mixers", "MiX/B/16", "73M"),
    ("MLP Mixers", "MiX/L/16", "226M"),
)
"""Table 1 of the paper: the six image-classification architectures and their sizes."""

_NUMBER = r"\d+(?:\.\d+)?"
_PRINTED = re.compile(
    rf"^(?P<value>-?{_NUMBER})(?:\s*±\s*(?P<pm>{_NUMBER}))?"
    rf"(?:\s*[×x]\s*10\^(?P<exp>[+-]?\d+))?$"
)
_BB_TASK = re.compile(r"^\('(?P<name>[^']+)', '(?P<shot>[^']+)'\)$")
_TOLERANCE = 1e-9
"""Relative slack on the resolution test, so a value exactly half a unit away agrees."""


@dataclass(frozen=True)
class Printed:
    """A number as printed: value, optional "±" value, and half a unit of each last digit."""

    value: float
    plus_minus: float | None
    resolution: float
    plus_minus_resolution: float | None = None


def parse_printed(text: str) -> Printed:
    """Parse "2.6 × 10^-1", "1.5 ± 0.1 × 10^-2", "0.70" or "0" (Tables 2-3, Figure 1)."""
    found = _PRINTED.match(text.strip())
    if found is None:
        raise ValueError(f"not a printed number: {text!r}")
    exponent = int(found["exp"] or 0)
    value, resolution = _scaled(found["value"], exponent)
    if found["pm"] is None:
        return Printed(value, None, resolution)
    plus_minus, pm_resolution = _scaled(found["pm"], exponent)
    return Printed(value, plus_minus, resolution, pm_resolution)


def _scaled(mantissa: str, exponent: int) -> tuple[float, float]:
    """``mantissa × 10^exponent`` and half a unit of its last digit."""
    decimals = len(mantissa.partition(".")[2])
    return float(f"{mantissa}e{exponent}"), float(f"5e{exponent - decimals - 1}")


def load_printed(path: str | Path) -> pd.DataFrame:
    """The printed numbers (``data/paper/revisiting_printed.csv``), all cells as text."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if list(frame.columns) != PRINTED_COLUMNS:
        raise ValueError(f"{path}: expected columns {PRINTED_COLUMNS}, got {list(frame.columns)}")
    for text in frame["printed"]:
        parse_printed(text)
    return frame


def standard_errors(predictions: pd.DataFrame, factor: float) -> pd.DataFrame:
    """Columns ``domain, task, model, estimator, se``: the "±" of each fit's extrapolation.

    ``factor`` 1 is the notebook's standard error, 3 the paper's printed "±" (see
    :mod:`scalinglaws.metrics`).
    """
    test = predictions[predictions["region"] == "extrapolation"].astype({c: str for c in KEY})
    rows = [
        (*key, rmse_standard_error(group["y_true"], group["y_pred"], factor=factor))
        for key, group in test.groupby(KEY, sort=True)
    ]
    return pd.DataFrame(rows, columns=[*KEY, "se"])


def format_paper(value: float, se: float | None = None) -> str | None:
    """The paper's style: "2.6 × 10^-1", or "1.5 ± 0.1 × 10^-2" when ``se`` is positive.

    None for a missing value (a failed fit).
    """
    if value is None or not np.isfinite(value):
        return None
    mantissa, exponent = f"{value:.1e}".split("e")
    power = int(exponent)
    if se is None or not np.isfinite(se) or se <= 0:
        return f"{mantissa} × 10^{power}"
    return f"{mantissa} ± {se / 10.0**power:.1f} × 10^{power}"


def table1(scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 1 (architectures and sizes); empty when ``scores`` has no IC curves."""
    if scores is not None and "IC" not in set(scores["domain"]):
        return pd.DataFrame(columns=TABLE1_COLUMNS)
    return pd.DataFrame(list(TABLE1), columns=TABLE1_COLUMNS)


def table2(
    scores: pd.DataFrame,
    predictions: pd.DataFrame | None = None,
    se_factor: float = PAPER_SE_FACTOR,
) -> pd.DataFrame:
    """Table 2: RMSE (± its standard error) per NMT and LM curve, one column per estimator.

    Without ``predictions`` the ± is the scores' ``rmse_se`` (factor 1, the notebook's);
    otherwise it is recomputed with ``se_factor`` (3 gives the paper's printed ±).
    """
    return _paper_table(scores, TABLE2_DOMAINS, predictions, se_factor)


def table3(
    scores: pd.DataFrame,
    predictions: pd.DataFrame | None = None,
    se_factor: float = PAPER_SE_FACTOR,
) -> pd.DataFrame:
    """Table 3: as :func:`table2`, for the BIG-Bench curves (task names as in the paper)."""
    table = _paper_table(scores, TABLE3_DOMAINS, predictions, se_factor)
    table["Task"] = [bb_task_name(task) for task in table["Task"]]
    return table


def ic_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Extrapolation RMSE per IC task and model, one column per estimator (not in the paper)."""
    estimators = _estimators(scores)
    ic = scores[scores["domain"] == "IC"]
    rmse = pd.to_numeric(ic["rmse"]).where(ic["status"] == "ok")
    wide = _wide(ic.assign(cell=rmse), ["task", "model"], estimators)
    return wide.rename(columns={"task": "Task", "model": "Model"})[[*IC_KEY, *estimators]]


def bb_task_name(task: str) -> str:
    """Table 3's name of a BB task: "('ling', '1-shot')" -> "linguistic_mappings: 1-shot"."""
    found = _BB_TASK.match(task)
    if found is None:
        return task
    return f"{BB_TASKS.get(found['name'], found['name'])}: {found['shot']}"


def _paper_table(
    scores: pd.DataFrame,
    domains: Iterable[str],
    predictions: pd.DataFrame | None,
    se_factor: float,
) -> pd.DataFrame:
    """Rows of ``domains``, cells formatted by :func:`format_paper`."""
    estimators = _estimators(scores)
    part = scores[scores["domain"].isin(list(domains))]
    se = _row_errors(part, predictions, se_factor)
    rmse = pd.to_numeric(part["rmse"]).where(part["status"] == "ok")
    cells = [format_paper(v, s) for v, s in zip(rmse, se, strict=True)]
    wide = _wide(part.assign(cell=cells), ["domain", "task", "model"], estimators)
    wide = wide.rename(columns={"domain": "Domain", "task": "Task", "model": "Model"})
    return wide[[*TABLE_KEY, *estimators]]


def _row_errors(
    part: pd.DataFrame, predictions: pd.DataFrame | None, se_factor: float
) -> list[float]:
    """The ± of every row of ``part``: ``rmse_se`` or recomputed from ``predictions``."""
    if predictions is None:
        if se_factor != NOTEBOOK_SE_FACTOR:
            raise ValueError("a ± with se_factor other than 1 needs the predictions")
        return pd.to_numeric(part["rmse_se"]).tolist()
    present = predictions["domain"].isin(set(part["domain"]))
    errors = standard_errors(predictions[present], se_factor)
    lookup = _lookup(errors, "se")
    return [lookup.get(tuple(key), np.nan) for key in part[KEY].to_numpy()]


def _estimators(scores: pd.DataFrame) -> list[Hashable]:
    """Estimators in order of first appearance (any set, new ones become new columns)."""
    return list(dict.fromkeys(scores["estimator"]))


def _wide(part: pd.DataFrame, index: list[str], estimators: list[Hashable]) -> pd.DataFrame:
    """One row per ``index`` key, one column per estimator from column ``cell``; paper order."""
    if part.empty:
        return pd.DataFrame(columns=[*index, *estimators])
    wide = part.pivot(index=index, columns="estimator", values="cell")
    wide = wide.reindex(columns=estimators).reset_index()
    wide.columns.name = None
    order = sorted(range(len(wide)), key=lambda i: _row_order(wide.iloc[i], index))
    return wide.iloc[order].reset_index(drop=True)


def _row_order(row: pd.Series, index: list[str]) -> tuple:
    """Sort key: the paper's domain and row order first, then task and model (numerically)."""
    domain = row.get("domain", "IC")
    task, model = str(row["task"]), str(row["model"])
    found = _BB_TASK.match(task)
    paper = (
        NMT_MODELS.index(model)
        if domain == "NMT" and model in NMT_MODELS
        else list(BB_TASKS).index(found["name"])
        if domain == "BB" and found and found["name"] in BB_TASKS
        else len(BB_TASKS) + len(NMT_MODELS)
    )
    rank = DOMAIN_ORDER.index(domain) if domain in DOMAIN_ORDER else len(DOMAIN_ORDER)
    return (rank, str(domain), paper, task, _number_or_inf(model), model)


def _number_or_inf(text: str) -> float:
    """``text`` as a number (model sizes such as "1.68e+07"), else infinity."""
    try:
        return float(text)
    except ValueError:
        return float("inf")


def reproduction_table(
    scores: pd.DataFrame,
    predictions: pd.DataFrame,
    printed: pd.DataFrame,
    win_fractions: pd.DataFrame,
    se_factor: float = PAPER_SE_FACTOR,
) -> pd.DataFrame:
    """One row per printed number of Tables 2-3 and Figure 1 that this run can be compared to.

    ``quantity`` is ``rmse``, ``plus_minus`` (ours with ``se_factor``; the paper's is 3) or
    ``win_fraction`` (Figure 1 bars; ``win_fractions`` has ``domain, estimator,
    win_fraction``). ``agrees`` is ``|ours - paper| <= resolution``, half a unit of the last
    printed digit. Table numbers whose curve is not in ``scores`` are left out; the Figure 1
    bars are compared only when at least one table curve is present (the paper's benchmark).
    """
    rmse = _lookup(scores, "rmse", ok=True)
    errors = standard_errors(predictions, se_factor)
    se = _lookup(errors, "se")
    rows = []
    for record in printed.to_dict("records"):
        if record["source"] in TABLE_SOURCES:
            rows += _table_rows(record, rmse, se)
    if rows:
        wins = _lookup(win_fractions, "win_fraction", key=["domain", "estimator"])
        alternatives = _full_credit_wins(scores, errors)
        for record in printed.to_dict("records"):
            if record["source"] == FIGURE1:
                rows += _bar_rows(record, wins)
                for quantity, alternative in alternatives.items():
                    rows += _bar_rows(record, alternative, quantity)
    return pd.DataFrame(rows, columns=REPRODUCTION_COLUMNS)


def _full_credit_wins(scores: pd.DataFrame, errors: pd.DataFrame) -> dict[str, dict]:
    """Win fractions under each rule of :data:`FULL_CREDIT_RULES`, by (domain, estimator)."""
    keyed = scores.astype({c: str for c in KEY}).merge(
        errors.rename(columns={"se": "pm"}), on=KEY, how="left"
    )
    return {
        quantity: _lookup(
            ranked_wins(keyed, credit="full", margin=margin),
            "win_fraction",
            key=["domain", "estimator"],
        )
        for quantity, margin in FULL_CREDIT_RULES.items()
    }


def _lookup(
    frame: pd.DataFrame, column: str, key: list[str] = KEY, ok: bool = False
) -> dict[tuple, float]:
    """``column`` by key tuple; with ``ok``, failed fits map to NaN."""
    values = pd.to_numeric(frame[column])
    if ok:
        values = values.where(frame["status"] == "ok")
    keys = map(tuple, frame[key].astype(str).to_numpy())
    return dict(zip(keys, values, strict=True))


def _table_rows(record: dict, rmse: dict, se: dict) -> list[tuple]:
    """The rmse row (and ± row) of one printed table cell, if its curve was scored."""
    key = tuple(record[c] for c in KEY)
    if key not in rmse:
        return []
    number = parse_printed(record["printed"])
    rows = [_row(record, "rmse", number.value, number.resolution, rmse[key])]
    if number.plus_minus is not None:
        ours = se.get(key, np.nan)
        pm = (number.plus_minus, number.plus_minus_resolution)
        rows.append(_row(record, "plus_minus", *pm, ours))
    return rows


def _bar_rows(record: dict, wins: dict, quantity: str = "win_fraction") -> list[tuple]:
    """The row of one Figure 1 bar, if the domain has a win fraction."""
    key = (record["domain"], record["estimator"])
    if key not in wins:
        return []
    number = parse_printed(record["printed"])
    return [_row(record, quantity, number.value, number.resolution, wins[key])]


def _row(record: dict, quantity: str, paper: float, resolution: float, ours: float) -> tuple:
    """One reproduction row."""
    difference = float(ours) - paper
    agrees = bool(np.isfinite(difference) and abs(difference) <= resolution * (1 + _TOLERANCE))
    return (
        *(record[c] for c in PRINTED_COLUMNS[:5]),
        quantity,
        record["printed"],
        paper,
        resolution,
        float(ours),
        difference,
        agrees,
    )


def protocol_reproduction(
    scores: pd.DataFrame,
    predictions: pd.DataFrame,
    printed: pd.DataFrame,
    protocols: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]],
    decimals: int = 3,
    se_factor: float = PAPER_SE_FACTOR,
) -> pd.DataFrame:
    """:func:`reproduction_table` under the main run (:data:`NOTEBOOK`) and each protocol.

    ``protocols`` maps a name to its (scores, predictions), which replace the main run's rows
    of the estimators they hold (e.g. M4 refitted as the paper describes it). Only the
    paper's estimators (:data:`PAPER_ESTIMATORS`) enter, so the Figure 1 bars are wins among
    M1-M4 as in the paper, whatever else the run fitted. A leading ``protocol`` column names
    the run of each row.
    """
    runs = {NOTEBOOK: (scores, predictions)}
    for name, (protocol_scores, protocol_predictions) in protocols.items():
        runs[name] = (
            substitute(scores, protocol_scores),
            substitute(predictions, protocol_predictions),
        )
    tables = []
    for name, (run_scores, run_predictions) in runs.items():
        run_scores = _paper_rows(run_scores)
        wins = ranked_wins(run_scores, decimals=decimals) if len(run_scores) else None
        table = reproduction_table(
            run_scores, _paper_rows(run_predictions), printed, wins, se_factor
        )
        table.insert(0, "protocol", name)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def substitute(main: pd.DataFrame, replacement: pd.DataFrame) -> pd.DataFrame:
    """``main`` with the rows of every estimator in ``replacement`` replaced by its rows."""
    keep = ~main["estimator"].isin(set(replacement["estimator"]))
    return pd.concat([main[keep], replacement], ignore_index=True)


def _paper_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the paper's estimators."""
    return frame[frame["estimator"].isin(PAPER_ESTIMATORS)].reset_index(drop=True)


def headline(reproduction: pd.DataFrame, protocol: str = NOTEBOOK) -> tuple[int, int]:
    """``(n_agree, n_total)`` over the rows of a :func:`reproduction_table` (of ``protocol``
    if the table has a ``protocol`` column), without the alternative tie rules' rows
    (:data:`FULL_CREDIT_RULES`)."""
    main = reproduction[~reproduction["quantity"].isin(list(FULL_CREDIT_RULES))]
    if "protocol" in main.columns:
        main = main[main["protocol"] == protocol]
    return int(main["agrees"].sum()), len(main)


def agreement_summary(reproduction: pd.DataFrame) -> pd.DataFrame:
    """Numbers reproduced per (protocol,) source, domain and quantity (rows in table order)."""
    by = ["protocol"] * ("protocol" in reproduction.columns) + SUMMARY_COLUMNS[:3]
    if reproduction.empty:
        return pd.DataFrame(columns=[*by, *SUMMARY_COLUMNS[3:]])
    groups = reproduction.groupby(by, sort=False)["agrees"]
    summary = groups.agg(n_agree="sum", n_total="size").reset_index()
    return summary.astype({"n_agree": int, "n_total": int})
