"""chorus: find the passages documents share, verbatim or nearly so, with exact byte offsets
into each original text, from Python.

>>> import chorus
>>> report = chorus.find(records)            # list of dicts, pandas, polars or pyarrow
>>> report.to_pandas()                       # one row per cluster member
>>> report.to_jsonl() == open("cli.jsonl").read()   # what `chorus find --json` writes

Records have the CLI's JSON Lines fields (``id``, ``text``, ``source``, ``date``, ``url``,
``title``; other columns are passed through); ``id=``, ``text=``, ... name other columns.
Settings are the CLI's flags with ``_`` for ``-`` (``min_words=8``, ``window="6h"``). A bad
record is skipped with a ``ChorusWarning`` naming it (``records:<row>: ...``, as the CLI
names a file's line), or raises ``ChorusError`` with ``errors="raise"``; bad settings raise
``ChorusError``. ``chorus.spark`` runs ``find`` on a Spark cluster.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

from . import _chorus, _records
from ._chorus import ChorusError
from ._records import renames, to_jsonl
from ._report import DedupResult, Report

__version__ = _chorus.__version__
__all__ = ["find", "dedup", "Index", "Report", "DedupResult", "ChorusError", "ChorusWarning"]


class ChorusWarning(UserWarning):
    """An input record chorus skipped (the message names it, as the CLI does)."""


def _problems(problems: list, errors: str) -> None:
    if errors not in ("warn", "raise", "ignore"):
        raise ValueError(f"errors= is 'warn', 'raise' or 'ignore', not {errors!r}")
    if problems and errors == "raise":
        raise ChorusError(problems[0])
    if errors == "warn":
        for p in problems:
            warnings.warn(p, ChorusWarning, stacklevel=3)


def _jsonl(data, id, text, source, date, url, title) -> tuple:
    """The records as ``(JSON Lines, texts)``: ``texts`` the keyword arguments that hand
    the native module the texts of Arrow data straight from their Arrow array (empty for
    other data, or with ``_records.ARROW`` off)."""
    rename = renames(id, text, source, date, url, title)
    table = _records.arrow_table(data) if _records.ARROW else None
    if table is not None:
        got = _records.arrow_records(table, rename)
        if got is not None:
            jsonl, capsules, from_arrow = got
            return jsonl, {"texts": capsules, "from_arrow": from_arrow}
        return to_jsonl(table, rename), {}
    return to_jsonl(data, rename), {}


def find(
    data: Any,
    *,
    id: Optional[str] = None,
    text: Optional[str] = None,
    source: Optional[str] = None,
    date: Optional[str] = None,
    url: Optional[str] = None,
    title: Optional[str] = None,
    errors: str = "warn",
    **settings: Any,
) -> Report:
    """Finds the passages the records of ``data`` share (``chorus find``).

    ``data``: a list of dicts, a pandas or polars DataFrame, a pyarrow Table, or any Arrow
    stream. ``id=`` ... ``title=`` name the columns holding those fields when they are named
    otherwise. ``errors``: what a bad record does ("warn": skipped with a ChorusWarning,
    the default; "raise": ChorusError; "ignore"). ``settings``: the CLI's flags, e.g.
    ``min_words=8``, ``max_df=50``, ``window="6h"``, ``boilerplate=True``,
    ``formulas=True``; ``paraphrase=True`` also finds reworded passages (each member and
    pair then has ``match``: ``exact`` or ``reworded``), ``lang="id"`` sets the language of
    every text for it (default: each record's ``lang``/``language`` field, else detected).
    Returns a ``Report``."""
    jsonl, texts = _jsonl(data, id, text, source, date, url, title)
    out, texts, problems, _ = _chorus.find(jsonl, **texts, **settings)
    _problems(problems, errors)
    return Report(out, texts, problems)


def dedup(
    data: Any,
    *,
    id: Optional[str] = None,
    text: Optional[str] = None,
    source: Optional[str] = None,
    date: Optional[str] = None,
    url: Optional[str] = None,
    title: Optional[str] = None,
    errors: str = "warn",
    **settings: Any,
) -> DedupResult:
    """Groups near-duplicate records and keeps one per group (``chorus dedup``).

    Takes what ``find`` takes, and ``threshold=``, ``slack=``, ``min_dup_similarity=``,
    ``containment=`` (default True: a record inside a longer one joins its group),
    ``keep=`` ("earliest", "longest" or "first"). Returns a
    ``DedupResult`` with each document's group id and a keep mask."""
    jsonl, texts = _jsonl(data, id, text, source, date, url, title)
    out, ids, groups, keep, problems = _chorus.dedup(jsonl, **texts, **settings)
    _problems(problems, errors)
    return DedupResult(out, ids, groups, keep, problems)


class Index:
    """A persistent chorus index (a folder, as ``chorus index`` makes): add records once,
    query texts against them in milliseconds."""

    def __init__(self, path: Any, ngram: Optional[int] = None):
        import os

        self.path = os.fspath(path)
        self._index = _chorus.Index(self.path, ngram)

    def add(
        self,
        data: Any,
        *,
        id: Optional[str] = None,
        text: Optional[str] = None,
        source: Optional[str] = None,
        date: Optional[str] = None,
        url: Optional[str] = None,
        title: Optional[str] = None,
        errors: str = "warn",
    ) -> dict:
        """Stores the records of ``data`` (a record with an id already stored replaces
        it); returns ``{"added": n, "replaced": m}``."""
        jsonl, texts = _jsonl(data, id, text, source, date, url, title)
        added, replaced, problems = self._index.add(jsonl, **texts)
        _problems(problems, errors)
        return {"added": added, "replaced": replaced}

    def query(
        self,
        text: str,
        limit: Optional[int] = None,
        *,
        paraphrase: bool = False,
        lang: Optional[str] = None,
        scan: bool = False,
    ) -> list:
        """The stored documents sharing passages with ``text``, best first: the records of
        ``chorus query --json`` (``id``, ``score``, ``passages``, ...). ``paraphrase=True``
        also finds reworded passages in the documents sharing at least one word n-gram
        with the text (``chorus query --paraphrase``: each match and passage then has
        ``match``, ``exact`` or ``reworded``); ``lang`` sets the language of every text
        for it; ``scan=True`` also reads every stored text for documents sharing the text's
        rare words (``--scan``: finds rewordings keeping no n-gram, at a pass over the
        index)."""
        import json

        if not isinstance(text, str):
            raise TypeError(f"query takes a text (str), not {type(text).__name__}")
        return [json.loads(m) for m in self._index.query(text, limit, bool(paraphrase), lang, bool(scan))]

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"chorus.Index({self.path!r})"
