"""The result of ``chorus.find`` (and ``chorus.spark.find``): the CLI's ``find --json``
records, parsed, with the flat views notebook users want. The report is held as the very
text the engine wrote, so ``Report.to_jsonl()`` is the CLI's output byte for byte."""

from __future__ import annotations

import html
import json
from typing import Any, Dict, List, Optional

MEMBER_COLUMNS = (
    "cluster",
    "doc",
    "source",
    "date",
    "begin",
    "end",
    "text",
    "quoted",
    "attribution",
    "credit",
    "reuse",
)


def _kind(records: list, kind: str) -> list:
    out = []
    for r in records:
        if r.get("kind") == kind:
            r = dict(r)
            del r["kind"]
            out.append(r)
    return out


class Report:
    """What documents share: clusters of one passage each, the aligned pairs behind them
    and the documents involved.

    Attributes are lists of dicts with the fields of the CLI's JSON Lines records:
    ``documents``, ``clusters``, ``pairs``, ``formulas`` and ``boilerplate`` (the last two
    when asked for), and ``stats`` (the summary). ``members`` is one flat row per cluster
    member (``cluster, doc, source, date, begin, end, text, quoted, attribution, credit,
    reuse``, and with ``paraphrase=True`` ``match``: ``exact`` or ``reworded``),
    ``begin``/``end`` byte offsets into the document's UTF-8 text and ``text`` the
    shared passage as that member prints it. ``problems`` lists the input records skipped,
    as the CLI reports them."""

    def __init__(self, jsonl: str, texts: Dict[str, str], problems: Optional[List[str]] = None):
        self._jsonl = jsonl
        self._texts = texts
        self.problems: List[str] = list(problems or [])
        records = [json.loads(line) for line in jsonl.splitlines() if line]
        self.documents: List[dict] = _kind(records, "document")
        self.clusters: List[dict] = _kind(records, "cluster")
        self.pairs: List[dict] = _kind(records, "pair")
        self.formulas: List[dict] = _kind(records, "formula")
        self.boilerplate: List[dict] = _kind(records, "boilerplate")
        summary = _kind(records, "summary")
        self.stats: dict = summary[0] if summary else {}
        self._members: Optional[List[dict]] = None

    def to_jsonl(self) -> str:
        """The report as ``chorus find --json`` writes it (one JSON record per line)."""
        return self._jsonl

    def passage(self, doc: str, begin: int, end: int) -> str:
        """The text of document ``doc`` between byte offsets ``begin`` and ``end``."""
        return self._texts[doc].encode("utf-8")[begin:end].decode("utf-8")

    @property
    def members(self) -> List[dict]:
        """One row per cluster member (see the class documentation)."""
        if self._members is None:
            rows = []
            for c in self.clusters:
                for m in c["members"]:
                    rows.append(
                        {
                            "cluster": c["id"],
                            "doc": m["doc"],
                            "source": m.get("source"),
                            "date": m.get("date"),
                            "begin": m["begin"],
                            "end": m["end"],
                            "text": self.passage(m["doc"], m["begin"], m["end"]),
                            "quoted": m.get("quoted"),
                            "attribution": m.get("attribution"),
                            "credit": m.get("credit"),
                            "reuse": m.get("reuse"),
                        }
                    )
                    if "match" in m:
                        rows[-1]["match"] = m["match"]
            self._members = rows
        return self._members

    def _member_columns(self) -> List[str]:
        """The columns of ``members``: with ``paraphrase=True``, ``match`` last."""
        cols = list(MEMBER_COLUMNS)
        if any("match" in r for r in self.members):
            cols.append("match")
        return cols

    def to_pandas(self, table: str = "members") -> Any:
        """A pandas DataFrame of ``members`` (the default), ``clusters``, ``pairs`` or
        ``documents``."""
        import pandas as pd

        rows = self._table(table)
        if table == "members":
            return pd.DataFrame(rows, columns=self._member_columns())
        return pd.DataFrame(rows)

    def to_polars(self, table: str = "members") -> Any:
        """A polars DataFrame of ``members`` (the default), ``clusters``, ``pairs`` or
        ``documents``."""
        import polars as pl

        rows = self._table(table)
        if table == "members" and not rows:
            return pl.DataFrame({c: [] for c in MEMBER_COLUMNS})
        return pl.DataFrame(rows)

    def _table(self, table: str) -> List[dict]:
        if table == "members":
            return self.members
        if table == "pairs":
            rows = []
            for p in self.pairs:
                rows.append(
                    {
                        "cluster": p["cluster"],
                        "a": p["a"]["doc"],
                        "a_begin": p["a"]["begin"],
                        "a_end": p["a"]["end"],
                        "b": p["b"]["doc"],
                        "b_begin": p["b"]["begin"],
                        "b_end": p["b"]["end"],
                        "score": p["score"],
                    }
                )
                if "match" in p:
                    rows[-1]["match"] = p["match"]
            return rows
        if table in ("clusters", "documents"):
            return getattr(self, table)
        raise ValueError(f"no table `{table}` (members, clusters, pairs or documents)")

    def __len__(self) -> int:
        return len(self.clusters)

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"<chorus.Report: {len(self.clusters)} clusters, {len(self.pairs)} pairs, "
            f"{len(self.documents)} of {s.get('documents', 0)} documents share passages>"
        )

    def _repr_html_(self, max_clusters: int = 20) -> str:
        e = html.escape
        out = [
            f"<div><b>chorus</b>: {len(self.clusters)} clusters of shared passages in "
            f"{len(self.documents)} of {self.stats.get('documents', 0)} documents</div>"
        ]
        for c in self.clusters[:max_clusters]:
            flag = " · coordinated" if c.get("coordinated") else ""
            out.append(
                f"<details><summary><b>Cluster {c['id']}</b> · {len(c['members'])} "
                f"members{flag}: <i>{e(c['text'][:160])}</i></summary><table>"
                "<tr><th>doc</th><th>source</th><th>date</th><th>reuse</th><th>passage</th></tr>"
            )
            for m in c["members"]:
                out.append(
                    f"<tr><td>{e(m['doc'])}</td><td>{e(str(m.get('source') or ''))}</td>"
                    f"<td>{e(str(m.get('date') or ''))}</td><td>{e(str(m.get('reuse')))}</td>"
                    f"<td>{e(self.passage(m['doc'], m['begin'], m['end'])[:300])}</td></tr>"
                )
            out.append("</table></details>")
        if len(self.clusters) > max_clusters:
            out.append(f"<div>… {len(self.clusters) - max_clusters} more clusters</div>")
        return "\n".join(out)


class DedupResult:
    """Near-duplicate groups: for each document read (``ids``, in input order), its
    ``groups`` number (0: in no group) and whether it is kept (``keep``); ``clusters`` and
    ``pairs`` are the CLI's ``dup_cluster`` and ``dup_pair`` records, ``stats`` its
    summary. When no record was skipped (``problems`` empty), ``keep`` lines up with the
    input rows: ``df[result.keep]`` is the de-duplicated frame."""

    def __init__(self, jsonl, ids, groups, keep, problems):
        self._jsonl = jsonl
        self.ids: List[str] = ids
        self.groups: List[int] = groups
        self.keep: List[bool] = keep
        self.problems: List[str] = problems
        records = [json.loads(line) for line in jsonl.splitlines() if line]
        self.clusters = _kind(records, "dup_cluster")
        self.pairs = _kind(records, "dup_pair")
        summary = _kind(records, "summary")
        self.stats: dict = summary[0] if summary else {}

    def to_jsonl(self) -> str:
        """The result as ``chorus dedup --json --pairs`` writes it."""
        return self._jsonl

    def to_pandas(self) -> Any:
        """A DataFrame with one row per document read: ``id``, ``group``, ``keep``."""
        import pandas as pd

        return pd.DataFrame({"id": self.ids, "group": self.groups, "keep": self.keep})

    def __repr__(self) -> str:
        dropped = len(self.keep) - sum(self.keep)
        return (
            f"<chorus.DedupResult: {len(self.clusters)} groups, {sum(self.keep)} kept, "
            f"{dropped} dropped>"
        )
