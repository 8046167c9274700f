"""Rule paper_tables: the paper's Tables 1-3, an IC table and the reproduction check.

Each table is written as Markdown, LaTeX and CSV. A table whose domain is absent from the
dataset gets a one-line note (Markdown, LaTeX) and a header-only CSV.
"""

from pathlib import Path
from typing import Any

import pandas as pd
from _rulekit import log, log_to_file, read_text_csv, to_numbers

from scalinglaws import paper
from scalinglaws.fitting import PREDICTION_COLUMNS, SCORE_COLUMNS
from scalinglaws.io import write_csv_atomic, write_text_atomic
from scalinglaws.metrics import NOTEBOOK_SE_FACTOR, PAPER_SE_FACTOR
from scalinglaws.tables import format_rmse, latex_escape, to_latex, to_markdown

TITLES = {
    "table1": "Table 1: image-classification architectures",
    "table2": "Table 2: extrapolation RMSE, NMT and language modelling (± with factor 3)",
    "table3": "Table 3: extrapolation RMSE, BIG-Bench (± with factor 3)",
    "ic": "Extrapolation RMSE per image-classification curve (not in the paper)",
    "reproduction": "Printed numbers of Tables 2-3 and Figure 1 against this run",
}
NOT_APPLICABLE = {
    "table1": "the dataset has no IC curves",
    "table2": "the dataset has no NMT or LM curves",
    "table3": "the dataset has no BB curves",
    "ic": "the dataset has no IC curves",
    "reproduction": "the dataset holds none of the curves of the paper's Tables 2-3",
}
REPRODUCTION_FORMATS = {
    "paper": format_rmse,
    "resolution": "{:.1e}",
    "ours": format_rmse,
    "difference": "{:+.2e}",
}


def read_inputs(smk: Any) -> tuple[pd.DataFrame, ...]:
    """Scores, predictions, rankings and printed numbers, model names kept as text."""
    scores = to_numbers(read_text_csv(smk.input.scores, SCORE_COLUMNS), ["rmse", "rmse_se"])
    predictions = to_numbers(
        read_text_csv(smk.input.predictions, PREDICTION_COLUMNS), ["x", "y_true", "y_pred"]
    )
    rankings = to_numbers(read_text_csv(smk.input.rankings), ["win_fraction"])
    return scores, predictions, rankings, paper.load_printed(smk.input.printed)


def write_table(
    name: str, table: pd.DataFrame, outputs: Any, preface: str = "", **formats: Any
) -> None:
    """Write ``table`` as Markdown, LaTeX and CSV, or the not-applicable note."""
    title = TITLES[name]
    if table.empty:
        note = f"{title}: not applicable, {NOT_APPLICABLE[name]}."
        markdown, latex = note + "\n", latex_escape(note) + "\n"
        log(note)
    else:
        markdown = f"**{title}**\n\n{preface}" + to_markdown(table, **formats)
        latex = to_latex(table, caption=latex_escape(title), **formats)
    write_text_atomic(getattr(outputs, f"{name}_md"), markdown)
    write_text_atomic(getattr(outputs, f"{name}_tex"), latex)
    write_csv_atomic(table, getattr(outputs, f"{name}_csv"))


def headline_text(reproduction: pd.DataFrame, notebook: pd.DataFrame) -> str:
    """Markdown lines: reproduced numbers overall, per source, and with the notebook's ±."""
    n_agree, n_total = paper.headline(reproduction)
    lines = [f"Reproduced {n_agree} of {n_total} printed numbers (± with factor 3)."]
    for row in paper.agreement_summary(reproduction).itertuples():
        lines.append(f"- {row.source} {row.domain} {row.quantity}: {row.n_agree}/{row.n_total}")
    pm = notebook[notebook["quantity"] == "plus_minus"]
    if not pm.empty:
        lines.append(
            f"- with the notebook's ± (factor 1): {int(pm['agrees'].sum())}/{len(pm)} ± values"
        )
    return "\n".join(lines) + "\n\n"


def main(smk: Any) -> None:
    scores, predictions, rankings, printed = read_inputs(smk)
    out = smk.output
    write_table("table1", paper.table1(scores), out)
    write_table("table2", paper.table2(scores, predictions, PAPER_SE_FACTOR), out)
    write_table("table3", paper.table3(scores, predictions, PAPER_SE_FACTOR), out)
    write_table("ic", paper.ic_table(scores), out, float_format=format_rmse)
    reproduction = paper.reproduction_table(scores, predictions, printed, rankings)
    notebook = paper.reproduction_table(
        scores, predictions, printed, rankings, se_factor=NOTEBOOK_SE_FACTOR
    )
    preface = headline_text(reproduction, notebook) if not reproduction.empty else ""
    write_table("reproduction", reproduction, out, preface, float_format=REPRODUCTION_FORMATS)
    if preface:
        log(preface.strip())
    log(f"wrote the paper tables of {Path(out.table1_md).parent}")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
