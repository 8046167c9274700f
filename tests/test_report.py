"""The self-contained HTML report (`snakemake --report`) of a run on the tiny dataset in .test/,
and the HTML pages of the tables it shows (scalinglaws.report, rules report_tables and
report_paper_tables).

The outputs marked `report(...)` are read from the workflow itself (Snakemake's API), matched
against the files of a completed run, and each must be embedded in the report with its exact
bytes (a base64 data URI), so a new report() output or a file dropped from the report fails.
The tables must be there as HTML pages the report displays (mime type text/html), in the
single-file report and in the ZIP archive, and the landing page must lead to the summary.
"""

from __future__ import annotations

import base64
import json
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from snakemake.api import SnakemakeApi
from snakemake.io import regex_from_filepattern
from snakemake.settings.types import OutputSettings, ResourceSettings
from snakemake.workflow import Workflow
from workflow_helpers import DATASET, REPO, run_ok

from scalinglaws import report
from scalinglaws.comparisons import FLIP_COLUMNS
from scalinglaws.paper import report as paper_report
from scalinglaws.paper import tables as paper
from scalinglaws.tables import format_rmse

# One entry of the report's data: "path": {"name": ..., ..., "data_uri": "data:...;base64,..."}
ENTRY = re.compile(r'"(results/[^"]+)": \{"name": ')
DATA_URI = re.compile(r'"data_uri": "data:[^"]*?;base64,([A-Za-z0-9+/=]*)"')


@pytest.fixture(scope="module")
def run_with_report(two_runs: tuple[Path, Path]) -> Path:
    """A completed run on the tiny dataset (the workflow tests' first), then its report in
    results/report.html."""
    workdir = two_runs[0]
    run_ok(workdir, "--report", "results/report.html")
    return workdir


def load_workflow(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Workflow:
    """The parsed workflow (its rules) with ``workdir`` as working directory."""
    monkeypatch.chdir(workdir)  # Snakemake changes into the workdir; undone after the test
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        return api.workflow(
            resource_settings=ResourceSettings(), snakefile=REPO / "Snakefile", workdir=workdir
        )._workflow


def report_patterns(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[re.Pattern]]:
    """Rule name -> regexes of its outputs marked report(...), as the workflow declares them.

    A directory output with `patterns` yields one regex per pattern, for files inside it.
    """
    patterns: dict[str, list[re.Pattern]] = {}
    for rule in load_workflow(workdir, monkeypatch).rules:
        for output in rule.output:
            flag = output.flags.get("report")
            if not flag:
                continue
            files = [f"{output}/{p}" for p in flag.patterns] if flag.patterns else [output]
            patterns[rule.name] = [
                *patterns.get(rule.name, []),
                *(re.compile(regex_from_filepattern(f)) for f in files),
            ]
    return patterns


def embedded_files(html: str) -> dict[str, bytes]:
    """Path -> decoded content of every file embedded in a Snakemake HTML report."""
    starts = [(m.start(), m.group(1)) for m in ENTRY.finditer(html)]
    files = {}
    for (start, path), (end, _) in zip(starts, [*starts[1:], (len(html), "")], strict=True):
        found = DATA_URI.search(html, start, end)
        assert found, f"{path}: no embedded data in the report"
        files[path] = base64.b64decode(found.group(1))
    return files


def test_report_embeds_every_report_output(
    run_with_report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = run_with_report
    report = workdir / "results" / "report.html"
    html = report.read_text(encoding="utf-8")
    assert '<script src="http' not in html, "the report loads scripts from the internet"
    produced = sorted(
        p.relative_to(workdir).as_posix() for p in (workdir / "results").rglob("*") if p.is_file()
    )
    expected = set()
    patterns = report_patterns(workdir, monkeypatch)
    # The tiny run's only dataset is a paper dataset, so rule report_paper_tables makes its
    # HTML pages and report_tables (the other datasets') has no job; every other rule runs.
    ran = set(report_variable(html, "rules"))
    assert set(patterns) - ran == {"report_tables"}, sorted(set(patterns) - ran)
    for rule, regexes in patterns.items():
        if rule not in ran:
            continue
        matched = {path for path in produced if any(r.match(path) for r in regexes)}
        assert matched, f"rule {rule}: none of its report() outputs was produced"
        expected |= matched
    embedded = embedded_files(html)
    assert sorted(embedded) == sorted(expected)
    for path, content in embedded.items():
        assert content == (workdir / path).read_bytes(), f"{path}: embedded bytes differ"
    # Every figure and table kind of the workflow is there.
    assert {Path(p).suffix for p in expected} == {".png", ".csv", ".md", ".tex", ".html"}


# --- the tables as HTML pages in the report ---------------------------------------------------

PAGES = ["summary", "rankings", "forecasts", "calibration", "comparison_flips", "reproduction"]
"""The pages of the tiny dataset (a paper dataset: the reproduction page too)."""


def page_path(name: str) -> str:
    return f"results/{DATASET}/report/{name}.html"


def report_variable(html: str, name: str) -> object:
    """The JSON value (an object or a string) of the line ``var <name> = ...;`` of a Snakemake
    report."""
    found = re.search(rf"^\s*var {name} = ([{{\"].*);\s*$", html, re.MULTILINE)
    assert found, f"no variable {name} in the report"
    return json.loads(found.group(1))


def best_by_wins(rankings: pd.DataFrame) -> dict[str, set[str]]:
    """Per scored domain, the estimators with the highest win fraction."""
    scored = rankings[rankings["win_fraction"].notna()]
    top = scored.groupby("domain")["win_fraction"].transform("max")
    leaders = scored[np.isclose(scored["win_fraction"], top)]
    return leaders.groupby("domain")["estimator"].agg(set).to_dict()


def test_report_shows_the_tables_as_html_pages(run_with_report: Path) -> None:
    workdir = run_with_report
    html = (workdir / "results" / "report.html").read_text(encoding="utf-8")
    results = report_variable(html, "results")
    embedded = embedded_files(html)
    for name in PAGES:
        path = page_path(name)
        # text/html is what the report displays inline (in a frame), not as a download.
        assert results[path]["mime_type"] == "text/html", path
        page = embedded[path].decode("utf-8")
        assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n"), path
        # The tiny dataset holds none of the curves of the paper's Tables 2-3.
        assert ("<table>" in page) == (name != "reproduction"), path
    rankings = pd.read_csv(workdir / "results" / DATASET / "rankings.csv")
    page = embedded[page_path("rankings")].decode("utf-8")
    for row in rankings[rankings["win_fraction"].notna()].itertuples():
        assert f"<td>{row.estimator}</td>" in page
        assert f'<td class="num">{row.win_fraction:.3f}</td>' in page
        assert f'<td class="num">{format_rmse(row.mean_rmse)}</td>' in page


def test_the_landing_page_leads_to_the_headline(run_with_report: Path) -> None:
    workdir = run_with_report
    html = (workdir / "results" / "report.html").read_text(encoding="utf-8")
    landing = report_variable(html, "workflow_desc")
    assert "System Message" not in landing and "Unknown target" not in landing, landing
    assert "What was done." in landing and "The headline" in landing, landing
    link = re.search(r"<a [^>]*href=\"javascript:app\.showResultInfo\('([^']+)'\)\"", landing)
    assert link and link.group(1).replace("%2F", "/") == page_path("summary"), landing
    assert "javascript:app.showCategory('At%20a%20glance')" in landing, landing
    # The summary holds the best estimator of every domain and the reproduction count.
    summary = embedded_files(html)[page_path("summary")].decode("utf-8")
    rankings = pd.read_csv(workdir / "results" / DATASET / "rankings.csv")
    for domain, best in best_by_wins(rankings).items():
        named = re.search(rf"<li>{domain}: (\S+) \(wins ", summary)
        assert named and named.group(1) in best, (domain, best, summary)
    reproduction = pd.read_csv(workdir / "results" / DATASET / "tables" / "reproduction.csv")
    agree, total = paper.headline(reproduction)
    if total:  # not in the tiny run: test_reproduction_counts_follow_the_paper_headline
        assert f"{agree}/{total} of the paper&#x27;s printed numbers reproduced" in summary
    else:
        assert "holds none of the curves of the paper&#x27;s Tables 2-3" in summary


def test_the_zip_report_holds_the_pages(run_with_report: Path) -> None:
    workdir = run_with_report
    run_ok(workdir, "--report", "report.zip")
    with zipfile.ZipFile(workdir / "report.zip") as archive:
        names = set(archive.namelist())
        html = archive.read("report/report.html").decode("utf-8")
        results = report_variable(html, "results")
        assert "summary.html</a>" in report_variable(html, "workflow_desc")
        for name in PAGES:
            entry = results[page_path(name)]
            assert entry["mime_type"] == "text/html"
            member = f"report/{entry['data_uri']}"
            assert member in names, (member, sorted(names))
            content = archive.read(member)
            assert content == (workdir / page_path(name)).read_bytes()


def test_pages_are_byte_identical_across_runs(two_runs: tuple[Path, Path]) -> None:
    first, second = two_runs
    for name in PAGES:
        assert (first / page_path(name)).read_bytes() == (second / page_path(name)).read_bytes()


# --- scalinglaws.report -----------------------------------------------------------------------


def rankings_frame() -> pd.DataFrame:
    """Two domains: IC ranked (M4 ahead, M1 and a strange name tied), LM without scored curves."""
    return pd.DataFrame(
        {
            "domain": ["IC", "IC", "IC", "LM", "LM"],
            "estimator": ["M1", "M4", "<b>&'x", "M1", "M4"],
            "win_fraction": [0.25, 0.5, 0.25, np.nan, np.nan],
            "mean_rmse": [0.03, 0.01, 0.02, np.nan, np.nan],
            "mean_rank": [2.5, 1.5, 2.0, np.nan, np.nan],
            "n_curves": [4, 4, 4, 0, 0],
            "n_failed": [0, 0, 1, 0, 0],
            "n_unscored": [0, 0, 0, 2, 2],
        }
    )


def forecasts_frame(n_curves: int, estimators: tuple[str, ...] = ("M4", "STACK")) -> pd.DataFrame:
    """Forecasts of ``n_curves`` curves at 2x and 10x, sorted like forecasts.csv."""
    rows = []
    for k in range(n_curves):
        for estimator in estimators:
            for scale in (2.0, 10.0):
                y = 1.0 / scale + k * 1e-3
                rows.append(
                    ("IC", f"task{k:05d}", "ViT", estimator, 100.0 * scale, scale, y, 0.9 * y,
                     1.1 * y, 0.8, 100.0, 1.0, "ok")
                )  # fmt: skip
    return pd.DataFrame(rows, columns=report.FORECAST_READ_COLUMNS)


def test_html_table_escapes_text() -> None:
    frame = pd.DataFrame({"a<b": ['<script>alert("x")</script> & co'], "n": [1]})
    table = report.html_table(frame)
    assert "<script>" not in table
    assert "<th>a&lt;b</th>" in table
    assert "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</td>" in table
    page = report.rankings_page(rankings_frame(), "d<1>")
    assert "<title>Rankings of dataset d&lt;1&gt;</title>" in page
    assert "<td>&lt;b&gt;&amp;&#x27;x</td>" in page and "<b>&'x" not in page


def test_html_table_formats_numbers_exactly() -> None:
    frame = pd.DataFrame(
        {"task": ["bird_5", "50%"], "rmse": [0.0123456, np.nan], "n": [3, 4], "ok": [True, False]}
    )
    assert report.html_table(frame, float_format={"rmse": report.format_rmse}) == (
        "<table>\n"
        '<thead><tr><th>task</th><th class="num">rmse</th><th class="num">n</th><th>ok</th>'
        "</tr></thead>\n"
        "<tbody>\n"
        '<tr><td>bird_5</td><td class="num">0.01235</td><td class="num">3</td><td>yes</td></tr>\n'
        '<tr><td>50%</td><td class="num na">\u2013</td><td class="num">4</td><td>no</td></tr>\n'
        "</tbody>\n"
        "</table>\n"
    )


def test_html_table_caps_long_tables() -> None:
    frame = pd.DataFrame({"k": range(1000), "v": np.linspace(0, 1, 1000)})
    table = report.html_table(frame, max_rows=10, source="big.csv")
    assert table.count("<tr>") == 11  # the header and 10 rows
    assert "Showing the first 10 of 1,000 rows; all of them are in big.csv." in table
    assert "Showing" not in report.html_table(frame.head(10), max_rows=10)


def test_pages_are_deterministic_and_undated() -> None:
    import datetime

    rankings = rankings_frame()
    first = report.summary_page(rankings, "tiny", recommended="M4")
    assert first == report.summary_page(rankings.copy(), "tiny", recommended="M4")
    assert datetime.date.today().isoformat() not in first
    assert str(datetime.date.today().year) not in first
    assert first.endswith("</html>\n") and "\r" not in first


def test_ranked_and_leaders() -> None:
    rankings = rankings_frame()
    order = report.ranked(rankings)
    assert list(order["estimator"]) == ["M4", "<b>&'x", "M1", "M1", "M4"]  # ties: mean rank
    lead = report.leaders(rankings)
    assert list(lead["domain"]) == ["IC", "LM"]
    assert lead.loc[0, "most_wins"] == "M4" and lead.loc[0, "lowest_rmse"] == "M4"
    assert pd.isna(lead.loc[1, "most_wins"]) and lead.loc[1, "n_unscored"] == 2
    summary = report.summary_page(rankings, "tiny", recommended="M1")
    assert "<li>IC: M4 (wins 50.0% of 4 curves)</li>" in summary
    assert "6 curves in 2 domains, 4 of them scored" in summary
    assert "Recommended estimator: M1" in summary
    assert "Reproduction of the paper" not in summary  # not a paper dataset
    absent = report.summary_page(rankings, "tiny", recommended="STACK")
    assert "STACK (config recommended_estimator) is not ranked in this run" in absent


def test_reproduction_counts_follow_the_paper_headline() -> None:
    rows = [
        ("notebook", "rmse", True), ("notebook", "rmse", False), ("notebook", "win_fraction", True),
        ("notebook", "win_fraction_full", False), ("paper", "rmse", True),
        ("paper", "rmse", True), ("paper", "win_fraction", True),
    ]  # fmt: skip
    reproduction = pd.DataFrame(rows, columns=["protocol", "quantity", "agrees"])
    counts = paper_report.reproduction_counts(reproduction)
    assert counts == [("notebook", *paper.headline(reproduction, "notebook")), ("paper", 3, 3)]
    assert counts[0] == ("notebook", 2, 3)
    assert report.reproduction_sentence(counts) == (
        "2/3 of the paper's printed numbers reproduced (notebook settings); protocol paper: 3/3."
    )
    summary = report.summary_page(rankings_frame(), "bench", reproduction=counts)
    assert "2/3 of the paper&#x27;s printed numbers reproduced" in summary
    assert paper_report.reproduction_counts(reproduction.iloc[:0]) == []
    empty = report.summary_page(rankings_frame(), "bench", reproduction=[])
    assert "holds none of the curves of the paper&#x27;s Tables 2-3" in empty


def test_forecast_rows_keep_one_estimator_read_in_chunks() -> None:
    frame = forecasts_frame(30)
    chunks = [frame.iloc[k : k + 7] for k in range(0, len(frame), 7)]
    rows, estimator = report.forecast_rows(chunks, ["STACK"])
    assert estimator == "STACK" and set(rows["estimator"]) == {"STACK"} and len(rows) == 60
    rows, estimator = report.forecast_rows(iter(chunks), ["BNSL", None])
    assert estimator == "M4" and len(rows) == 60  # the first estimator of the file
    rows, estimator = report.forecast_rows([], ["STACK"])
    assert estimator is None and rows.empty


def test_forecasts_page_stays_bounded() -> None:
    rows, estimator = report.forecast_rows([forecasts_frame(5000)], ["STACK"])
    page = report.forecasts_page(
        rows, "big", estimator, recommended="STACK", scales=[2, 10], max_curves=50
    )
    body = page.split("<tbody>", 1)[1]
    assert body.count("<tr>") == 50
    assert "Showing the first 50 of 5,000 curves; all of them are in forecasts.csv." in page
    assert len(page) < 30_000
    assert "<th>2× last x</th>" in page and "<th>10× last x</th>" in page
    assert "<td>0.5 [0.45, 0.55]</td>" in page  # task00000 at 2x
    assert "central 80% predictive band" in page


def test_forecast_table_cells() -> None:
    rows = forecasts_frame(2, ("M4",))
    rows.loc[1, ["y_lo", "y_hi"]] = np.nan  # the first curve at 10x: no band
    rows.loc[2, "status"] = "failed"  # the second curve at 2x
    rows = pd.concat(
        [rows, rows.iloc[[0]].assign(x=1e6, scale=1e4, y_pred=0.2, y_lo=0.1, y_hi=0.3)]
    )
    table, n_curves = report.forecast_table(rows, scales=[2, 10], xs=[1e6])
    assert n_curves == 2
    assert list(table.columns) == [
        "Domain", "Task", "Model", "Last x", "Last loss", "2× last x", "10× last x", "x = 1e+06",
    ]  # fmt: skip
    assert list(table["2× last x"]) == ["0.5 [0.45, 0.55]", "failed"]
    assert list(table["10× last x"]) == ["0.1", "0.101 [0.0909, 0.1111]"]
    assert table.loc[0, "x = 1e+06"] == "0.2 [0.1, 0.3]"
    assert pd.isna(table.loc[1, "x = 1e+06"])  # no such target: an en dash in the page
    assert math.isclose(table.loc[0, "Last x"], 100.0)


def test_reproduction_page() -> None:
    key = ("table2", "NMT", "t", "m")
    rows = [
        ("notebook", *key, "M1", "rmse", "0.26", 0.26, 0.005, 0.2618, 0.0018, True),
        ("notebook", *key, "M2", "rmse", "0.039", 0.039, 5e-4, 0.0384, -6e-4, False),
        ("paper", *key, "M1", "rmse", "0.26", 0.26, 0.005, 0.2618, 0.0018, True),
        ("paper", *key, "M2", "rmse", "0.039", 0.039, 5e-4, np.nan, np.nan, False),
    ]
    reproduction = pd.DataFrame(rows, columns=["protocol", *paper.REPRODUCTION_COLUMNS])
    page = paper_report.reproduction_page(reproduction, "bench", max_rows=3)
    assert (
        "1/2 of the paper&#x27;s printed numbers reproduced (notebook settings); protocol " in page
    )
    assert "<td>+1.80e-03</td>" not in page and '<td class="num">+1.80e-03</td>' in page
    assert "Showing the first 3 of 4 rows; all of them are in tables/reproduction.csv." in page
    assert "2 of 4 rows do not agree." in page
    empty = paper_report.reproduction_page(reproduction.iloc[:0], "bench")
    assert "Not applicable" in empty and "<table>" not in empty


def test_flips_page_counts_the_domain_rows_once() -> None:
    rows = [
        ("IC", "bird_5", 3, 2, 1, 0.5, 0, 0.0),
        ("IC", "c_5", 3, 3, 2, 2 / 3, 1, 1 / 3),
        ("IC", "all", 6, 5, 3, 0.6, 1, 0.2),
    ]
    flips = pd.DataFrame(rows, columns=FLIP_COLUMNS)
    page = report.flips_page(flips, "tiny", max_rows=1)
    assert "wrong winner in 3 of 5 checked pairs, the laws in 1." in page
    assert '<td class="num">0.667</td>' not in page  # the second task is cut
    assert "Showing the first 1 of 2 rows; all of them are in tables/comparison_flips.csv." in page
    empty = report.flips_page(flips.iloc[:0], "tiny")
    assert "No task has two fitted models" in empty and "<table>" not in empty
