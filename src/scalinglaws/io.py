"""Atomic output files: a reader sees the old file or the complete new one, never a part.

Each writer writes a temporary file in the target's directory, flushes and fsyncs it, then
renames it over the target with :func:`os.replace`. If anything fails before the rename, the
temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

StrPath = str | os.PathLike[str]

_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def write_bytes_atomic(path: StrPath, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating parent directories."""
    with atomic_path(path) as temp:
        temp.write_bytes(data)


@contextlib.contextmanager
def atomic_path(path: StrPath) -> Iterator[Path]:
    """A temporary path next to ``path`` to write to; renamed over ``path`` when the block
    ends without error, removed otherwise (for writers that stream to a file name)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = _create_temp(target)
    os.close(fd)
    try:
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(target.parent)


def write_parquet_atomic(df: pd.DataFrame, path: StrPath) -> None:
    """Write ``df`` as a deterministic Parquet file (no index, zstd) atomically; column types
    are kept, so numbers read back bit-identical."""
    write_parquet_parts([df], path)


def write_parquet_parts(parts: Iterable[pd.DataFrame], path: StrPath) -> int:
    """Stream frames of one schema into one Parquet file (a row group per frame) atomically,
    holding one frame at a time; returns the number of rows. The schema is the first
    frame's (an empty file keeps the columns of an empty first frame)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, writer = 0, None
    with atomic_path(path) as temp:
        try:
            for frame in parts:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(temp, table.schema, compression="zstd")
                writer.write_table(table.cast(writer.schema))
                rows += len(frame)
            if writer is None:
                raise ValueError(f"{path}: no frame to write")
        finally:
            if writer is not None:
                writer.close()
    return rows


def write_text_atomic(path: StrPath, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically; line endings are written as given."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_csv_atomic(df: pd.DataFrame, path: StrPath) -> None:
    """Write ``df`` as a deterministic CSV atomically.

    No index, ``\\n`` line endings, missing values as empty fields. Floats use pandas' default
    shortest round-trip (repr) formatting, so float64 columns read back bit-identical. Written
    in chunks to the file (the text of a large table is never held whole).
    """
    write_csv_parts_atomic([df], path)


def write_csv_parts_atomic(parts: Iterable[pd.DataFrame], path: StrPath) -> int:
    """Write the concatenation of ``parts`` (same columns and types; at least one part) as
    :func:`write_csv_atomic` would, one part at a time; return the row count."""
    rows = 0
    with atomic_path(path) as temp, open(temp, "w", encoding="utf-8", newline="") as handle:
        for i, part in enumerate(parts):
            part.to_csv(handle, index=False, header=i == 0, lineterminator="\n", na_rep="")
            rows += len(part)
        if handle.tell() == 0:
            raise ValueError(f"{path}: no part to write (not even an empty one with its header)")
    return rows


def _create_temp(target: Path) -> tuple[int, Path]:
    """Create a new hidden file next to ``target``; mode 0o666 minus the umask, as open() does."""
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temp, _CREATE_FLAGS, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {target}")


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable where the platform allows fsync on a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
