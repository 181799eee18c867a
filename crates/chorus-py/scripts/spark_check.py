"""Checks that chorus.spark.find gives `chorus find --json`'s output byte for byte, and
chorus.spark.dedup `chorus dedup --json --pairs`' output (with the groups and keep mask of
chorus.dedup on the same records), on a
Spark master given as the first argument (e.g. spark://127.0.0.1:7077), for each corpus
given after it (a folder of text files, or a JSON Lines file, optionally .xz): run with 4
partitions in input order, and with 7 partitions with the input order reversed (the full
matrix, 4 and 7 each both ways, with --all), and on the first corpus with the row shuffle
(5 partitions, reversed). The CLI is the `chorus` binary named by
$CHORUS_BIN. Also checks chorus.find on a pandas DataFrame against the CLI. Exits 1 on
any difference. Dedup runs once per corpus, with 7 partitions and the input reversed
(both ways with --all)."""

import json
import lzma
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd
import pyarrow as pa
from pyspark.sql import SparkSession

import chorus
import chorus.spark


def records(path):
    if os.path.isdir(path):
        names = sorted(f for f in os.listdir(path) if not f.startswith("."))
        return [{"id": f, "text": open(os.path.join(path, f), encoding="utf-8").read()} for f in names]
    opener = lzma.open if path.endswith(".xz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def reprint(rec):
    """A reprint of a record: its own id, a dateline before the text, the last sentence cut."""
    text = rec["text"]
    cut = text.rstrip().rfind(". ", 0, len(text.rstrip()) - 1)
    body = text[: cut + 1] if cut > len(text) // 2 else text
    out = dict(rec)
    out["id"] = f"{rec.get('id', 'record')}~reprint"
    out["text"] = f"LONDON (Wire) - {body}"
    return out


def cli(path, command="find"):
    extra = ["--pairs"] if command == "dedup" else []
    out = subprocess.run(
        [os.environ.get("CHORUS_BIN", "chorus"), command, "--json", *extra, "-q", path],
        check=False,
        capture_output=True,
    )
    if out.returncode not in (0, 1):
        sys.exit(f"chorus {command} failed on {path}: {out.stderr.decode()}")
    return out.stdout.decode("utf-8")


def check_dedup(spark, name, recs, want, parts, reverse):
    """chorus.spark.dedup against the CLI's output and chorus.dedup's groups and keep mask
    (chorus.dedup on the rows in the same order): 1 on a difference."""
    rows = recs[::-1] if reverse else recs
    df = spark.createDataFrame(pa.Table.from_pylist(rows)).repartition(parts)
    start = time.perf_counter()
    got = chorus.spark.dedup(df, partitions=parts)
    secs = time.perf_counter() - start
    local = chorus.dedup(pd.DataFrame(rows))
    # the Spark result lists documents in its input order: (partition, row)
    by_id = {i: (g, k) for i, g, k in zip(got.ids, got.groups, got.keep)}
    same_rows = sorted(got.ids) == sorted(local.ids) and all(
        by_id[i] == (g, k) for i, g, k in zip(local.ids, local.groups, local.keep)
    )
    ok = got.to_jsonl() == want and same_rows
    order = "reversed" if reverse else "in order"
    verdict = "== CLI" if ok else "DIFFERS from the CLI"
    print(f"{name}: chorus.spark.dedup, {parts} partitions, {order}: {verdict} ({secs:.0f} s)", flush=True)
    if not ok:
        with open(f"/tmp/chorus-spark-dedup-{name}-{parts}.jsonl", "w") as f:
            f.write(got.to_jsonl())
    return 0 if ok else 1


def main():
    args = [a for a in sys.argv[1:] if a != "--all"]
    full = "--all" in sys.argv
    master, paths = args[0], args[1:]
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers import chorus too
    spark = (
        SparkSession.builder.master(master)
        .appName("chorus-spark-check")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.executor.memory", "1g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    failed = 0
    for path in paths:
        want = cli(path)
        recs = records(path)
        name = os.path.basename(path.rstrip("/"))
        if name.startswith("corpus."):  # a bench set: name it by its folder
            name = os.path.basename(os.path.dirname(path))
        got = chorus.find(pd.DataFrame(recs)).to_jsonl()
        ok = got == want
        failed += not ok
        print(f"{name}: chorus.find on pandas {'== CLI' if ok else 'DIFFERS from the CLI'}", flush=True)
        runs = [(4, False, "blobs"), (7, True, "blobs")]
        runs += [(4, True, "blobs"), (7, False, "blobs")] if full else []
        # the row shuffle, on the first corpus (and every one with --all)
        runs += [(5, True, "rows")] if full or path == paths[0] else []
        for parts, reverse, shuffle in runs:
            rows = recs[::-1] if reverse else recs
            # from Arrow, so that the columns keep the records' field order
            table = pa.Table.from_pylist(rows)
            df = spark.createDataFrame(table).repartition(parts)
            start = time.perf_counter()
            got = chorus.spark.find(df, partitions=parts, shuffle=shuffle).to_jsonl()
            secs = time.perf_counter() - start
            ok = got == want
            failed += not ok
            order = "reversed" if reverse else "in order"
            verdict = "== CLI" if ok else "DIFFERS from the CLI"
            how = f"{parts} partitions, {order}" + (", shuffle=rows" if shuffle == "rows" else "")
            print(f"{name}: chorus.spark.find, {how}: {verdict} ({secs:.0f} s)", flush=True)
            if not ok:
                with open(f"/tmp/chorus-spark-{name}-{parts}.jsonl", "w") as f:
                    f.write(got)
        # dedup on the records and a reprint of every third one (a dateline added, the
        # last sentence cut), so that there are groups to compare
        drecs = recs + [reprint(r) for r in recs[::3] if isinstance(r.get("text"), str)]
        with tempfile.TemporaryDirectory() as d:
            dpath = os.path.join(d, "dedup.jsonl")
            with open(dpath, "w", encoding="utf-8") as f:
                for r in drecs:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
            want = cli(dpath, "dedup")
        groups = sum('"kind":"dup_cluster"' in line for line in want.splitlines())
        local = chorus.dedup(pd.DataFrame(drecs)).to_jsonl()
        ok = local == want and groups > 0
        print(f"{name}: {groups} dedup groups", flush=True)
        failed += not ok
        print(f"{name}: chorus.dedup on pandas {'== CLI' if ok else 'DIFFERS from the CLI'}", flush=True)
        for parts, reverse in [(7, True)] + ([(4, False)] if full else []):
            failed += check_dedup(spark, name, drecs, want, parts, reverse)
    spark.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
