"""Records from what Python users hold: a list of dicts, a pandas or polars DataFrame, a
pyarrow Table or RecordBatch, or any object with the Arrow PyCapsule stream interface
(``__arrow_c_stream__``). Each becomes one JSON object per line with the CLI's field names
(``id``, ``text``, ``source``, ``date``, ``url``, ``title``; other columns passed through),
which the native module reads with the CLI's JSON Lines reader: the same records make the
same documents, ids and problems as ``chorus find`` reading them from a file."""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Mapping
from typing import Any, Iterable, Optional

FIELDS = ("id", "text", "source", "date", "url", "title")


def _default(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas.Timestamp, numpy datetime64 wrappers
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


def _clean(value: Any) -> Any:
    # a missing value in a DataFrame (NaN) is null, as in JSON Lines written by pandas
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def rows(data: Any) -> list:
    """The records of ``data`` as a list of mappings (see the module documentation)."""
    if isinstance(data, Mapping):
        raise TypeError(
            "chorus takes a collection of records (a list of dicts, a DataFrame, an Arrow "
            "table), not one dict"
        )
    if isinstance(data, (str, bytes)):
        raise TypeError("chorus takes records, not a string: wrap a text as [{'id': ..., 'text': ...}]")
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        import pyarrow as pa

        if not hasattr(data, "columns"):
            raise TypeError("a pandas Series is one column: pass a DataFrame of records")
        return pa.Table.from_pandas(data, preserve_index=False).to_pylist()
    if module == "polars":
        return data.to_arrow().to_pylist()
    if module == "pyarrow" and hasattr(data, "to_pylist"):
        return data.to_pylist()
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        import pyarrow as pa

        return pa.table(data).to_pylist()
    if isinstance(data, Iterable):
        out = list(data)
        for i, r in enumerate(out):
            if not isinstance(r, Mapping):
                raise TypeError(
                    f"record {i + 1} is {type(r).__name__!s}, not a dict of fields "
                    "(id, text, source, date, url, title, ...)"
                )
        return out
    raise TypeError(
        f"chorus cannot read records from {type(data).__name__}: give a list of dicts, a "
        "pandas or polars DataFrame, or a pyarrow Table"
    )


def renames(
    id: Optional[str] = None,
    text: Optional[str] = None,
    source: Optional[str] = None,
    date: Optional[str] = None,
    url: Optional[str] = None,
    title: Optional[str] = None,
) -> dict:
    """Column name -> CLI field name, for the columns named otherwise."""
    given = dict(id=id, text=text, source=source, date=date, url=url, title=title)
    out = {}
    for field, column in given.items():
        if column is None or column == field:
            continue
        if not isinstance(column, str):
            raise TypeError(f"`{field}=` names a column: a string, not {type(column).__name__}")
        out[column] = field
    return out


def record_line(row: Mapping, rename: dict) -> str:
    """One record as a JSON object on one line, columns renamed to the CLI's fields (a
    column already named like a renamed field gives way to it). A missing value (null,
    NaN) is a field the record does not have: a table cannot tell the two apart."""
    taken = set(rename.values())
    rec = {}
    for k, v in row.items():
        v = _clean(v)
        if v is None:
            continue
        k = str(k)
        if k in rename:
            rec[rename[k]] = v
        elif k not in taken:
            rec[k] = v
    return json.dumps(rec, ensure_ascii=False, default=_default, allow_nan=False)


def to_jsonl(data: Any, rename: dict) -> bytes:
    """The records of ``data`` as JSON Lines text (UTF-8), one line per record in order, so
    that a problem's line number is the record's 1-based position."""
    lines = []
    for i, row in enumerate(rows(data)):
        try:
            lines.append(record_line(row, rename))
        except ValueError as e:  # NaN or infinity inside a nested value
            raise ValueError(f"records:{i + 1}: {e}") from None
    if not lines:
        return b""
    return ("\n".join(lines) + "\n").encode("utf-8")
