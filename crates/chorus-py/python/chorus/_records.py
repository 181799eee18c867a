"""Records from what Python users hold: a list of dicts, a pandas or polars DataFrame, a
pyarrow Table or RecordBatch, or any object with the Arrow PyCapsule stream interface
(``__arrow_c_stream__``). Each becomes one JSON object per line with the CLI's field names
(``id``, ``text``, ``source``, ``date``, ``url``, ``title``; other columns passed through),
which the native module reads with the CLI's JSON Lines reader: the same records make the
same documents, ids and problems as ``chorus find`` reading them from a file.

From Arrow data (pyarrow, polars, pandas), the texts do not cross as JSON: each record's
JSON holds a one-character stand-in, and the native module reads the texts from the Arrow
string array itself (``arrow_records``), through the Arrow C data interface. Null texts,
and texts too long for a JSON Lines record of the reader, stay in the JSON, so the reader
judges them as before."""

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


# a text longer than this (in UTF-8 bytes) stays in the JSON: escaped, it might pass the
# reader's record limit (64 MiB; an escape is at most 6 bytes), and the reader must judge it
_MAX_ARROW_TEXT = (64 << 20) // 6
_STAND_IN = "."
# off: every text crosses as JSON too (for comparisons and benchmarks)
ARROW = True


def arrow_table(data: Any) -> Any:
    """``data`` as a pyarrow Table when it is Arrow data (pandas, polars, pyarrow, the
    Arrow PyCapsule interface), else None."""
    if isinstance(data, (Mapping, str, bytes)):
        return None
    module = type(data).__module__.split(".")[0]
    try:
        import pyarrow as pa
    except ImportError:
        return None
    if module == "pandas" and hasattr(data, "columns"):
        return pa.Table.from_pandas(data, preserve_index=False)
    if module == "polars" and hasattr(data, "to_arrow"):
        return data.to_arrow()
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return pa.table(data)
    return None


def arrow_records(table: Any, rename: dict) -> Optional[tuple]:
    """``(jsonl, text capsules, from_arrow mask)`` for a pyarrow ``table``: the JSON Lines
    of ``to_jsonl`` with a stand-in for every text the native module reads from the text
    column's Arrow array instead (mask byte 1); None when the table has no string text
    column (then ``to_jsonl`` it is)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    taken = set(rename.values())
    names = [c for c in table.column_names if rename.get(c) == "text"]
    if not names and "text" in table.column_names and "text" not in taken:
        names = ["text"]
    if not names or table.num_rows == 0:
        return None
    name = names[0]
    col = table.column(name)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        pass
    elif getattr(pa.types, "is_string_view", lambda t: False)(col.type):
        col = col.cast(pa.large_string())
    else:
        return None
    if pa.types.is_string(col.type) and sum(c.nbytes for c in col.chunks) >= (1 << 31) - 1:
        col = col.cast(pa.large_string())
    texts = col.combine_chunks()
    mask = pc.and_kleene(pc.is_valid(texts), pc.less_equal(pc.binary_length(texts), _MAX_ARROW_TEXT))
    mask = pc.fill_null(mask, False)
    stand_in = pc.if_else(mask, pa.scalar(_STAND_IN, texts.type), texts)
    index = table.column_names.index(name)
    rows_ = table.set_column(index, name, stand_in).to_pylist()
    lines = []
    for i, row in enumerate(rows_):
        try:
            lines.append(record_line(row, rename))
        except ValueError as e:
            raise ValueError(f"records:{i + 1}: {e}") from None
    jsonl = ("\n".join(lines) + "\n").encode("utf-8")
    from_arrow = mask.to_numpy(zero_copy_only=False).astype(np.uint8).tobytes()
    return jsonl, texts.__arrow_c_array__(), from_arrow


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
