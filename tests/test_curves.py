"""Tests for scalinglaws.curves: reading, validating and splitting the benchmark CSVs."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglaws.curves import (
    COLUMNS,
    Curve,
    CurveKey,
    curve_to_frame,
    curves_from_table,
    curves_to_frame,
    file_names,
    read_curve_table,
    read_curves,
    read_table,
    read_tables,
    readable,
)
from scalinglaws.errors import InputError

BENCHMARK = Path(__file__).resolve().parents[1] / "data" / "benchmark"
BENCHMARK_FILES = sorted(BENCHMARK.glob("benchmark.*.csv"))
HEADER = "Domain,Task,Model,Seen Examples,Loss,Training\n"
# Lines 2-5 of every small file: one curve with 3 fit points and 1 test point.
GOOD = "IC,bird_5,MiX/B/16,1,0.9,1\nIC,bird_5,MiX/B/16,2,0.8,1\nIC,bird_5,MiX/B/16,4,0.7,1\n"
GOOD += "IC,bird_5,MiX/B/16,8,0.6,0\n"


def write(tmp_path: Path, text: str, name: str = "bench.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(InputError) as info:
        read_curves([path])
    return str(info.value)


# --------------------------------------------------------------------------------------------
# The real benchmark
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def benchmark() -> list[Curve]:
    assert len(BENCHMARK_FILES) == 2
    return read_curves(BENCHMARK_FILES)


def test_benchmark_curve_counts(benchmark: list[Curve]) -> None:
    assert len(benchmark) == 92
    assert Counter(c.key.domain for c in benchmark) == {"IC": 72, "NMT": 5, "LM": 5, "BB": 10}


def test_benchmark_lm_duplicates(benchmark: list[Curve]) -> None:
    (curve,) = [c for c in benchmark if c.key.domain == "LM" and c.key.model == "1.07e+09"]
    assert (curve.n_fit, curve.n_test) == (11, 40)
    assert len(np.unique(curve.x_test)) < curve.n_test  # duplicate test rows kept
    assert np.all(np.diff(curve.x_fit) > 0)
    assert np.all(np.diff(curve.x_test) >= 0)


def test_benchmark_keys_are_text_and_sorted(benchmark: list[Curve]) -> None:
    keys = [c.key for c in benchmark]
    assert keys == sorted(keys)
    assert CurveKey("NMT", "log_perplexity", "6 Enc, 6 Dec") in keys
    assert CurveKey("BB", "('date', '1-shot')", "262M") in keys


def test_benchmark_table(benchmark: list[Curve]) -> None:
    table = read_tables(BENCHMARK_FILES)
    assert len(table) == 20282
    assert list(table.columns) == [*COLUMNS, "_source", "_row"]
    dtypes = [str(table[c].dtype) for c in COLUMNS]
    assert dtypes == ["str", "str", "str", "float64", "float64", "int64"]
    lang = table[table["_source"] == str(BENCHMARK_FILES[0])]
    assert lang["_row"].iloc[0] == 2
    assert lang["_row"].iloc[-1] == len(lang) + 1
    assert sum(c.n_test for c in benchmark) == int((table["Training"] == 0).sum())


def test_benchmark_loads_fast() -> None:
    read_curves(BENCHMARK_FILES)  # warm up imports and caches
    start = time.perf_counter()
    read_curves(BENCHMARK_FILES)
    assert time.perf_counter() - start < 1.0  # about 0.06 s; generous for busy machines


def test_slug_known_value() -> None:
    key = CurveKey("IC", "inet_10", "BiT/101/3")
    assert key.label == "IC / inet_10 / BiT/101/3"
    # "IC / inet_10 / BiT/101/3" sanitised, then sha1("IC\x1finet_10\x1fBiT/101/3")[:8].
    assert key.slug == "IC_inet_10_BiT_101_3-261c3c3a"
    assert CurveKey("BB", "('date', '1-shot')", "262M").slug == "BB_date_1-shot_262M-2d3adb16"


def test_slugs_unique_and_safe(benchmark: list[Curve]) -> None:
    slugs = [c.key.slug for c in benchmark]
    assert len(set(slugs)) == 92
    assert all(re.fullmatch(r"[A-Za-z0-9._-]{1,60}-[0-9a-f]{8}", s) for s in slugs)


def test_slug_long_and_unreadable_keys() -> None:
    long_key = CurveKey("a" * 50, "b" * 50, "c")
    assert len(long_key.slug) <= 60 + 9
    assert CurveKey("a" * 50, "b" * 50, "d").slug != long_key.slug
    assert re.fullmatch(r"curve-[0-9a-f]{8}", CurveKey("/", "é", "?").slug)


def test_readable_titles_and_file_names(benchmark: list[Curve]) -> None:
    bb = CurveKey("BB", "('date', '1-shot')", "262M")
    assert bb.title == "BB / date, 1-shot / 262M" and bb.name == "BB_date_1-shot_262M"
    assert readable("('qa',)") == "qa" and readable("(not, a tuple)") == "(not, a tuple)"
    names = file_names(c.key for c in benchmark)
    assert names[CurveKey("IC", "inet_10", "BiT/101/3")] == "IC_inet_10_BiT_101_3"
    assert names[CurveKey("LM", "val_loss", "1.07e+09")] == "LM_val_loss_1.07e09"
    assert len(set(names.values())) == 92  # unique without any hash on the benchmark
    assert all(re.fullmatch(r"[A-Za-z0-9._-]{1,60}", n) for n in names.values())


def test_file_names_add_a_hash_only_to_colliding_keys() -> None:
    keys = [CurveKey("a", "b", "c/d"), CurveKey("a", "b", "c d"), CurveKey("A", "b", "c_d")]
    keys.append(CurveKey("a", "b", "e"))
    names = file_names(keys)
    assert names[keys[3]] == "a_b_e"
    for key in keys[:3]:
        assert names[key] == f"{key.name}-{key.digest}"
    assert len({n.casefold() for n in names.values()}) == 4
    assert file_names(reversed(keys)) == names
    assert file_names([CurveKey("/", "é", "?")]) == {CurveKey("/", "é", "?"): "curve"}


def test_round_trip(benchmark: list[Curve]) -> None:
    for curve in benchmark:
        frame = curve_to_frame(curve)
        assert list(frame.columns) == list(COLUMNS)
        assert len(frame) == curve.n_fit + curve.n_test
        assert curves_from_table(frame) == [curve]
    frame = curve_to_frame(benchmark[0])
    assert [str(t) for t in frame.dtypes] == ["str", "str", "str", "float64", "float64", "int64"]
    assert frame["Training"].tolist() == [1] * benchmark[0].n_fit + [0] * benchmark[0].n_test


def test_curve_equality_and_immutability(benchmark: list[Curve]) -> None:
    curve = benchmark[0]
    same = Curve(curve.key, curve.x_fit.copy(), curve.y_fit, curve.x_test, curve.y_test)
    assert same == curve
    assert Curve(curve.key, curve.x_fit, curve.y_fit * 2, curve.x_test, curve.y_test) != curve
    with pytest.raises(ValueError):
        curve.x_fit[0] = 1.0


# --------------------------------------------------------------------------------------------
# Good inputs
# --------------------------------------------------------------------------------------------


def test_small_file_values_and_rows(tmp_path: Path) -> None:
    (curve,) = read_curves([write(tmp_path, HEADER + GOOD)])
    assert curve.key == CurveKey("IC", "bird_5", "MiX/B/16")
    np.testing.assert_array_equal(curve.x_fit, [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(curve.y_fit, [0.9, 0.8, 0.7])
    np.testing.assert_array_equal(curve.x_test, [8.0])
    np.testing.assert_array_equal(curve.y_test, [0.6])


def test_raw_cross_entropy_losses(tmp_path: Path) -> None:
    rows = "".join(f"LM,val,m,{x},{y},{int(x < 8)}\n" for x, y in [(1, 9.0), (2, 5.1), (4, 3.3)])
    rows += "LM,val,m,8,2.5,0\n"
    (curve,) = read_curves([write(tmp_path, HEADER + rows)])
    np.testing.assert_array_equal(curve.y_fit, [9.0, 5.1, 3.3])
    np.testing.assert_array_equal(curve.y_test, [2.5])


def test_short_curves_are_not_errors(tmp_path: Path) -> None:
    text = HEADER + "IC,t,a,1,0.5,1\nIC,t,a,2,0.4,1\nIC,t,a,3,0.3,0\nIC,t,b,1,0.5,1\n"
    two_fit, no_test = read_curves([write(tmp_path, text)])
    assert (two_fit.n_fit, two_fit.n_test) == (2, 1)
    assert (no_test.n_fit, no_test.n_test) == (1, 0)


def test_exact_duplicates_collapse_in_fit_only(tmp_path: Path) -> None:
    (curve,) = read_curves([write(tmp_path, HEADER + GOOD + GOOD)])
    np.testing.assert_array_equal(curve.x_fit, [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(curve.x_test, [8.0, 8.0])


def test_points_sorted_by_x(tmp_path: Path) -> None:
    rows = "IC,t,m,30,0.1,0\nIC,t,m,4,0.5,1\nIC,t,m,10,0.3,0\nIC,t,m,1,0.9,1\nIC,t,m,20,0.2,0\n"
    (curve,) = read_curves([write(tmp_path, HEADER + rows + "IC,t,m,10,0.3,0\n")])
    np.testing.assert_array_equal(curve.x_fit, [1.0, 4.0])
    np.testing.assert_array_equal(curve.y_fit, [0.9, 0.5])
    np.testing.assert_array_equal(curve.x_test, [10.0, 10.0, 20.0, 30.0])
    np.testing.assert_array_equal(curve.y_test, [0.3, 0.3, 0.2, 0.1])


def test_text_keys_stay_text(tmp_path: Path) -> None:
    text = "Model,Domain,Task,Seen Examples,Loss,Training,Note\n"
    text += "1.07e+09,NA,nan,1,0.5,1.0,NA\n1.07e+09,NA,nan,2,0.4,0,\n"
    table = read_table(write(tmp_path, text))
    assert list(table.columns) == [*COLUMNS, "Note", "_source", "_row"]
    assert table["Model"].tolist() == ["1.07e+09", "1.07e+09"]
    assert table["Note"].tolist() == ["NA", ""]
    assert table["Training"].tolist() == [1, 0]
    (curve,) = curves_from_table(table)
    assert curve.key == CurveKey("NA", "nan", "1.07e+09")


def test_blank_lines_crlf_bom_and_quoted_newlines_keep_line_numbers(tmp_path: Path) -> None:
    text = HEADER + 'IC,"two\nlines",m,1,0.5,1\n\nIC,t,m,2,0.4,1\n'
    table = read_table(write(tmp_path, "\ufeff" + text.replace("\n", "\r\n")))
    assert table["_row"].tolist() == [2, 5]
    assert table["Task"].tolist() == ["two\nlines", "t"]
    bad = HEADER + 'IC,"two\nlines",m,1,0.5,1\n\nIC,t,m,2,-0.4,1\n'
    assert "row 5, column 'Loss'" in error_of(write(tmp_path, bad, "bad.csv"))


def test_read_tables_concatenates_in_order(tmp_path: Path) -> None:
    a = write(tmp_path, HEADER + GOOD, "a.csv")
    b = write(tmp_path, HEADER + "NMT,t,m,1,0.5,1\n", "b.csv")
    table = read_tables([a, b])
    assert table["_source"].tolist() == [str(a)] * 4 + [str(b)]
    assert table["_row"].tolist() == [2, 3, 4, 5, 2]
    assert [c.key.domain for c in read_curves([a, b])] == ["IC", "NMT"]


def test_curves_to_frame_is_the_concatenation_of_each_curve(benchmark: list[Curve]) -> None:
    expected = pd.concat([curve_to_frame(c) for c in benchmark], ignore_index=True)
    pd.testing.assert_frame_equal(curves_to_frame(benchmark), expected)
    pd.testing.assert_frame_equal(curves_to_frame(benchmark[3:4]), curve_to_frame(benchmark[3]))
    empty = curves_to_frame([])
    assert list(empty.columns) == list(COLUMNS) and empty.empty
    assert list(empty.dtypes) == list(expected.dtypes)


def test_read_curve_table_maps_every_row_to_its_curve(tmp_path: Path) -> None:
    # Rows of two curves interleaved, a third curve in a second file; keys out of order.
    text = HEADER + "NMT,t,z,1,0.5,1\nIC,bird_5,m,1,0.9,1\nNMT,t,z,2,0.4,0\nIC,bird_5,m,2,0.8,1\n"
    a, b = write(tmp_path, text, "a.csv"), write(tmp_path, HEADER + "BB,q,a,1,0.3,1\n", "b.csv")
    read = read_curve_table([a, b])
    assert read.curves == curves_from_table(read_tables([a, b])) == read_curves([a, b])
    assert [c.key.domain for c in read.curves] == ["BB", "IC", "NMT"]
    keys = [tuple(read.table[c].iloc[i] for c in ("Domain", "Task", "Model")) for i in range(5)]
    mapped = [(k.domain, k.task, k.model) for k in (read.curves[i].key for i in read.row_curve)]
    assert mapped == keys
    assert read.row_curve.tolist() == [2, 1, 2, 1, 0]


def test_read_curve_table_on_the_benchmark(benchmark: list[Curve]) -> None:
    read = read_curve_table(BENCHMARK_FILES)
    assert read.curves == benchmark
    for i, curve in enumerate(read.curves):
        rows = read.table[read.row_curve == i]
        assert set(rows["Model"]) == {curve.key.model} and set(rows["Task"]) == {curve.key.task}
        assert len(rows) >= curve.n_fit + curve.n_test  # repeated fit points collapse


# --------------------------------------------------------------------------------------------
# Bad inputs: every message names the file, and the line and column where they apply
# --------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    message = error_of(tmp_path / "nope.csv")
    assert "nope.csv" in message
    assert "file not found" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "file is empty"),
        (" \n\n", "file is empty"),
        (HEADER, "has a header but no data rows"),
        (HEADER + "\n\n", "has a header but no data rows"),
    ],
)
def test_empty_files(tmp_path: Path, text: str, expected: str) -> None:
    message = error_of(write(tmp_path, text))
    assert "bench.csv" in message
    assert expected in message


def test_misspelt_columns(tmp_path: Path) -> None:
    text = "Domain,Task,Model,seen_examples,loss ,Training\nIC,t,m,1,0.5,1\n"
    message = error_of(write(tmp_path, text))
    assert "bench.csv, row 1" in message
    assert "missing column 'Seen Examples' (did you mean 'seen_examples'?)" in message
    assert "missing column 'Loss' (did you mean 'loss '?)" in message
    assert "columns found: 'Domain', 'Task', 'Model', 'seen_examples', 'loss ', 'Training'" in (
        message
    )


def test_missing_column_without_suggestion(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "Domain,Task,Model,Seen Examples,Loss\nIC,t,m,1,0.5\n"))
    assert "missing column 'Training';" in message
    assert "did you mean" not in message


def test_duplicate_header_column(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, HEADER.strip() + ",Loss\n" + "IC,t,m,1,0.5,1,0.4\n"))
    assert "bench.csv, row 1, column 'Loss'" in message


@pytest.mark.parametrize("column", ["Seen Examples", "Loss"])
@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("abc", "not a number"),
        ("", "empty"),
        ("nan", "not a number"),
        ("NA", "not a number"),
        ("inf", "infinite"),
        ("-inf", "infinite"),
        ("0", "zero"),
        ("-2.5", "negative"),
    ],
)
def test_bad_numbers(tmp_path: Path, column: str, value: str, why: str) -> None:
    cells = {"Seen Examples": "16", "Loss": "0.5", column: value}
    line = f"IC,bird_5,MiX/B/16,{cells['Seen Examples']},{cells['Loss']},0\n"
    message = error_of(write(tmp_path, HEADER + GOOD + line))
    assert f"bench.csv, row 6, column '{column}', curve IC / bird_5 / MiX/B/16: " in message
    assert f"must be a positive finite number; got {value!r} ({why})" in message
    assert "more row" not in message


@pytest.mark.parametrize("column", ["Seen Examples", "Loss"])
@pytest.mark.parametrize("value", ["1e-320", "4e-310", "1e301", "1.7e308"])
def test_numbers_beyond_floating_point_range(tmp_path: Path, column: str, value: str) -> None:
    cells = {"Seen Examples": "16", "Loss": "0.5", column: value}
    line = f"IC,bird_5,MiX/B/16,{cells['Seen Examples']},{cells['Loss']},0\n"
    message = error_of(write(tmp_path, HEADER + GOOD + line))
    assert f"bench.csv, row 6, column '{column}', curve IC / bird_5 / MiX/B/16: " in message
    assert "must lie in [1e-300, 1e+300], where logs and powers stay exact" in message
    assert f"got {value!r}" in message


def test_bad_numbers_first_row_and_count(tmp_path: Path) -> None:
    rows = "IC,t,m,5,0.5,0\nIC,t,m,x1,0.5,0\nIC,t,m,7,-1,0\nIC,t,m,x2,0.5,0\nIC,t,m,x3,0.5,0\n"
    message = error_of(write(tmp_path, HEADER + GOOD + rows))
    assert "row 7, column 'Seen Examples'" in message
    assert "got 'x1'" in message
    assert "2 more rows with the same problem" in message


def test_earliest_bad_row_wins_across_columns(tmp_path: Path) -> None:
    rows = "IC,t,m,5,-1,0\nIC,t,m,x1,0.5,0\n"
    message = error_of(write(tmp_path, HEADER + GOOD + rows))
    assert "row 6, column 'Loss'" in message


@pytest.mark.parametrize("value", ["2", "0.5", "yes", "", "-1", "nan"])
def test_bad_training(tmp_path: Path, value: str) -> None:
    message = error_of(write(tmp_path, HEADER + GOOD + f"IC,bird_5,MiX/B/16,16,0.5,{value}\n"))
    assert "bench.csv, row 6, column 'Training'" in message
    assert f"must be 0 (extrapolation point) or 1 (fit point); got {value!r}" in message


def test_training_accepts_float_text(tmp_path: Path) -> None:
    text = HEADER + "IC,t,m,1,0.5,1.0\nIC,t,m,2,0.4,0.0\nIC,t,m,3,0.3,1\n"
    assert read_table(write(tmp_path, text))["Training"].tolist() == [1, 0, 1]


@pytest.mark.parametrize(("index", "column"), [(0, "Domain"), (1, "Task"), (2, "Model")])
@pytest.mark.parametrize("empty", ["", "  "])
def test_empty_keys(tmp_path: Path, index: int, column: str, empty: str) -> None:
    cells = ["IC", "bird_5", "MiX/B/16", "16", "0.5", "0"]
    cells[index] = empty
    message = error_of(write(tmp_path, HEADER + GOOD + ",".join(cells) + "\n"))
    assert f"bench.csv, row 6, column '{column}': must not be empty" in message


@pytest.mark.parametrize(
    ("bad_line", "row", "expected"),
    [
        ("IC,t,m,16,0.5,0,extra\n", 6, "has 7 fields but the header has 6"),
        ("IC,t,m,16,0.5\n", 6, "has 5 fields but the header has 6"),
        ('IC,"t,m,16,0.5,0\n', 6, "malformed CSV"),
    ],
)
def test_malformed_rows(tmp_path: Path, bad_line: str, row: int, expected: str) -> None:
    message = error_of(write(tmp_path, HEADER + GOOD + bad_line))
    assert f"bench.csv, row {row}: {expected}" in message


def test_extra_field_in_first_data_row(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, HEADER + "IC,t,m,16,0.5,0,extra\n" + GOOD))
    assert "bench.csv, row 2: has 7 fields but the header has 6" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + GOOD + "IC,t,café,16,0.5,0\n").encode("latin-1"))
    message = error_of(path)
    assert "latin.csv, row 6: is not valid UTF-8 text (byte 0xe9" in message


@pytest.mark.parametrize(
    ("bad_line", "column"),
    [("IC,bird_5,MiX/B/16,2,0.85,1\n", "Loss"), ("IC,bird_5,MiX/B/16,2,0.8,0\n", "Training")],
)
def test_conflicting_duplicates(tmp_path: Path, bad_line: str, column: str) -> None:
    message = error_of(write(tmp_path, HEADER + GOOD + bad_line))
    assert f"bench.csv, row 3, column '{column}', curve IC / bird_5 / MiX/B/16:" in message
    assert "Seen Examples = 2.0" in message
    assert "bench.csv row 3" in message
    assert "bench.csv row 6" in message


def test_conflicting_duplicates_across_files(tmp_path: Path) -> None:
    a = write(tmp_path, HEADER + GOOD, "a.csv")
    b = write(tmp_path, HEADER + "\nIC,bird_5,MiX/B/16,4,0.75,1\n", "b.csv")
    for read in (read_tables, read_curves):
        with pytest.raises(InputError) as info:
            read([a, b])
        message = str(info.value)
        assert "a.csv, row 4, column 'Loss'" in message
        assert "b.csv row 3" in message


def test_curves_from_table_checks_conflicts_and_columns() -> None:
    frame = pd.DataFrame(
        {
            "Domain": ["IC", "IC"],
            "Task": ["t", "t"],
            "Model": ["m", "m"],
            "Seen Examples": [1.0, 1.0],
            "Loss": [0.5, 0.6],
            "Training": [1, 1],
        }
    )
    with pytest.raises(InputError, match="different Loss"):
        curves_from_table(frame)
    with pytest.raises(InputError, match="'Training'"):
        curves_from_table(frame.drop(columns="Training"))


def test_lean_and_detailed_reading_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Clean files are read in chunks without their text in memory; others (here CRLF line
    # ends) the detailed way. Both give the same table, also in small chunks and mixed.
    from scalinglaws import curves

    monkeypatch.setattr(curves, "_CHUNK_ROWS", 3)
    monkeypatch.setattr(curves, "_BLOCK_ROWS", 2)
    header = "Domain,Task,Model,Seen Examples,Loss,Training,Note\n"
    rows = "".join(
        f"IC,t{i % 2},m{i // 4},{i % 4 + 1},0.{9 - i % 4},{int(i % 4 < 3)},n\n" for i in range(9)
    )
    clean = write(tmp_path, header + rows, "clean.csv")
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes((header + rows).replace("\n", "\r\n").encode())
    assert curves._scan(clean) is not None and curves._scan(crlf) is None
    detailed = curves._read_table_detailed(clean)
    assert read_table(clean).equals(detailed)
    both = read_tables([clean, crlf])
    expected = pd.concat([detailed, curves._read_table_detailed(crlf)], ignore_index=True)
    assert both.equals(expected) and list(both.dtypes) == list(expected.dtypes)
    assert curves_from_table(both) == curves_from_table(expected)
    with pytest.raises(InputError, match=r"appears more than once with a different Loss"):
        read_tables([clean, write(tmp_path, header + rows.replace("0.9,", "0.5,", 1), "b.csv")])
