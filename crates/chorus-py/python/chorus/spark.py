"""chorus on Spark: ``chorus.spark.find(df)`` gives the ``Report`` ``chorus.find`` gives on
the same records, byte for byte, and ``chorus.spark.dedup(df)`` the ``DedupResult``
``chorus.dedup`` gives, with the work split by stage over the cluster.

Every decision is made in Rust (``chorus_core::stages``, through ``chorus._chorus``); Spark
only moves rows, and every group reaches Rust whole and sorted by a total key, so the
partitioning and the input order cannot change the result:

1. **read** (``mapInArrow``): each record becomes a document with the CLI's reader; its
   date's first second, token and posting counts come along. Records without an id, and
   later records with an id already seen (by input position), are skipped, as problems.
2. **numbering**: documents sorted by ``(undated, first second, id)`` and numbered from 0
   (``zipWithIndex``); ids are unique, so the order is total. The sources and URLs in that
   order are broadcast: every worker builds the same ``Sources`` table.
3. **fingerprints** (``mapInArrow``, texts read from the Arrow batch): postings, one binary
   row per task and fingerprint bucket (``shuffle="blobs"``, the default), or a
   ``(fingerprint, doc, pos)`` row each (``shuffle="rows"``).
4. **seed rules**: blobs are shuffled by a key Spark's hash partitioning sends to their
   bucket's partition; each task sorts all its postings by ``(fingerprint, doc, pos)`` in
   Rust and runs the seed rules per fingerprint, routing the seeds by document pair and the
   boilerplate occurrences by document into blobs again. (Rows: shuffled by fingerprint and
   sorted by Spark, each partition's runs of one fingerprint handed to Rust whole, a run cut
   by a batch boundary carried to the next batch.)
5. **candidates**: a second shuffle by key gives each task whole document pairs and whole
   documents, sorted in Rust into candidates and blocked ranges (collected and broadcast:
   they are few). (Rows: seeds shuffled by pair and sorted by ``(a, b, pos_a, pos_b)``,
   boilerplate occurrences by document.)
6. **alignment** (``mapInArrow``): candidates joined with both texts, aligned in Rust.
7. **recurrence** of the stock lines: on the driver, the n-grams of the short aligned
   passages (``chorus_core::stages::stock_line_ngrams``), broadcast; then
   (``mapInArrow``) which of them each document holds, with its date
   (``chorus_core::stages::ngrams_held``), collected: rows keyed by n-gram fingerprint,
   few, and none when no passage is a short line.
8. **report**, once on the driver: the alignments, the documents they involve, the
   recurrence rows and the run's exact counts go to ``chorus_core::stages::report``
   (the formula decision, clustering, quotation, coordination, propagation).

``dedup`` shares stages 1 to 5, then:

6. **pairs** (``mapInArrow``): candidates joined with both texts and token counts; each
   planned from its seeds in Rust (``chorus_core::stages::dedup_plan``: skipped, decided,
   or aligned) and aligned when the plan (or the formula decision) needs it.
7. **recurrence** of the stock lines, as for ``find``, from the passages of the aligned
   and decided pairs (``chorus_core::stages::dedup_stock_line_ngrams``).
8. **groups**, once on the driver: the aligned and decided pairs, the documents they
   involve, the recurrence rows, and every document's input position, length, token count and blocked ranges
   go to ``chorus_core::stages::dedup_report`` (the formula decision, the coverages, the
   union of near-duplicate pairs into groups, the member kept), the tail ``chorus dedup``
   runs. Groups are unions of pairs on the driver: exact, no GraphFrames, and the pairs
   are few (a Spark connected-components job that labels components per task merges
   unrelated groups unless iterated to convergence).

Requires pyarrow and numpy on the workers (PySpark's Arrow support needs them anyway).
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Optional

from . import _chorus, _records
from ._chorus import ChorusError
from ._report import DedupResult, Report

__all__ = ["find", "dedup"]

# Sources tables built on this worker, by the token of their broadcast
_SOURCES: dict = {}


def _sources(value) -> Any:
    token, sources, urls = value
    table = _SOURCES.get(token)
    if table is None:
        _SOURCES.clear()
        table = _SOURCES[token] = _chorus.Sources(sources, urls)
    return table


def _runs(batches, key_of, process):
    """Hands ``process`` the rows of ``batches`` (sorted by ``key_of``'s int64 key) in
    tables holding whole runs of one key: the last run of a batch is held back and joined
    to the next."""
    import numpy as np
    import pyarrow as pa

    carry = None
    for batch in batches:
        table = pa.Table.from_batches([batch])
        if carry is not None:
            table = pa.concat_tables([carry, table])
        table = table.combine_chunks()
        if table.num_rows == 0:
            carry = table
            continue
        keys = key_of(table)
        cut = int(np.searchsorted(keys, keys[-1], side="left"))
        if cut > 0:
            yield from process(table.slice(0, cut))
        carry = table.slice(cut)
    if carry is not None and carry.num_rows > 0:
        yield from process(carry.combine_chunks())


def _u32(column) -> bytes:
    import numpy as np

    return column.to_numpy(zero_copy_only=False).astype(np.uint32).tobytes()


_DEDUP_SETTINGS = ("threshold", "slack", "min_dup_similarity", "containment", "keep")


def _shared(df, rename, settings, parts, lap, dedup, shuffle):
    """Stages 1 to 5 of the module documentation, shared by ``find`` and ``dedup``: the
    numbered documents (persisted), the candidates (persisted), the blocked ranges, the
    broadcast sources, the run's counts, the problems, and with ``dedup`` every
    document's ``(num, pos, bytes, tokens)``."""
    import pyarrow as pa
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = df.sparkSession
    sc = spark.sparkContext
    keep = StorageLevel.MEMORY_AND_DISK

    # 1. read
    prep_schema = (
        "id string, text string, meta string, source string, url string, ts long, "
        "tokens long, postings long, bytes long, pos long, problem string"
    )

    def read(batches):
        from pyspark import TaskContext

        part = TaskContext.get().partitionId()
        row0 = 0
        for batch in batches:
            rows = batch.to_pylist()
            lines, at, problems = [], [], []
            for i, r in enumerate(rows):
                line = _records.record_line(r, rename)
                rid = r.get(next((c for c, f in rename.items() if f == "id"), "id"))
                if rid is None or rid == "":
                    problems.append(f"records[partition {part}]:{row0 + i + 1}: record has no `id`; skipped")
                    continue
                lines.append(line)
                at.append(row0 + i)
            jsonl = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
            out = _chorus.prepare(jsonl, **settings) if lines else ([],) * 9 + ([],)
            ids, texts, metas, srcs, urls, ts, tokens, postings, doc_lines, probs = out
            for p in probs:
                problems.append(f"records[partition {part}]: {p}")
            n = len(ids)
            yield pa.RecordBatch.from_pydict(
                {
                    "id": ids,
                    "text": texts,
                    "meta": metas,
                    "source": srcs,
                    "url": urls,
                    "ts": pa.array(ts, pa.int64()),
                    "tokens": pa.array(tokens, pa.int64()),
                    "postings": pa.array(postings, pa.int64()),
                    "bytes": pa.array([len(t.encode("utf-8")) for t in texts], pa.int64()),
                    "pos": pa.array([(part << 40) | at[l - 1] for l in doc_lines], pa.int64()),
                    "problem": pa.array([None] * n, pa.string()),
                }
            )
            if problems:
                k = len(problems)
                yield pa.RecordBatch.from_pydict(
                    {
                        "id": pa.array([None] * k, pa.string()),
                        "text": pa.array([None] * k, pa.string()),
                        "meta": pa.array([None] * k, pa.string()),
                        "source": pa.array([None] * k, pa.string()),
                        "url": pa.array([None] * k, pa.string()),
                        "ts": pa.array([None] * k, pa.int64()),
                        "tokens": pa.array([None] * k, pa.int64()),
                        "postings": pa.array([None] * k, pa.int64()),
                        "bytes": pa.array([None] * k, pa.int64()),
                        "pos": pa.array([None] * k, pa.int64()),
                        "problem": problems,
                    }
                )
            row0 += len(rows)

    prepped = df.mapInArrow(read, prep_schema).persist(keep)
    first = Window.partitionBy("id").orderBy("pos")
    ranked = prepped.filter(F.col("problem").isNull()).withColumn("_r", F.row_number().over(first))
    problems = [r.problem for r in prepped.filter(F.col("problem").isNotNull()).collect()]
    problems += [
        f"duplicate id `{r.id}`; skipped"
        for r in ranked.filter(F.col("_r") > 1).select("id").collect()
    ]
    docs = ranked.filter(F.col("_r") == 1).drop("_r", "problem")
    lap("read")

    # 2. numbering
    order = docs.select("id", "ts").orderBy(F.col("ts").isNull(), "ts", "id")
    nums = order.rdd.zipWithIndex().map(lambda x: (x[0][0], x[1])).toDF("id string, num long")
    numbered = docs.join(nums, "id").persist(keep)
    totals = numbered.agg(
        F.count("*"), F.sum("bytes"), F.sum("tokens"), F.sum("postings")
    ).collect()[0]
    n_docs = totals[0]
    n_bytes, n_tokens, n_postings = (int(x or 0) for x in totals[1:])
    per_doc = ["id", "pos", "bytes", "tokens"] if dedup else []
    meta_rows = numbered.select("num", "source", "url", *per_doc).orderBy("num").collect()
    sources_b = sc.broadcast(
        (uuid.uuid4().hex, [r.source for r in meta_rows], [r.url for r in meta_rows])
    )
    lap("numbering")

    shuffled = _blob_shuffle if shuffle == "blobs" else _row_shuffle
    candidates, n_candidates, blocked, persisted = shuffled(numbered, parts, settings, sources_b, keep, lap)
    n_blocked = sum(len(r) // 8 for r in blocked.values())
    lap("candidates")
    prepped.unpersist()
    for d in persisted[:-1]:
        d.unpersist()
    return {
        "numbered": numbered,
        "candidates": candidates,
        "blocked": blocked,
        "sources": sources_b,
        "counts": (n_docs, n_bytes, n_tokens, n_postings, n_candidates, n_blocked),
        "problems": problems,
        "per_doc": meta_rows if dedup else None,
        "persisted": [numbered, persisted[-1]],
    }


def _row_shuffle(numbered, parts, settings, sources_b, keep, lap):
    """Stages 3 to 5 with a Spark row per posting and per seed, grouped by Spark's sort
    (``shuffle="rows"``): ``(candidates, blocked ranges by document, persisted frames)``."""
    import numpy as np
    import pyarrow as pa
    from pyspark.sql import functions as F

    # 3. fingerprints
    def fingerprint(batches):
        for batch in batches:
            fp, doc, pos = _chorus.fingerprints(
                _u32(batch.column("num")), batch.column("text").to_pylist(), **settings
            )
            yield pa.RecordBatch.from_pydict(
                {
                    "fp": np.frombuffer(fp, np.int64),
                    "doc": np.frombuffer(doc, np.uint32).astype(np.int32),
                    "pos": np.frombuffer(pos, np.uint32).astype(np.int32),
                }
            )

    postings = numbered.select("num", "text").mapInArrow(fingerprint, "fp long, doc int, pos int")

    # 4. seed rules per fingerprint group
    def seed_runs(batches):
        sources = _sources(sources_b.value)

        def process(t):
            (a, b, pa_, pb), boil = _chorus.seeds(
                t.column("fp").to_numpy().astype(np.int64).tobytes(),
                _u32(t.column("doc")),
                _u32(t.column("pos")),
                sources,
                **settings,
            )
            yield pa.RecordBatch.from_pydict(
                {
                    "a": np.frombuffer(a, np.uint32).astype(np.int32),
                    "b": np.frombuffer(b, np.uint32).astype(np.int32),
                    "pa": np.frombuffer(pa_, np.uint32).astype(np.int32),
                    "pb": np.frombuffer(pb, np.uint32).astype(np.int32),
                }
            )
            bp = np.frombuffer(boil, np.uint32).reshape(-1, 2).astype(np.int32)
            if len(bp):
                yield pa.RecordBatch.from_pydict(
                    {
                        "a": bp[:, 0],
                        "b": np.full(len(bp), -1, np.int32),
                        "pa": bp[:, 1],
                        "pb": np.full(len(bp), -1, np.int32),
                    }
                )

        yield from _runs(batches, lambda t: t.column("fp").to_numpy(), process)

    seeded = (
        postings.repartition(parts, "fp")
        .sortWithinPartitions("fp", "doc", "pos")
        .mapInArrow(seed_runs, "a int, b int, pa int, pb int")
        .persist(keep)
    )
    seeded.count()
    lap("fingerprints+seeds")

    # 5. candidates per document pair; blocked ranges per document
    def pair_key(t):
        return (t.column("a").to_numpy().astype(np.int64) << 32) | t.column("b").to_numpy().astype(np.int64)

    def candidate_runs(batches):
        def process(t):
            a, b, seeds = _chorus.candidates(
                _u32(t.column("a")), _u32(t.column("b")), _u32(t.column("pa")), _u32(t.column("pb")), **settings
            )
            yield pa.RecordBatch.from_pydict(
                {"a": pa.array(a, pa.int32()), "b": pa.array(b, pa.int32()), "seeds": pa.array(seeds, pa.binary())}
            )

        yield from _runs(batches, pair_key, process)

    candidates = (
        seeded.filter(F.col("b") >= 0)
        .repartition(parts, "a", "b")
        .sortWithinPartitions("a", "b", "pa", "pb")
        .mapInArrow(candidate_runs, "a int, b int, seeds binary")
        .persist(keep)
    )
    n_candidates = candidates.count()

    def blocked_runs(batches):
        def process(t):
            docs_, ranges = _chorus.blocked(_u32(t.column("doc")), _u32(t.column("pos")), **settings)
            yield pa.RecordBatch.from_pydict(
                {"doc": pa.array(docs_, pa.int32()), "ranges": pa.array(ranges, pa.binary())}
            )

        yield from _runs(batches, lambda t: t.column("doc").to_numpy().astype(np.int64), process)

    blocked_rows = (
        seeded.filter(F.col("b") < 0)
        .select(F.col("a").alias("doc"), F.col("pa").alias("pos"))
        .repartition(parts, "doc")
        .sortWithinPartitions("doc", "pos")
        .mapInArrow(blocked_runs, "doc int, ranges binary")
        .collect()
    )
    blocked = {r.doc: bytes(r.ranges) for r in blocked_rows}
    return candidates, n_candidates, blocked, [seeded, candidates]


def _bucket_keys(spark, parts):
    """For each bucket ``b < parts``, an int key that ``repartition(parts, key)`` sends to
    partition ``b`` (Spark's hash partitioning: ``pmod(hash(key), parts)``)."""
    from pyspark.sql import functions as F

    rows = (
        spark.range(0, 64 * parts + 64)
        .select(F.col("id").cast("int").alias("k"))
        .select("k", F.expr(f"pmod(hash(k), {parts})").alias("p"))
        .collect()
    )
    keys = {}
    for r in rows:
        keys.setdefault(r.p, r.k)
    return [keys[p] for p in range(parts)]


def _blob_shuffle(numbered, parts, settings, sources_b, keep, lap):
    """Stages 3 to 5 with binary rows, one per task and destination bucket (the default,
    ``shuffle="blobs"``): each task's postings (then seeds, boilerplate occurrences) go
    out as one blob per bucket of the group key, and each destination sorts and groups its
    whole share in Rust. ``(candidates, blocked ranges by document, persisted frames)``."""
    import pyarrow as pa
    from pyspark.sql import functions as F

    sc = numbered.sparkSession.sparkContext
    keys_b = sc.broadcast(_bucket_keys(numbered.sparkSession, parts))
    routed = "key int, kind int, blob binary"

    def batch_of(keys, buckets_kinds_blobs):
        k, kinds, blobs = buckets_kinds_blobs
        return pa.RecordBatch.from_pydict(
            {
                "key": pa.array([keys[i] for i in k], pa.int32()),
                "kind": pa.array(kinds, pa.int32()),
                "blob": pa.array(blobs, pa.binary()),
            }
        )

    # 3. fingerprints, by fingerprint bucket
    def fingerprint(batches):
        keys = keys_b.value
        for batch in batches:
            if batch.num_rows == 0:
                continue
            ids, blobs = _chorus.posting_blobs(
                _u32(batch.column("num")), batch.column("text").__arrow_c_array__(), parts, **settings
            )
            yield batch_of(keys, (ids, [0] * len(ids), blobs))

    # 4. seed rules: every posting of a bucket, sorted and grouped in Rust
    def seed_task(batches):
        keys = keys_b.value
        blobs = [b for batch in batches for b in batch.column("blob").to_pylist()]
        if not blobs:
            return
        sb, sv, bb, bv = _chorus.seed_blobs(blobs, _sources(sources_b.value), parts, **settings)
        yield batch_of(keys, (sb + bb, [0] * len(sb) + [1] * len(bb), sv + bv))

    seeded = (
        numbered.select("num", "text")
        .mapInArrow(fingerprint, routed)
        .repartition(parts, "key")
        .mapInArrow(seed_task, routed)
        .persist(keep)
    )
    seeded.count()
    lap("fingerprints+seeds")

    # 5. candidates by document pair, blocked ranges by document
    def candidate_task(batches):
        seeds, boil = [], []
        for batch in batches:
            for k, b in zip(batch.column("kind").to_pylist(), batch.column("blob").to_pylist()):
                (seeds if k == 0 else boil).append(b)
        if not seeds and not boil:
            return
        a, b, s, docs, ranges = _chorus.candidate_blobs(seeds, boil, **settings)
        yield pa.RecordBatch.from_pydict(
            {
                "a": pa.array(a + docs, pa.int32()),
                "b": pa.array(b + [-1] * len(docs), pa.int32()),
                "seeds": pa.array(s + ranges, pa.binary()),
            }
        )

    out = (
        seeded.repartition(parts, "key")
        .mapInArrow(candidate_task, "a int, b int, seeds binary")
        .persist(keep)
    )
    candidates = out.filter(F.col("b") >= 0)
    n_candidates = candidates.count()
    blocked = {r.a: bytes(r.seeds) for r in out.filter(F.col("b") < 0).collect()}
    return candidates, n_candidates, blocked, [seeded, out]


def _start(df, id, text, source, date, url, title, partitions, timings, what, shuffle):
    """The renames, partitions and stopwatch of a run; checks the columns."""
    import time

    if shuffle not in ("blobs", "rows"):
        raise ChorusError(f"invalid value for `shuffle`: `{shuffle}` (blobs or rows)")
    rename = _records.renames(id, text, source, date, url, title)
    fields = [rename.get(c, c) for c in df.columns]
    for need in ("id", "text"):
        if need not in fields:
            raise ChorusError(
                f"chorus.spark.{what} needs a `{need}` column (columns: {', '.join(df.columns)}); "
                f"name it with {need}="
            )
    parts = partitions or df.sparkSession.sparkContext.defaultParallelism
    clock = {"t": time.perf_counter()}
    times = timings if timings is not None else {}

    def lap(stage: str) -> None:
        now = time.perf_counter()
        times[stage] = times.get(stage, 0.0) + now - clock["t"]
        clock["t"] = now

    return rename, parts, lap


def _texts(numbered, with_tokens=False):
    """The candidates' texts: two copies of ``(n, text[, tokens])`` to join on ``a`` and ``b``."""
    from pyspark.sql import functions as F

    cols = [F.col("num").cast("int").alias("n"), "text"] + (
        [F.col("tokens").cast("int").alias("tokens")] if with_tokens else []
    )
    texts = numbered.select(*cols)
    side = lambda s: texts.select(  # noqa: E731
        F.col("n").alias(s), F.col("text").alias(f"text_{s}"), *([F.col("tokens").alias(f"tokens_{s}")] if with_tokens else [])
    )
    return side("a"), side("b")


def _documents(numbered, needed):
    """``(num, id, text, meta)`` rows of the documents numbered ``needed``, by number."""
    spark = numbered.sparkSession
    want = spark.createDataFrame([(int(n),) for n in sorted(needed)], "num long")
    return numbered.join(want, "num").select("num", "id", "text", "meta").orderBy("num").collect()


def _held(numbered, wanted):
    """The recurrence of the stock lines (stage 7 of ``find`` in the module documentation): which of
    the n-grams ``wanted`` (native ``u64`` bytes, from the alignments) every document
    holds, with its date, computed in the documents' partitions: ``(docs, dates,
    n-grams)`` rows for the report."""
    import pyarrow as pa

    if not wanted:
        return [], [], []
    wanted_b = numbered.sparkSession.sparkContext.broadcast(wanted)

    def hold(batches):
        for batch in batches:
            nums, dates, ngrams = _chorus.ngrams_held(
                batch.column("num").to_pylist(),
                batch.column("text").to_pylist(),
                batch.column("meta").to_pylist(),
                wanted_b.value,
            )
            yield pa.RecordBatch.from_pydict(
                {
                    "num": pa.array(nums, pa.int64()),
                    "first": pa.array([d[0] if d else None for d in dates], pa.int64()),
                    "last": pa.array([d[1] if d else None for d in dates], pa.int64()),
                    "ngrams": pa.array(ngrams, pa.binary()),
                }
            )

    schema = "num long, first long, last long, ngrams binary"
    rows = numbered.select("num", "text", "meta").mapInArrow(hold, schema).collect()
    wanted_b.unpersist()
    return (
        [r.num for r in rows],
        [(r.first, r.last) if r.first is not None else None for r in rows],
        [bytes(r.ngrams) for r in rows],
    )


def find(
    df: Any,
    *,
    id: Optional[str] = None,
    text: Optional[str] = None,
    source: Optional[str] = None,
    date: Optional[str] = None,
    url: Optional[str] = None,
    title: Optional[str] = None,
    partitions: Optional[int] = None,
    shuffle: str = "blobs",
    errors: str = "warn",
    timings: Optional[dict] = None,
    **settings: Any,
) -> Report:
    """``chorus.find`` on a Spark DataFrame of records (columns as ``chorus.find`` takes
    them; every record needs an ``id``). ``partitions``: the partitions of each shuffle
    (default: the session's default parallelism). ``shuffle``: how postings and seeds
    cross the shuffles, "blobs" (one binary row per task and destination, sorted in Rust:
    the default) or "rows" (a Spark row each, sorted by Spark); the result is the same.
    ``timings``: a dict to fill with the seconds each stage took. Returns the ``Report`` of the records, equal to
    ``chorus.find``'s and to ``chorus find --json``'s output. With ``paraphrase=True``
    the reworded passages are found on the driver, which then reads every text: the
    stages up to alignment stay distributed, the paraphrase path is not."""
    import numpy as np
    import pyarrow as pa
    from pyspark.sql import functions as F

    from . import _problems

    _chorus.prepare(b"", **settings)  # bad settings fail here, on the driver
    rename, parts, lap = _start(df, id, text, source, date, url, title, partitions, timings, "find", shuffle)
    run = _shared(df, rename, settings, parts, lap, dedup=False, shuffle=shuffle)
    numbered, candidates, blocked = run["numbered"], run["candidates"], run["blocked"]
    sources_b, problems = run["sources"], run["problems"]
    blocked_b = numbered.sparkSession.sparkContext.broadcast(blocked)

    # 6. alignment
    def align(batches):
        bl = blocked_b.value
        for batch in batches:
            a = batch.column("a").to_pylist()
            b = batch.column("b").to_pylist()
            recs = _chorus.align(
                a,
                b,
                batch.column("seeds").to_pylist(),
                batch.column("text_a").to_pylist(),
                batch.column("text_b").to_pylist(),
                [bl.get(x) for x in a],
                [bl.get(x) for x in b],
                **settings,
            )
            yield pa.RecordBatch.from_pydict({"rec": pa.array(recs, pa.binary())})

    text_a, text_b = _texts(numbered)
    joined = candidates.join(text_a, "a").join(text_b, "b")
    alignments = [
        bytes(r.rec)
        for r in joined.mapInArrow(align, "rec binary").filter(F.length("rec") > 0).collect()
    ]
    lap("alignment")

    # 7. recurrence of the stock lines, 8. report, on the driver
    needed = set()
    for rec in alignments:
        v = np.frombuffer(rec, np.uint32).reshape(-1, 10)
        needed.update(v[:, 0].tolist())
        needed.update(v[:, 1].tolist())
    if settings.get("boilerplate"):
        needed.update(blocked)
    if settings.get("paraphrase"):
        # the paraphrase path compares the sentences of the whole corpus: on the driver,
        # with every text (it is not distributed)
        needed.update(range(run["counts"][0]))
    rows = _documents(numbered, needed)
    doc_cols = ([r.num for r in rows], [r.id for r in rows], [r.text for r in rows], [r.meta for r in rows])
    held = _held(numbered, _chorus.stock_line_ngrams(*doc_cols, alignments, **settings))
    lap("recurrence")
    out, doc_texts = _chorus.report(
        *doc_cols,
        alignments,
        list(blocked),
        list(blocked.values()),
        _sources(sources_b.value),
        run["counts"],
        *held,
        **settings,
    )
    for d in run["persisted"]:
        d.unpersist()
    lap("report")
    _problems(problems, errors)
    return Report(out, doc_texts, problems)


def dedup(
    df: Any,
    *,
    id: Optional[str] = None,
    text: Optional[str] = None,
    source: Optional[str] = None,
    date: Optional[str] = None,
    url: Optional[str] = None,
    title: Optional[str] = None,
    partitions: Optional[int] = None,
    shuffle: str = "blobs",
    errors: str = "warn",
    timings: Optional[dict] = None,
    **settings: Any,
) -> DedupResult:
    """``chorus.dedup`` on a Spark DataFrame of records (as ``find``; and ``threshold=``,
    ``slack=``, ``min_dup_similarity=``, ``containment=``, ``keep=``). Stages 1 to 5 as
    ``find``; then each candidate pair is planned from its seeds and aligned when needed,
    in Rust on the workers (``mapInArrow`` over the candidates joined with both texts and
    token counts), and the groups are made once on the driver from the aligned and decided
    pairs (``chorus_core::stages::dedup_report``, what ``chorus dedup`` runs). Returns the
    ``DedupResult`` of the records: ``to_jsonl()`` is ``chorus dedup --json --pairs``'
    output; ``ids``, ``groups`` and ``keep`` are in input order (partition, then row)."""
    import numpy as np
    import pyarrow as pa
    from pyspark.sql import functions as F

    from . import _problems

    find_settings = {k: v for k, v in settings.items() if k not in _DEDUP_SETTINGS}
    _chorus.dedup_pairs([], [], [], [], [], [], [], [], [], **settings)  # bad settings fail here
    rename, parts, lap = _start(df, id, text, source, date, url, title, partitions, timings, "dedup", shuffle)
    run = _shared(df, rename, find_settings, parts, lap, dedup=True, shuffle=shuffle)
    numbered, candidates, blocked = run["numbered"], run["candidates"], run["blocked"]
    per_doc, problems = run["per_doc"], run["problems"]
    blocked_b = numbered.sparkSession.sparkContext.broadcast(blocked)

    # 6. pairs: planned from their seeds, aligned when needed
    def verify(batches):
        bl = blocked_b.value
        for batch in batches:
            a = batch.column("a").to_pylist()
            b = batch.column("b").to_pylist()
            plans, ca, cb, recs = _chorus.dedup_pairs(
                a,
                b,
                batch.column("seeds").to_pylist(),
                batch.column("text_a").to_pylist(),
                batch.column("text_b").to_pylist(),
                batch.column("tokens_a").to_pylist(),
                batch.column("tokens_b").to_pylist(),
                [bl.get(x) for x in a],
                [bl.get(x) for x in b],
                **settings,
            )
            yield pa.RecordBatch.from_pydict(
                {
                    "a": pa.array(a, pa.int32()),
                    "b": pa.array(b, pa.int32()),
                    "plan": pa.array(plans, pa.int8()),
                    "ca": pa.array(ca, pa.float64()),
                    "cb": pa.array(cb, pa.float64()),
                    "rec": pa.array(recs, pa.binary()),
                }
            )

    text_a, text_b = _texts(numbered, with_tokens=True)
    joined = candidates.join(text_a, "a").join(text_b, "b")
    kept = (
        joined.mapInArrow(verify, "a int, b int, plan byte, ca double, cb double, rec binary")
        .filter(((F.col("plan") == 1) & (F.length("rec") > 0)) | (F.col("plan") == 2))
        .collect()
    )
    aligned = [bytes(r.rec) for r in kept if r.plan == 1]
    decided = [r for r in kept if r.plan == 2]
    lap("pairs")

    # 7. recurrence of the stock lines, 8. groups, on the driver
    needed = {r.a for r in kept} | {r.b for r in kept}
    rows = _documents(numbered, needed)
    doc_cols = ([r.num for r in rows], [r.id for r in rows], [r.text for r in rows], [r.meta for r in rows])
    passages = aligned + [bytes(r.rec) for r in decided]
    held = _held(numbered, _chorus.dedup_stock_line_ngrams(*doc_cols, passages, **settings))
    lap("recurrence")
    pos = np.array([r.pos for r in per_doc], np.uint64)
    out = _chorus.dedup_report(
        *doc_cols,
        pos.tobytes(),
        np.array([r.bytes for r in per_doc], np.uint64).tobytes(),
        np.array([r.tokens for r in per_doc], np.uint32).tobytes(),
        list(blocked),
        list(blocked.values()),
        aligned,
        (
            [r.a for r in decided],
            [r.b for r in decided],
            [r.ca for r in decided],
            [r.cb for r in decided],
            [bytes(r.rec) for r in decided],
        ),
        run["counts"],
        *held,
        **settings,
    )
    for d in run["persisted"]:
        d.unpersist()
    # every document in input order, with its group and whether it is kept
    order = np.argsort(pos, kind="stable")
    ids = [per_doc[i].id for i in order]
    groups = {}
    dropped = set()
    for line in out.splitlines():
        rec = json.loads(line)
        if rec.get("kind") == "dup_cluster":
            for d in rec["docs"]:
                groups[d] = rec["id"]
                if d != rec["keep"]:
                    dropped.add(d)
    lap("groups")
    _problems(problems, errors)
    return DedupResult(
        out, ids, [groups.get(i, 0) for i in ids], [i not in dropped for i in ids], problems
    )
