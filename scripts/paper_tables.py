"""Rule paper_tables: the paper's Tables 1-3, an IC table and the reproduction check.

Each table is written as Markdown, LaTeX and CSV. A table whose domain is absent from the
dataset gets a one-line note (Markdown, LaTeX) and a header-only CSV.
"""

from pathlib import Path
from typing import Any

import pandas as pd
from _rulekit import log, log_to_file, read_parquet, read_text_csv, to_numbers

from scalinglaws.fitting import PREDICTION_COLUMNS, SCORE_COLUMNS
from scalinglaws.io import write_csv_atomic, write_text_atomic
from scalinglaws.metrics import NOTEBOOK_SE_FACTOR, PAPER_SE_FACTOR
from scalinglaws.paper import tables as paper
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


def read_run(scores_path: str, predictions_path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One run's scores and predictions, model names kept as text."""
    scores = to_numbers(read_text_csv(scores_path, SCORE_COLUMNS), ["rmse", "rmse_se"])
    return scores, read_parquet(predictions_path, PREDICTION_COLUMNS)


def read_protocols(smk: Any) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Each protocol's run, by name (inputs in the order of ``params.protocols``)."""
    paths = zip(smk.input.protocol_scores, smk.input.protocol_predictions, strict=True)
    return {name: read_run(*pair) for name, pair in zip(smk.params.protocols, paths, strict=True)}


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
    """Markdown lines: reproduced numbers per protocol and source, and with the notebook's ±."""
    lines = []
    for protocol in reproduction["protocol"].unique():
        n_agree, n_total = paper.headline(reproduction, protocol)
        lines.append(f"Protocol {protocol}: reproduced {n_agree} of {n_total} printed numbers.")
    lines.append("")
    summary = paper.agreement_summary(reproduction)
    for row in summary.itertuples():
        lines.append(
            f"- {row.protocol}, {row.source} {row.domain} {row.quantity}: "
            f"{row.n_agree}/{row.n_total}"
        )
    pm = notebook[notebook["quantity"] == "plus_minus"]
    if not pm.empty:
        lines.append(
            f"- {paper.NOTEBOOK}, with the notebook's ± (factor 1): "
            f"{int(pm['agrees'].sum())}/{len(pm)} ± values"
        )
    return "\n".join(lines) + "\n\n"


def main(smk: Any) -> None:
    scores, predictions = read_run(smk.input.scores, smk.input.predictions)
    printed = paper.load_printed(smk.input.printed)
    protocols = read_protocols(smk)
    tables_run = smk.params.tables_protocol
    if tables_run != paper.NOTEBOOK:
        scores = paper.substitute(scores, protocols[tables_run][0])
        predictions = paper.substitute(predictions, protocols[tables_run][1])
    out = smk.output
    write_table("table1", paper.table1(scores), out)
    write_table("table2", paper.table2(scores, predictions, PAPER_SE_FACTOR), out)
    write_table("table3", paper.table3(scores, predictions, PAPER_SE_FACTOR), out)
    write_table("ic", paper.ic_table(scores), out, float_format=format_rmse)
    decimals = int(smk.params.decimals)
    reproduction = paper.protocol_reproduction(
        scores, predictions, printed, protocols, decimals=decimals
    )
    notebook = paper.protocol_reproduction(
        scores, predictions, printed, {}, decimals=decimals, se_factor=NOTEBOOK_SE_FACTOR
    )
    preface = headline_text(reproduction, notebook) if not reproduction.empty else ""
    write_table("reproduction", reproduction, out, preface, float_format=REPRODUCTION_FORMATS)
    if preface:
        log(preface.strip())
    log(f"wrote the paper tables of {Path(out.table1_md).parent} (tables: {tables_run} run)")


if __name__ == "__main__":
    log_to_file(snakemake)  # noqa: F821 - injected by Snakemake
    main(snakemake)  # noqa: F821
