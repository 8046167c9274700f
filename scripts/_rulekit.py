"""Helpers shared by the rule scripts in this folder (not a rule script itself).

Snakemake puts this folder on ``sys.path`` of every script job. Importing this module also
makes the repository's ``src/`` importable when ``scalinglaws`` is not installed, e.g. in a
job environment built from ``envs/scalinglaws.yaml`` with ``--sdm conda``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pandas as pd

if importlib.util.find_spec("scalinglaws") is None:
    sys.path.append(str(Path(__file__).resolve().parents[1] / "src"))

CURVE_KEY = ["domain", "task", "model"]
SCORE_ORDER = [*CURVE_KEY, "estimator"]
PREDICTION_ORDER = [*SCORE_ORDER, "region", "x"]
FORECAST_ORDER = [*SCORE_ORDER, "x"]


def log_to_file(smk: Any) -> None:
    """Send this job's stderr (messages, warnings, tracebacks) to the rule's log file."""
    sys.stderr = open(smk.log[0], "w", buffering=1)  # noqa: SIM115 - open until exit


def log(message: str) -> None:
    """One line to the rule's log."""
    print(message, file=sys.stderr)


def fail(message: str) -> None:
    """End the job with ``message`` alone (no traceback), in its log and on the console."""
    log(message)
    if sys.__stderr__ is not None and sys.stderr is not sys.__stderr__:
        print(message, file=sys.__stderr__)
    raise SystemExit(1)


def read_text_csv(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A CSV written by this workflow, every cell as its exact text; checks the header."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if columns is not None and list(frame.columns) != list(columns):
        raise ValueError(f"{path}: expected columns {columns}, found {list(frame.columns)}")
    return frame


def read_parquet(
    path: str | Path, columns: list[str] | None = None, filters: list | None = None
) -> pd.DataFrame:
    """A Parquet file written by this workflow (typed columns), only ``columns`` and the rows
    passing pyarrow ``filters`` (e.g. ``[("region", "==", "extrapolation")]``) read."""
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=columns, filters=filters).to_pandas()


def to_numbers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Convert text columns to numbers; empty cells become NaN."""
    frame = frame.copy()
    for column in columns:
        text = frame[column]
        frame[column] = pd.to_numeric(text.where(text != "", None))
    return frame


def sorted_rows(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Rows sorted stably by ``by``; a column ``x`` is compared as a number."""

    def key(column: pd.Series) -> pd.Series:
        return pd.to_numeric(column) if column.name == "x" else column

    return frame.sort_values(by, key=key, kind="mergesort").reset_index(drop=True)
