"""Tests of the atomic writers: content, round trips, and failure leaving the target untouched."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglaws import io


def test_text_creates_parents_and_keeps_newlines(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.md"
    io.write_text_atomic(target, "x\ny \u2013 z\n")
    assert target.read_bytes() == b"x\ny \xe2\x80\x93 z\n"
    assert os.listdir(target.parent) == ["out.md"]


def test_bytes_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    io.write_bytes_atomic(str(target), b"\x00\x01new")
    assert target.read_bytes() == b"\x00\x01new"
    assert os.listdir(tmp_path) == ["out.bin"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_mode_follows_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        io.write_text_atomic(tmp_path / "out.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644


def _fail(*args, **kwargs):
    raise OSError("disk on fire")


@pytest.mark.parametrize("step", ["fsync", "replace"])
@pytest.mark.parametrize("existed", [True, False])
def test_failure_leaves_target_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, existed: bool
) -> None:
    # fsync fails after the data is in the temp file; replace fails at the rename.
    target = tmp_path / "out.txt"
    if existed:
        target.write_text("old")
    monkeypatch.setattr(io.os, step, _fail)
    with pytest.raises(OSError, match="disk on fire"):
        io.write_text_atomic(target, "new")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == (["out.txt"] if existed else [])
    if existed:
        assert target.read_text() == "old"


def test_interrupted_write_removes_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A KeyboardInterrupt mid-way is cleaned up too.
    target = tmp_path / "out.csv"
    target.write_text("old")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(io.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        io.write_csv_atomic(pd.DataFrame({"a": [1]}), target)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["out.csv"]
    assert target.read_text() == "old"


def test_csv_exact_text(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [0.1, np.nan, 1e-300], "b": ["x", "y,z", None], "n": [1, 2, 3]})
    target = tmp_path / "out.csv"
    io.write_csv_atomic(df, target)
    assert target.read_bytes() == b'a,b,n\n0.1,x,1\n,"y,z",2\n1e-300,,3\n'


def test_csv_floats_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    values = rng.random(5000) * 10.0 ** rng.integers(-300, 300, 5000)
    special = [0.1 + 0.2, 1 / 3, -0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
    values = np.concatenate([values, special, [np.inf, -np.inf, np.nan]])
    df = pd.DataFrame({"v": values, "rmse": np.sqrt(np.abs(values))})
    target = tmp_path / "floats.csv"
    io.write_csv_atomic(df, target)
    back = pd.read_csv(target)
    for column in df.columns:
        assert back[column].dtype == np.float64
        # Compare bit patterns, so -0.0 vs 0.0 and the last ulp both count.
        assert np.array_equal(
            back[column].to_numpy().view(np.uint64), df[column].to_numpy().view(np.uint64)
        )
    io.write_csv_atomic(back, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == target.read_bytes()


def test_csv_line_endings_ignore_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pandas defaults to os.linesep; the writer pins "\n" so Windows output is identical.
    monkeypatch.setattr(os, "linesep", "\r\n")
    io.write_csv_atomic(pd.DataFrame({"a": [1, 2]}), tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes() == b"a\n1\n2\n"


def test_csv_parts_equal_the_whole(tmp_path: Path) -> None:
    whole = pd.DataFrame({"k": ["a", "b,c", "", "d"], "x": [0.1, np.nan, 1e-300, 3.0]})
    io.write_csv_atomic(whole, tmp_path / "whole.csv")
    parts = [whole.iloc[:1], whole.iloc[1:1], whole.iloc[1:]]
    assert io.write_csv_parts_atomic(iter(parts), tmp_path / "parts.csv") == 4
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_csv_parts_need_one_part(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no part to write"):
        io.write_csv_parts_atomic([], tmp_path / "none.csv")
    assert list(tmp_path.iterdir()) == []  # no file, no temporary left behind
