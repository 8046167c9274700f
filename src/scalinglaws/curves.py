"""Learning curves: read and validate the long-format benchmark CSVs, split them into curves.

A benchmark file has one row per measurement, with the columns :data:`COLUMNS`. ``Domain``,
``Task`` and ``Model`` (always read as text) name a curve; ``Seen Examples`` is the x value,
``Loss`` the y value, and ``Training`` says whether the point is used for fitting (1) or kept
for extrapolation (0). Extra columns are allowed and kept as text.

Every problem in a file is an :class:`~scalinglaws.errors.InputError` that names the file, the
line (header = line 1), the column and the curve. Curves too short to fit are *not* errors here:
the fitting step reports them.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from scalinglaws.errors import InputError

DOMAIN, TASK, MODEL = "Domain", "Task", "Model"
SEEN, LOSS, TRAINING = "Seen Examples", "Loss", "Training"
COLUMNS: tuple[str, ...] = (DOMAIN, TASK, MODEL, SEEN, LOSS, TRAINING)
KEY_COLUMNS: tuple[str, ...] = (DOMAIN, TASK, MODEL)
SOURCE, ROW = "_source", "_row"

_NUMERIC = (SEEN, LOSS, TRAINING)
_SLUG_TEXT_MAX = 60
_BOM = b"\xef\xbb\xbf"
# The lean reading's unit sizes: bytes per block of the checking pass, rows per parsed chunk
# and per block of the cross-row screen.
_SCAN_BYTES = 1 << 24
_CHUNK_ROWS = 1 << 18
_BLOCK_ROWS = 1 << 20

PathArg = str | PathLike[str]


# --------------------------------------------------------------------------------------------
# Curve keys and curves
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class CurveKey:
    """The identity of one learning curve: (domain, task, model), compared as text."""

    domain: str
    task: str
    model: str

    @property
    def label(self) -> str:
        """Human-readable name, e.g. ``"IC / inet_10 / BiT/101/3"``."""
        return f"{self.domain} / {self.task} / {self.model}"

    @property
    def title_task(self) -> str:
        """The task as it reads best: a tuple's text ``"('qa', '1-shot')"`` as ``"qa, 1-shot"``."""
        return readable(self.task)

    @property
    def title(self) -> str:
        """The label for figure titles, e.g. ``"BB / qa, 1-shot / 262M"``."""
        return f"{self.domain} / {self.title_task} / {self.model}"

    @property
    def name(self) -> str:
        """Readable, file-name-safe ``domain_task_model`` (not unique: see :func:`file_names`)."""
        parts = (_safe(self.domain), _safe(self.title_task), _safe(self.model))
        text = "_".join(p for p in parts if p)[:_SLUG_TEXT_MAX].rstrip("._-")
        return text or "curve"

    @property
    def digest(self) -> str:
        """8 hex digits of a sha1 of the key: the same for the same key, everywhere."""
        raw = "\x1f".join((self.domain, self.task, self.model)).encode("utf-8")
        return hashlib.sha1(raw).hexdigest()[:8]

    @property
    def slug(self) -> str:
        """Stable, unique, file-name-safe id: readable text + ``-`` + 8 hex digits of a sha1."""
        text = re.sub(r"[^A-Za-z0-9._-]+", "_", self.label).strip("._-")
        text = text[:_SLUG_TEXT_MAX].rstrip("._-") or "curve"
        return f"{text}-{self.digest}"


def readable(text: str) -> str:
    """``"('qa', '1-shot')"`` (a tuple of texts written by Python) as ``"qa, 1-shot"``."""
    match = re.fullmatch(r"\(\s*((?:'[^']*'\s*,\s*)*'[^']*')\s*,?\s*\)", text.strip())
    return ", ".join(re.findall(r"'([^']*)'", match.group(1))) if match else text


def _safe(text: str) -> str:
    """``text`` without ``+`` (``1.07e+09`` reads ``1.07e09``) and with each run of other
    characters than letters, digits, ``.`` and ``-`` as ``_``."""
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text.replace("+", "")).strip("._-")


def file_names(keys: Iterable[CurveKey]) -> dict[CurveKey, str]:
    """A readable file name per key (:attr:`CurveKey.name`), unique among ``keys``.

    Names that two keys share (ignoring case, for case-insensitive file systems) get
    ``-`` and the key's :attr:`~CurveKey.digest`, so each name depends only on the keys of
    the same collision, never on their order.
    """
    keys = sorted(set(keys))
    counts = defaultdict(int)
    for key in keys:
        counts[key.name.casefold()] += 1
    return {k: k.name if counts[k.name.casefold()] == 1 else f"{k.name}-{k.digest}" for k in keys}


@dataclass(frozen=True, eq=False)
class Curve:
    """One curve's fit points (unique x, ascending) and test points (every row, sorted by x).

    The arrays are float64 and read-only. Two curves are equal when their keys and all four
    arrays are equal.
    """

    key: CurveKey
    x_fit: np.ndarray = field(repr=False)
    y_fit: np.ndarray = field(repr=False)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("x_fit", "y_fit", "x_test", "y_test"):
            array = np.array(getattr(self, name), dtype=np.float64).reshape(-1)
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        if self.x_fit.shape != self.y_fit.shape or self.x_test.shape != self.y_test.shape:
            raise ValueError(f"curve {self.key.label}: x and y arrays differ in length")

    @property
    def n_fit(self) -> int:
        """Number of (unique) fit points."""
        return len(self.x_fit)

    @property
    def n_test(self) -> int:
        """Number of extrapolation points, duplicates included."""
        return len(self.x_test)

    @property
    def last_point(self) -> tuple[float, float]:
        """The largest observed x (fit and extrapolation points alike) and its loss; NaN, NaN
        for a curve without points."""
        x = np.concatenate([self.x_fit, self.x_test])
        y = np.concatenate([self.y_fit, self.y_test])
        if x.size == 0:
            return np.nan, np.nan
        i = int(np.argmax(x))
        return float(x[i]), float(y[i])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Curve):
            return NotImplemented
        return self.key == other.key and all(
            np.array_equal(getattr(self, name), getattr(other, name))
            for name in ("x_fit", "y_fit", "x_test", "y_test")
        )

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Curve({self.key.label!r}, n_fit={self.n_fit}, n_test={self.n_test})"


# --------------------------------------------------------------------------------------------
# Public reading API
# --------------------------------------------------------------------------------------------


def read_table(path: PathArg) -> pd.DataFrame:
    """Read and validate one benchmark CSV.

    Returns :data:`COLUMNS` (str, str, str, float64, float64, int64), then any extra columns
    (as text), then ``_source`` (the path) and ``_row`` (the file line; header = 1).
    """
    return _concat([path])


def _read_table_detailed(path: PathArg) -> pd.DataFrame:
    """:func:`read_table` the detailed way: the whole text in memory, every check with its
    message. Used for files the lean reading (:func:`_read_lean`) does not take."""
    source = _Source.open(path)
    frame, lines = source.parse()
    values = {name: _numbers(frame[name]) for name in _NUMERIC}
    _check_rows(frame, values, lines, source)
    return _assemble(frame, values, lines, source)


def read_tables(paths: Iterable[PathArg]) -> pd.DataFrame:
    """Read several CSVs (in the order given), concatenate, check duplicates across all rows."""
    table = _concat(paths)
    _check_conflicts(table, _curve_codes(table)[0])
    return table


def curves_from_table(table: pd.DataFrame) -> list[Curve]:
    """One :class:`Curve` per (Domain, Task, Model), sorted by key.

    Raises InputError when one curve has the same x twice with a different Loss or Training.
    """
    missing = [name for name in COLUMNS if name not in table.columns]
    if missing:
        raise InputError(f"table lacks column(s) {_quoted(missing)}")
    codes, keys = _curve_codes(table)
    _check_conflicts(table, codes)
    return _split_curves(table, codes, keys, _key_ranks(keys))


@dataclass(frozen=True)
class CurveTable:
    """A validated table (:func:`read_tables`), its curves (:func:`curves_from_table`) and
    ``row_curve``: for each row of ``table``, the index of its curve in ``curves``."""

    table: pd.DataFrame
    curves: list[Curve]
    row_curve: np.ndarray


def read_curve_table(paths: Iterable[PathArg]) -> CurveTable:
    """:func:`read_tables` and :func:`curves_from_table` in one pass (the cross-row check
    runs once), with each row's curve: what a caller needs to split the rows by curve without
    grouping the table's text columns again (at 11 M rows that costs 0.6 GB)."""
    table = _concat(paths)
    codes, keys = _curve_codes(table)
    _check_conflicts(table, codes)
    ranks = _key_ranks(keys)
    return CurveTable(table, _split_curves(table, codes, keys, ranks), ranks[codes])


def read_curves(paths: Iterable[PathArg]) -> list[Curve]:
    """:func:`read_tables` then :func:`curves_from_table` (the cross-row check runs once)."""
    return curves_from_table(_concat(paths))


def curve_to_frame(curve: Curve) -> pd.DataFrame:
    """The curve in the long format of :data:`COLUMNS`: fit rows, then test rows."""
    n = curve.n_fit + curve.n_test
    key = curve.key
    return pd.DataFrame(
        {
            DOMAIN: pd.Series([key.domain] * n, dtype="str"),
            TASK: pd.Series([key.task] * n, dtype="str"),
            MODEL: pd.Series([key.model] * n, dtype="str"),
            SEEN: np.concatenate([curve.x_fit, curve.x_test]),
            LOSS: np.concatenate([curve.y_fit, curve.y_test]),
            TRAINING: np.repeat(np.array([1, 0], dtype=np.int64), [curve.n_fit, curve.n_test]),
        }
    )


def curves_to_frame(curves: Sequence[Curve]) -> pd.DataFrame:
    """The curves one after another in the long format of :data:`COLUMNS`: the rows and types
    of :func:`curve_to_frame` for each, concatenated, built at once (no frame per curve)."""
    if not curves:
        return pd.DataFrame(
            {
                **{name: pd.Series(dtype="str") for name in KEY_COLUMNS},
                **{SEEN: np.empty(0), LOSS: np.empty(0), TRAINING: np.empty(0, dtype=np.int64)},
            }
        )
    n_fit = np.array([c.n_fit for c in curves], dtype=np.int64)
    n_test = np.array([c.n_test for c in curves], dtype=np.int64)
    sizes = n_fit + n_test
    texts = np.array([_key_texts(c.key) for c in curves], dtype=object)  # one row per curve
    keys = {
        name: pd.Series(np.repeat(texts[:, i], sizes), dtype="str")
        for i, name in enumerate(KEY_COLUMNS)
    }
    parts = [(c.x_fit, c.x_test, c.y_fit, c.y_test) for c in curves]
    return pd.DataFrame(
        {
            **keys,
            SEEN: np.concatenate([a for x_fit, x_test, _, _ in parts for a in (x_fit, x_test)]),
            LOSS: np.concatenate([a for _, _, y_fit, y_test in parts for a in (y_fit, y_test)]),
            TRAINING: np.repeat(
                np.tile(np.array([1, 0], dtype=np.int64), len(curves)),
                np.column_stack([n_fit, n_test]).ravel(),
            ),
        }
    )


def _key_texts(key: CurveKey) -> tuple[str, str, str]:
    return key.domain, key.task, key.model


# --------------------------------------------------------------------------------------------
# One file: text, header, parsing
# --------------------------------------------------------------------------------------------


_CSV_OPTIONS = {
    "keep_default_na": False,
    "na_filter": False,
    "skip_blank_lines": False,
    "index_col": False,
    "engine": "c",
}
"""pandas.read_csv options of every reading path (the detailed one and the lean, chunked
one must parse a file alike)."""


@dataclass
class _Source:
    """One CSV file's decoded text and header, with a cached all-text parse for messages."""

    path: str
    text: str
    header: list[str]
    header_lines: int

    @classmethod
    def open(cls, path: PathArg) -> _Source:
        """Read, decode and check the header of ``path``."""
        name = str(path)
        text = _read_text(Path(path), name)
        header, header_lines = _read_header(text, name)
        _check_header(header, name)
        return cls(name, text, header, header_lines)

    def error(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        curve: str | None = None,
    ) -> InputError:
        """An InputError located in this file."""
        return InputError(message, path=self.path, row=row, column=column, curve=curve)

    def parse(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The data rows (blank lines dropped) and their line numbers.

        Fast path: the numeric columns are parsed as float by pandas. If that fails the file has
        a bad or blank cell, so it is re-read as text (the checks then find and report it).
        """
        numeric = defaultdict(lambda: str, dict.fromkeys(_NUMERIC, "float64"))
        try:
            frame = self._read_csv(numeric)
        except (ValueError, TypeError, OverflowError):
            frame = self.raw
        lines = self._line_numbers(frame)
        blank = _blank_rows(frame)
        if blank.any():
            frame, lines = frame.loc[~blank].reset_index(drop=True), lines[~blank]
        if frame.empty:
            raise self.error("has a header but no data rows")
        return frame, lines

    def cell(self, column: str, line: int) -> str:
        """The text of ``column`` in the row at file line ``line``."""
        raw = self.raw
        return str(raw[column].iat[int(np.searchsorted(self._line_numbers(raw), line))])

    @cached_property
    def raw(self) -> pd.DataFrame:
        """Every cell as text (shape-checked); used for messages and for files with bad cells."""
        frame = self._read_csv(str)
        self._check_shape(strict=False)
        return frame

    def _read_csv(self, dtype: object) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            try:
                return pd.read_csv(io.StringIO(self.text), dtype=dtype, **_CSV_OPTIONS)
            except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
                self._check_shape(strict=True)
                raise self.error(f"cannot parse CSV: {exc}", row=_pandas_line(exc)) from None
            except pd.errors.EmptyDataError:
                raise self.error("file is empty") from None

    def _check_shape(self, *, strict: bool) -> None:
        """Raise on the first non-blank record whose field count differs from the header's."""
        reader = csv.reader(io.StringIO(self.text), strict=strict)
        end = 0
        try:
            for record in reader:
                start, end = end + 1, reader.line_num
                if start > 1 and record and len(record) != len(self.header):
                    if len(record) == 1 and not record[0].strip():
                        continue
                    raise self.error(
                        f"has {len(record)} fields but the header has {len(self.header)}",
                        row=start,
                    )
        except csv.Error as exc:
            raise self.error(f"malformed CSV ({exc})", row=end + 1) from None

    def _line_numbers(self, frame: pd.DataFrame) -> np.ndarray:
        """File line of each parsed row, allowing for line breaks inside quoted fields."""
        n = len(frame)
        first = self.header_lines + 1
        lines = np.arange(first, first + n, dtype=np.int64)
        physical = self.text.count("\n") + (not self.text.endswith("\n"))
        if physical == self.header_lines + n:
            return lines
        breaks = np.zeros(n, dtype=np.int64)
        for name in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[name]):
                breaks += frame[name].str.count("\n").to_numpy(dtype=np.int64)
        return lines + np.concatenate([[0], np.cumsum(breaks)[:-1]])


def _read_text(path: Path, name: str) -> str:
    """The file's text: UTF-8 (optional BOM), line ends normalised to ``\\n``."""
    if not path.exists():
        raise InputError("file not found", path=name)
    if not path.is_file():
        raise InputError("not a regular file", path=name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=name) from None
    data = data.removeprefix(_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError(
            f"is not valid UTF-8 text (byte 0x{bad} at offset {exc.start})", path=name, row=line
        ) from None
    if not text.strip():
        raise InputError("file is empty", path=name)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _read_header(text: str, path: str) -> tuple[list[str], int]:
    """The header's column names and the number of lines it spans."""
    if not text.split("\n", 1)[0].strip():
        raise InputError("line 1 is blank; the first line must be the header", path=path, row=1)
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(f"malformed CSV header: {exc}", path=path, row=1) from None
    return header, reader.line_num


def _check_header(header: list[str], path: str) -> None:
    """Reject repeated or reserved names and missing columns (with a suggested match)."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError("name appears twice in the header", path=path, row=1, column=name)
        seen.add(name)
        if name in (SOURCE, ROW):
            raise InputError("column name is reserved", path=path, row=1, column=name)
    missing = [name for name in COLUMNS if name not in seen]
    if missing:
        unused = [name for name in header if name not in COLUMNS]
        parts = [_missing_column(name, unused) for name in missing]
        found = _quoted(header)
        raise InputError(f"{'; '.join(parts)}; columns found: {found}", path=path, row=1)


def _missing_column(name: str, candidates: list[str]) -> str:
    """``missing column 'X'``, with ``(did you mean 'x'?)`` when a close match exists."""
    match = _close_match(name, candidates)
    hint = f" (did you mean {match!r}?)" if match is not None else ""
    return f"missing column {name!r}{hint}"


def _close_match(name: str, candidates: list[str]) -> str | None:
    """The candidate closest to ``name``, ignoring case, spaces, '_' and '-'; None if none."""

    def norm(text: str) -> str:
        return re.sub(r"[\s_\-]+", "", text).casefold()

    by_norm = {norm(c): c for c in reversed(candidates)}
    if norm(name) in by_norm:
        return by_norm[norm(name)]
    close = difflib.get_close_matches(norm(name), list(by_norm), n=1, cutoff=0.6)
    return by_norm[close[0]] if close else None


def _pandas_line(exc: Exception) -> int | None:
    """The line number in a pandas parser message, if it gives one."""
    found = re.search(r"\bline (\d+)", str(exc))
    return int(found.group(1)) if found else None


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows that came from blank lines (every cell empty or whitespace)."""
    blank = np.ones(len(frame), dtype=bool)
    if any(pd.api.types.is_numeric_dtype(dtype) for dtype in frame.dtypes):
        return ~blank  # a number was parsed in every row
    for name in frame.columns:
        blank &= _empty_cells(frame[name])
    return blank


def _empty_cells(column: pd.Series) -> np.ndarray:
    """Which cells of a text column are empty or whitespace (checked once per distinct value)."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object))
    empty = np.array([not str(value).strip() for value in uniques], dtype=bool)
    return empty[codes] if len(empty) else np.zeros(len(column), dtype=bool)


# --------------------------------------------------------------------------------------------
# Lean reading: the common case of a clean file, in bounded memory
# --------------------------------------------------------------------------------------------


class _NotLeanError(Exception):
    """The lean reading does not take this file: read it the detailed way."""


# What the lean reading may meet in a file it does not take: it then hands the file on.
_LEAN_ERRORS = (
    _NotLeanError,
    InputError,
    OSError,
    UnicodeError,
    ValueError,
    TypeError,
    OverflowError,
    csv.Error,
    pd.errors.ParserError,
    pd.errors.ParserWarning,
    pd.errors.EmptyDataError,
)


@dataclass(frozen=True)
class _Scan:
    """A file that passed the checking pass: where its text starts and how many data lines."""

    path: str
    start: int
    rows: int


def _scan(path: PathArg) -> _Scan | None:
    """Stream ``path`` once: valid UTF-8, ``\n`` line ends only, not blank, a header on line 1
    without quotes that passes :func:`_check_header`. None when any of that fails (the
    detailed reading then reports it, or copes with it)."""
    name = str(path)
    try:
        if not Path(path).is_file():
            return None
        with open(path, "rb") as handle:
            start = len(_BOM) if handle.read(len(_BOM)) == _BOM else 0
            handle.seek(start)
            decoder = codecs.getincrementaldecoder("utf-8")("strict")
            newlines, blank, last, first_line = 0, True, b"", None
            while block := handle.read(_SCAN_BYTES):
                if b"\r" in block:
                    return None
                text = decoder.decode(block)
                if first_line is None:
                    if "\n" not in text:
                        return None
                    first_line = text.split("\n", 1)[0]
                blank = blank and not text.strip()
                newlines += block.count(b"\n")
                last = block[-1:]
            decoder.decode(b"", final=True)
        if blank or first_line is None or '"' in first_line:
            return None
        header, header_lines = _read_header(first_line + "\n", name)
        _check_header(header, name)
        rows = newlines + (last != b"\n") - header_lines
        return _Scan(name, start, rows) if header_lines == 1 and rows > 0 else None
    except _LEAN_ERRORS:
        return None


class _Numbers:
    """The numeric columns of every file read the lean way, filled file after file."""

    def __init__(self, rows: int) -> None:
        self.seen = np.empty(rows, dtype=np.float64)
        self.loss = np.empty(rows, dtype=np.float64)
        self.training = np.empty(rows, dtype=np.int64)
        self.line = np.empty(rows, dtype=np.int64)
        self.used = 0


@dataclass
class _Lean:
    """One file read the lean way: its rows in ``_Numbers`` and its text columns in Arrow."""

    path: str
    rows: slice
    columns: list[str]
    text: dict[str, list[pa.Array]]


def _read_lean(scan: _Scan, numbers: _Numbers) -> _Lean | None:
    """The file parsed chunk by chunk (as :meth:`_Source.parse` does, in chunks), each
    chunk checked and stored; None when a chunk fails to parse or to pass a check of
    :func:`_check_rows`, or the rows do not match the file's lines one to one."""
    begin = numbers.used
    numeric = defaultdict(lambda: str, dict.fromkeys(_NUMERIC, "float64"))
    columns: list[str] | None = None
    text: dict[str, list[pa.Array]] = {}
    repeats = _Repeats(min(scan.rows, _CHUNK_ROWS))
    end = begin
    try:
        with open(scan.path, "rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            handle.seek(scan.start)
            reader = pd.read_csv(
                handle, dtype=numeric, encoding="utf-8", chunksize=_CHUNK_ROWS, **_CSV_OPTIONS
            )
            with reader:
                for chunk in reader:
                    if columns is None:
                        columns = list(chunk.columns)
                        text = {n: [] for n in columns if n not in _NUMERIC}
                    rows = slice(end, end + len(chunk))
                    if list(chunk.columns) != columns or rows.stop > begin + scan.rows:
                        raise _NotLeanError
                    _store_chunk(chunk, numbers, rows, text, repeats)
                    end = rows.stop
    except _LEAN_ERRORS:
        return None
    if columns is None or end != begin + scan.rows:
        return None
    numbers.line[begin:end] = np.arange(2, 2 + scan.rows, dtype=np.int64)
    numbers.used = end
    return _Lean(scan.path, slice(begin, end), columns, text)


@dataclass
class _Repeats:
    """Per file: the shared Arrow blocks of the text values that fill a whole chunk."""

    size: int
    blocks: dict[str, pa.Array] = field(default_factory=dict)


def _store_chunk(
    chunk: pd.DataFrame,
    numbers: _Numbers,
    rows: slice,
    text: dict[str, list[pa.Array]],
    repeats: _Repeats,
) -> None:
    """Check one parsed chunk as :func:`_check_rows` would (raise _NotLeanError on any problem) and
    store it: numbers into ``numbers[rows]``, text columns as Arrow arrays."""
    values = {}
    for name in _NUMERIC:
        if chunk[name].dtype != np.float64:
            raise _NotLeanError
        values[name] = chunk[name].to_numpy()
    with np.errstate(invalid="ignore"):
        for name in (SEEN, LOSS):
            if not ((values[name] >= VALUE_RANGE[0]) & (values[name] <= VALUE_RANGE[1])).all():
                raise _NotLeanError
    if not np.isin(values[TRAINING], (0.0, 1.0)).all():
        raise _NotLeanError
    distinct = {}
    for name in text:
        if not isinstance(chunk[name].dtype, pd.StringDtype):
            raise _NotLeanError
        codes, distinct[name] = pd.factorize(chunk[name])
        if (codes < 0).any():
            raise _NotLeanError
        if name in KEY_COLUMNS and any(not str(value).strip() for value in distinct[name]):
            raise _NotLeanError
    numbers.seen[rows] = values[SEEN]
    numbers.loss[rows] = values[LOSS]
    numbers.training[rows] = values[TRAINING].astype(np.int64)
    for name, arrays in text.items():
        if len(distinct[name]) == 1:  # e.g. the Domain of a file of one domain
            value = str(distinct[name][0])
            arrays.extend(_repeated(value, len(chunk), repeats.size, repeats.blocks))
        else:
            arrays.extend(_arrow_chunks(chunk[name]))


def _arrow_chunks(column: pd.Series) -> list[pa.Array]:
    """The Arrow arrays holding a ``str`` column."""
    array = pa.array(column.array)
    return list(array.chunks) if isinstance(array, pa.ChunkedArray) else [array]


def _text_column(arrays: list[pa.Array]) -> pd.api.extensions.ExtensionArray:
    """A ``str`` column made of Arrow arrays, without copying them."""
    return pd.array(pa.chunked_array(arrays, type=pa.large_string()), dtype="str")


def _repeated(text: str, rows: int, size: int, blocks: dict[str, pa.Array]) -> list[pa.Array]:
    """``rows`` times ``text`` as slices of one Arrow array of ``size`` rows (kept in
    ``blocks``), so a column of one repeated value holds it only ``size`` times."""
    block = blocks.get(text)
    if block is None:
        block = blocks[text] = pa.array([text] * size, type=pa.large_string())
    whole, rest = divmod(rows, size)
    return [block] * whole + ([block.slice(0, rest)] if rest else [])


def _lean_frame(parts: list[_Lean], numbers: _Numbers, rows: slice) -> pd.DataFrame:
    """The table of ``parts`` (consecutive in ``numbers``, covering ``rows``), as
    :func:`_assemble` builds it: standard columns, extras as text, then _source and _row."""
    columns = parts[0].columns
    extras = [name for name in columns if name not in COLUMNS]
    out: dict[str, object] = {
        name: _text_column([a for part in parts for a in part.text[name]])
        for name in (*KEY_COLUMNS, *extras)
    }
    out[SEEN] = numbers.seen[rows]
    out[LOSS] = numbers.loss[rows]
    out[TRAINING] = numbers.training[rows]
    sources = []
    for part in parts:
        count = part.rows.stop - part.rows.start
        sources.extend(_repeated(part.path, count, min(count, _CHUNK_ROWS), {}))
    out[SOURCE] = _text_column(sources)
    out[ROW] = numbers.line[rows]
    order = [*COLUMNS, *extras, SOURCE, ROW]
    return pd.DataFrame({name: out[name] for name in order}, copy=False)


# --------------------------------------------------------------------------------------------
# Per-row checks
# --------------------------------------------------------------------------------------------


# Sizes and losses are fitted through their logs and powers: values beyond this range (e.g. a
# subnormal loss of 1e-320, whose log has lost its precision) are refused at ingest.
VALUE_RANGE = (1e-300, 1e300)


def _numbers(column: pd.Series) -> np.ndarray:
    """The column as float64; text that is not a number becomes NaN."""
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64)
    numbers = pd.to_numeric(column, errors="coerce")
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _check_rows(
    frame: pd.DataFrame, values: dict[str, np.ndarray], lines: np.ndarray, source: _Source
) -> None:
    """Raise for the earliest bad cell (file order, then column order), counting the others."""
    checks = [(name, _empty_cells(frame[name])) for name in KEY_COLUMNS]
    with np.errstate(invalid="ignore"):
        checks += [
            (name, ~((values[name] >= VALUE_RANGE[0]) & (values[name] <= VALUE_RANGE[1])))
            for name in (SEEN, LOSS)
        ]
    checks.append((TRAINING, ~np.isin(values[TRAINING], (0.0, 1.0))))
    found = [(int(np.argmax(bad)), k) for k, (_, bad) in enumerate(checks) if bad.any()]
    if not found:
        return
    first, k = min(found)
    name, bad = checks[k]
    line = int(lines[first])
    message = _reason(source, name, line, values[name][first] if name in values else np.nan)
    more = int(bad.sum()) - 1
    if more:
        message += f"; {more} more row{'s' if more > 1 else ''} with the same problem"
    curve = None if name in KEY_COLUMNS else _label(frame, first)
    raise source.error(message, row=line, column=name, curve=curve)


def _reason(source: _Source, name: str, line: int, value: float) -> str:
    """Why the cell of column ``name`` at file line ``line`` is bad."""
    if name in KEY_COLUMNS:
        return "must not be empty"
    text = source.cell(name, line)
    if name == TRAINING:
        return f"must be 0 (extrapolation point) or 1 (fit point); got {text!r}"
    if not text.strip():
        why = "empty"
    elif np.isnan(value):
        why = "not a number"
    elif not np.isfinite(value):
        why = "infinite"
    elif value <= 0:
        why = "zero" if value == 0 else "negative"
    else:
        return (
            f"must lie in [{VALUE_RANGE[0]:g}, {VALUE_RANGE[1]:g}], where logs and powers stay "
            f"exact in floating point; got {text!r}"
        )
    return f"must be a positive finite number; got {text!r} ({why})"


def _label(frame: pd.DataFrame, i: int) -> str:
    return CurveKey(*(str(frame[name].iloc[i]) for name in KEY_COLUMNS)).label


def _assemble(
    frame: pd.DataFrame, values: dict[str, np.ndarray], lines: np.ndarray, source: _Source
) -> pd.DataFrame:
    """The validated table: typed standard columns, extras as text, then _source and _row."""
    extras = [name for name in frame.columns if name not in COLUMNS]
    out = {name: frame[name].astype("str") for name in (*KEY_COLUMNS, *extras)}
    out[SEEN] = pd.Series(values[SEEN])
    out[LOSS] = pd.Series(values[LOSS])
    out[TRAINING] = pd.Series(values[TRAINING].astype(np.int64))
    out[SOURCE] = pd.Series([source.path] * len(frame), dtype="str")
    out[ROW] = pd.Series(lines, dtype=np.int64)
    return pd.DataFrame(out)[[*COLUMNS, *extras, SOURCE, ROW]]


# --------------------------------------------------------------------------------------------
# Cross-row checks and splitting into curves
# --------------------------------------------------------------------------------------------


def _check_conflicts(table: pd.DataFrame, codes: np.ndarray) -> None:
    """Same curve and x with a different Loss or Training is an error; exact repeats are not."""
    if _may_conflict(table, codes):
        _check_conflicts_exact(table, codes)


def _may_conflict(table: pd.DataFrame, codes: np.ndarray) -> bool:
    """False when no curve has the same x twice with a different Loss or Training.

    A lean screen (no per-row hashing): the rows ordered by (curve, x), neighbours compared
    block by block (each block sorted alone when the rows of a curve are together). It may
    answer True without a conflict (e.g. a NaN Loss, which never equals itself);
    :func:`_check_conflicts_exact` then decides. It never misses one: it screens only when x
    has no NaN (so equal x are neighbours and ``==`` groups them as pandas does).
    """
    n = len(table)
    if n < 2:
        return False
    training = table[TRAINING]
    if training.dtype.kind not in "biuf" or table[SEEN].dtype.kind not in "biuf":
        return True
    try:
        x = table[SEEN].to_numpy(dtype=np.float64)
        y = table[LOSS].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        return True
    t = training.to_numpy()
    if np.isnan(x).any():
        return True
    if bool((codes[1:] >= codes[:-1]).all()):
        # Rows of a curve are together: sort block by block, each block whole curves.
        start = 0
        while start < n:
            stop = min(start + _BLOCK_ROWS, n)
            if stop < n:
                stop = int(np.searchsorted(codes, codes[stop], side="left"))
                if stop <= start:
                    stop = int(np.searchsorted(codes, codes[start], side="right"))
            rows = slice(start, stop)
            order = np.lexsort((x[rows], codes[rows]))
            if _neighbours_clash(*(a[rows][order] for a in (codes, x, y, t))):
                return True
            start = stop
        return False
    order = np.lexsort((x, codes))
    for start in range(0, n - 1, _BLOCK_ROWS):
        pick = order[start : start + _BLOCK_ROWS + 1]
        if _neighbours_clash(codes[pick], x[pick], y[pick], t[pick]):
            return True
    return False


def _neighbours_clash(c: np.ndarray, x: np.ndarray, y: np.ndarray, t: np.ndarray) -> bool:
    """Whether two neighbouring rows have the same curve and x but not the same y and t."""
    same = (c[1:] == c[:-1]) & (x[1:] == x[:-1])
    return bool((same & ((y[1:] != y[:-1]) | (t[1:] != t[:-1]))).any())


def _check_conflicts_exact(table: pd.DataFrame, codes: np.ndarray) -> None:
    """:func:`_check_conflicts` by hashing every row: finds the conflict to report."""
    points = pd.DataFrame(
        {
            "curve": codes,
            "x": table[SEEN].to_numpy(dtype=np.float64),
            "y": table[LOSS].to_numpy(dtype=np.float64),
            "t": table[TRAINING].to_numpy(),
        }
    )
    distinct = points.drop_duplicates()
    clash = distinct.duplicated(subset=["curve", "x"], keep=False).to_numpy()
    if not clash.any():
        return
    clashing = distinct.loc[clash]
    same = (clashing["curve"] == clashing["curve"].iloc[0]) & (
        clashing["x"] == clashing["x"].iloc[0]
    )
    first, other = (table.iloc[i] for i in clashing.index[same.to_numpy()][:2])
    column = LOSS if first[LOSS] != other[LOSS] else TRAINING
    key = CurveKey(str(first[DOMAIN]), str(first[TASK]), str(first[MODEL]))
    raise InputError(
        f"{SEEN} = {float(first[SEEN])!r} appears more than once with a different {column}: "
        f"{_point(first)} at {_where(first)} and {_point(other)} at {_where(other)}",
        path=_source_of(first),
        row=_row_of(first),
        column=column,
        curve=key.label,
    )


def _point(row: pd.Series) -> str:
    return f"Loss={float(row[LOSS])!r}, Training={int(row[TRAINING])}"


def _where(row: pd.Series) -> str:
    """``"file.csv row 7"`` (or the table position when the row has no source)."""
    path, line = _source_of(row), _row_of(row)
    if line is None:
        return f"table row {row.name}"
    return f"{path} row {line}" if path is not None else f"row {line}"


def _source_of(row: pd.Series) -> str | None:
    value = row.get(SOURCE)
    return None if value is None or pd.isna(value) else str(value)


def _row_of(row: pd.Series) -> int | None:
    value = row.get(ROW)
    return None if value is None or pd.isna(value) else int(value)


def _concat(paths: Iterable[PathArg]) -> pd.DataFrame:
    """read_table over ``paths`` (a single path is accepted too), concatenated, unchecked.

    Each file is read the lean way (:func:`_read_lean`) when it can be, else the detailed way
    (:func:`_read_table_detailed`, which also raises the file's error). Both give the same
    table; the lean way holds neither the file's text nor a Python object per cell.
    """
    if isinstance(paths, str | PathLike):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise InputError("no input files given")
    scans = [_scan(path) for path in paths]
    numbers = _Numbers(sum(scan.rows for scan in scans if scan is not None))
    parts: list[_Lean | pd.DataFrame] = []
    for path, scan in zip(paths, scans, strict=True):
        part = None if scan is None else _read_lean(scan, numbers)
        parts.append(_read_table_detailed(path) if part is None else part)
    _release_arrow_memory()
    lean = [part for part in parts if isinstance(part, _Lean)]
    if len(lean) == len(parts) and len({tuple(part.columns) for part in lean}) == 1:
        return _lean_frame(lean, numbers, slice(0, numbers.used))
    tables = [
        _lean_frame([part], numbers, part.rows) if isinstance(part, _Lean) else part
        for part in parts
    ]
    return pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]


def _curve_codes(table: pd.DataFrame) -> tuple[np.ndarray, list[CurveKey]]:
    """Each row's curve number and the curves' keys, numbered in order of first appearance."""
    lean = all(_plain_text(table[name]) for name in KEY_COLUMNS)
    combined = np.zeros(len(table), dtype=np.int64)
    for name in KEY_COLUMNS:
        # Text without missing values is grouped the same way as Python strings would be.
        column = table[name] if lean else table[name].to_numpy(dtype=object)
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        combined *= max(len(uniques), 1)
        combined += codes
        del codes
        _release_arrow_memory()
    codes, _ = pd.factorize(combined)
    del combined
    codes = codes.astype(np.int64, copy=False)
    if not lean:
        first = np.unique(codes, return_index=True)[1]
        keys = [
            CurveKey(*(str(table[name].iat[i]) for name in KEY_COLUMNS)) for i in first.tolist()
        ]
        return codes, keys
    # Codes count up in order of first appearance: a curve starts where the running maximum grows.
    first = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)
    texts = [table[name].array.take(first).to_numpy(dtype=object) for name in KEY_COLUMNS]
    _release_arrow_memory()
    return codes, [CurveKey(*map(str, key)) for key in zip(*texts, strict=True)]


def _release_arrow_memory() -> None:
    """Hand memory Arrow freed (e.g. after a big dictionary encoding) back to the system."""
    pa.default_memory_pool().release_unused()


def _plain_text(column: pd.Series) -> bool:
    """Whether ``column`` is pandas text (the ``str`` dtype) without a missing value."""
    return isinstance(column.dtype, pd.StringDtype) and not column.isna().any()


def _split_curves(
    table: pd.DataFrame, codes: np.ndarray, keys: list[CurveKey], ranks: np.ndarray
) -> list[Curve]:
    """One curve per code, sorted by key (``ranks``: :func:`_key_ranks` of ``keys``)."""
    if not keys:
        return []
    grouped = len(codes) < 2 or bool((codes[1:] >= codes[:-1]).all())
    order = slice(None) if grouped else np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(keys)))[:-1]
    x = np.split(table[SEEN].to_numpy(dtype=np.float64)[order], bounds)
    y = np.split(table[LOSS].to_numpy(dtype=np.float64)[order], bounds)
    fit = np.split(table[TRAINING].to_numpy()[order] == 1, bounds)
    curves = [_make_curve(*parts) for parts in zip(keys, x, y, fit, strict=True)]
    return [curves[i] for i in np.argsort(ranks)]


def _key_ranks(keys: list[CurveKey]) -> np.ndarray:
    """Each key's position in the sorted order of ``keys`` (all distinct)."""
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    return ranks


def _make_curve(key: CurveKey, x: np.ndarray, y: np.ndarray, fit: np.ndarray) -> Curve:
    """Fit points: unique x ascending (first row wins); test points: every row, stable by x."""
    x_fit, first = np.unique(x[fit], return_index=True)
    order = np.argsort(x[~fit], kind="stable")
    return Curve(key, x_fit, y[fit][first], x[~fit][order], y[~fit][order])


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in names)
