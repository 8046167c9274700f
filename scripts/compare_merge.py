"""Rule comparisons: the per-batch comparisons merged into comparisons.csv, and the flip
table (Markdown + CSV) summed over the batches' per-pair checks, with every batch's notes."""

from pathlib import Path
from typing import Any

import pandas as pd
from _rulekit import log, log_to_file, read_text_csv

from scalinglaws.comparisons import CHECK_COLUMNS, COMPARISON_COLUMNS, flip_summary
from scalinglaws.io import write_csv_atomic, write_text_atomic
from scalinglaws.tables import to_markdown


def concatenated(paths: list[str], columns: list[str]) -> pd.DataFrame:
    """The rows of the CSV files ``paths`` (cells kept as text), in (domain, task) order."""
    frames = [read_text_csv(path, columns) for path in paths]
    frame = pd.concat([pd.DataFrame(columns=columns), *frames], ignore_index=True)
    return frame.sort_values(["domain", "task"], kind="mergesort").reset_index(drop=True)


def main(smk: Any) -> None:
    table = concatenated(list(smk.input.comparisons), COMPARISON_COLUMNS)
    checks = concatenated(list(smk.input.checks), CHECK_COLUMNS)
    for column in CHECK_COLUMNS[2:]:
        checks[column] = checks[column] == "True"
    flips = flip_summary(checks)
    notes = sorted(line for path in smk.input.notes for line in Path(path).read_text().splitlines())
    if table.empty:
        notes.insert(0, "no (domain, task) has two models with a successful fit: no comparisons")
    write_csv_atomic(table, smk.output.comparisons)
    write_csv_atomic(flips, smk.output.flips_csv)
    write_text_atomic(smk.output.flips_md, flips_markdown(flips, notes))
    log(f"{len(table)} comparison rows from {len(smk.input.comparisons)} batches")


def flips_markdown(flips: pd.DataFrame, notes: list[str]) -> str:
    """The flip table as Markdown, with its definition and the notes below it."""
    text = (
        "How often a comparison at the smallest shared fit scale picks the wrong winner at the "
        "largest held-out scale (small_scale_wrong), and how often the fitted laws do (law_wrong); "
        "over the pairs with observed losses at both scales (checked).\n\n"
    )
    text += to_markdown(flips) if len(flips) else "No comparisons.\n"
    if notes:
        text += "\nNotes:\n\n" + "".join(f"- {note}\n" for note in notes)
    return text


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
