"""The chorus Python API on corpora written here: equal to the CLI (when $CHORUS_BIN names
the `chorus` binary), the same from every kind of table, flat member rows with the passage
text, dedup, the index, and clear errors on bad input and settings."""

import json
import os
import subprocess
import warnings

import pytest

import chorus

STATEMENT = (
    "The harbour authority said on Monday that the old swing bridge will close for repairs "
    "until the end of the summer season, officials warned residents on Tuesday."
)
QUOTE = "We cannot keep patching a bridge that was built for horses and carts, the mayor said."


def corpus():
    return [
        {"id": "wire-1", "source": "wire", "date": "2024-03-01T09:00:00Z",
         "text": f"Bridge news. {STATEMENT} More to follow.", "lang": "en"},
        {"id": "herald-7", "source": "herald", "date": "2024-03-01T12:30:00Z",
         "text": f"Local traders are worried. {STATEMENT} Shops expect fewer visitors. “{QUOTE}”",
         "lang": "en"},
        {"id": "gazette-3", "source": "gazette", "date": "2024-03-02",
         "text": f"In other news the bakery won a prize. “{QUOTE}” Council meets in April."},
        {"id": "blog-9", "url": "https://www.example.org/posts/9",
         "text": f"My view: {STATEMENT} I think this is long overdue, honestly."},
        {"id": "garden", "source": "herald", "date": "2024-03-03",
         "text": "Sow tomatoes indoors in March, on a warm windowsill, and keep the compost moist."},
    ]


def cli(records, *flags):
    binary = os.environ.get("CHORUS_BIN")
    if not binary:
        pytest.skip("set CHORUS_BIN to the chorus binary to compare with the CLI")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "corpus.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        out = subprocess.run([binary, "find", "--json", "-q", *flags, path], capture_output=True)
        assert out.returncode in (0, 1), out.stderr
        return out.stdout.decode("utf-8")


def test_find_is_the_clis_output():
    report = chorus.find(corpus())
    assert report.to_jsonl() == cli(corpus())
    report = chorus.find(corpus(), min_words=6, boilerplate=True, window="6h")
    assert report.to_jsonl() == cli(corpus(), "--min-words=6", "--boilerplate", "--window=6h")


def test_report_views():
    report = chorus.find(corpus())
    assert len(report.clusters) == 2
    ids = {m["doc"] for c in report.clusters for m in c["members"]}
    assert "garden" not in ids
    rows = report.members
    assert len(rows) == sum(len(c["members"]) for c in report.clusters)
    by_doc = {r["id"]: r["text"] for r in corpus()}
    for row in rows:
        text = by_doc[row["doc"]].encode("utf-8")[row["begin"] : row["end"]].decode("utf-8")
        assert row["text"] == text
        assert row["reuse"] in ("quotation", "credited", "copy")
    statement = [r for r in rows if "swing bridge" in r["text"]]
    assert {r["doc"] for r in statement} == {"wire-1", "herald-7", "blog-9"}
    # the blog has no source: its outlet is its URL's host
    assert [r["source"] for r in statement if r["doc"] == "blog-9"] == ["example.org"]
    assert report.stats["documents"] == 5
    assert {d["id"] for d in report.documents} == ids
    assert [d.get("lang") for d in report.documents if d["id"] == "wire-1"] == ["en"]
    assert all(p["cluster"] in (1, 2) for p in report.pairs)
    html = report._repr_html_()
    assert "Cluster 1" in html and "&lt;" not in STATEMENT
    assert "2 clusters" in repr(report)


def test_every_table_kind_gives_the_same_report():
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    want = chorus.find(corpus()).to_jsonl()
    df = pd.DataFrame(corpus())
    assert chorus.find(df).to_jsonl() == want
    assert chorus.find(pa.Table.from_pandas(df, preserve_index=False)).to_jsonl() == want
    members = chorus.find(df).to_pandas()
    assert list(members.columns)[:6] == ["cluster", "doc", "source", "date", "begin", "end"]
    assert len(chorus.find(df).to_pandas("pairs")) == len(chorus.find(df).pairs)
    # other column names, named
    renamed = df.rename(columns={"id": "key", "text": "body", "source": "outlet_name"})
    got = chorus.find(renamed, id="key", text="body", source="outlet_name")
    assert got.to_jsonl() == want


def test_polars():
    pl = pytest.importorskip("polars")
    want = chorus.find(corpus()).to_jsonl()
    assert chorus.find(pl.DataFrame(corpus())).to_jsonl() == want


def test_bad_records_are_skipped_with_the_clis_messages():
    recs = corpus() + [{"id": "empty", "text": "   "}, {"id": "no-text", "body": "x"}]
    recs.append({"id": "wire-1", "text": "a second record with the id of the first"})
    with pytest.warns(chorus.ChorusWarning) as caught:
        report = chorus.find(recs)
    messages = [str(w.message) for w in caught]
    assert "records:6: record `empty` has empty text" in messages
    assert "records:7: record `no-text` has no `text` field" in messages
    assert any(m.startswith("records:8: duplicate id `wire-1`") for m in messages)
    assert report.to_jsonl() == chorus.find(corpus()).to_jsonl()
    with pytest.raises(chorus.ChorusError, match="records:6: record `empty` has empty text"):
        chorus.find(recs, errors="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chorus.find(recs, errors="ignore")


def test_bad_input_raises_clear_errors():
    with pytest.raises(TypeError, match="record 2 is str, not a dict"):
        chorus.find([{"id": "a", "text": "x y z"}, "just a string"])
    with pytest.raises(TypeError, match="not one dict"):
        chorus.find({"id": "a", "text": "x"})
    with pytest.raises(TypeError, match="not a string"):
        chorus.find("some text")
    with pytest.raises(TypeError, match="cannot read records from int"):
        chorus.find(42)
    with pytest.raises(TypeError, match="unknown setting `min_word`"):
        chorus.find(corpus(), min_word=3)
    with pytest.raises(chorus.ChorusError, match="n-gram size must be at least 1"):
        chorus.find(corpus(), ngram=0)
    with pytest.raises(chorus.ChorusError, match="invalid value for `max_df`"):
        chorus.find(corpus(), max_df="many")
    with pytest.raises(chorus.ChorusError, match="invalid value for `window`"):
        chorus.find(corpus(), window="3y")
    with pytest.raises(ValueError, match="errors="):
        chorus.find(corpus(), errors="explode")
    with pytest.raises(chorus.ChorusError, match=r"threshold and --slack must lie in \[0, 1\]"):
        chorus.dedup(corpus(), threshold=2.0)
    with pytest.raises(chorus.ChorusError, match="invalid value for `keep`"):
        chorus.dedup(corpus(), keep="newest")


def test_empty_input_is_an_empty_report():
    with pytest.warns(chorus.ChorusWarning, match="records: empty"):
        report = chorus.find([])
    assert report.clusters == [] and report.stats["documents"] == 0
    assert len(report.to_pandas()) == 0


def test_dedup_groups_and_keep_mask():
    base = corpus()
    copy = dict(base[1], id="herald-7-copy", date="2024-03-04")
    recs = base + [copy]
    result = chorus.dedup(recs)
    assert result.ids == [r["id"] for r in recs]
    group = result.groups[result.ids.index("herald-7")]
    assert group > 0 and result.groups[result.ids.index("herald-7-copy")] == group
    assert result.keep[result.ids.index("herald-7")] and not result.keep[-1]
    assert sum(result.keep) == len(recs) - sum(len(c["docs"]) - 1 for c in result.clusters)
    assert "herald-7" in [c["keep"] for c in result.clusters]
    for c in result.clusters:
        assert [result.ids[i] for i, k in enumerate(result.keep) if k and result.ids[i] in c["docs"]] == [c["keep"]]
    frame = result.to_pandas()
    assert list(frame.columns) == ["id", "group", "keep"]
    longest = chorus.dedup(recs, keep="first")
    assert longest.keep[result.ids.index("herald-7")]


def test_index_add_and_query(tmp_path):
    index = chorus.Index(tmp_path / "idx")
    assert index.add(corpus()) == {"added": 5, "replaced": 0}
    assert len(index) == 5
    hits = index.query(f"A reader wrote in: {STATEMENT}")
    assert {h["id"] for h in hits} == {"wire-1", "herald-7", "blog-9"}
    assert index.query("nothing in common with any stored story at all today") == []
    assert index.add([dict(corpus()[0], text=f"Updated. {STATEMENT}")]) == {"added": 1, "replaced": 1}
    with pytest.raises(TypeError, match="takes a text"):
        index.query(["not", "a", "text"])


def _both_paths(data, fn, **kw):
    """``fn`` on ``data`` with the texts read from Arrow and with them crossing as JSON."""
    from chorus import _records

    with warnings.catch_warnings(record=True) as w_arrow:
        warnings.simplefilter("always")
        arrow = fn(data, **kw)
    _records.ARROW = False
    try:
        with warnings.catch_warnings(record=True) as w_json:
            warnings.simplefilter("always")
            plain = fn(data, **kw)
    finally:
        _records.ARROW = True
    return arrow, plain, [str(x.message) for x in w_arrow], [str(x.message) for x in w_json]


def test_texts_read_from_arrow_give_the_json_paths_documents_and_problems():
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    from chorus import _records

    rows = corpus() + [
        {"id": "blank", "text": " \n\t "},
        {"id": "empty", "text": ""},
        {"id": "nbsp", "text": "\u00a0\u2003"},
        {"id": "none", "text": None},
        {"id": "emoji", "source": "wire", "text": f"😀 “quoted” {STATEMENT} \\ \"end\"\u2028"},
        {"text": f"No id here. {STATEMENT}"},
    ]
    frame = pd.DataFrame(rows)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # the texts do take the Arrow path here (a stand-in in the JSON)
    jsonl, _, mask = _records.arrow_records(table, {})
    assert b"swing bridge" not in jsonl
    assert list(mask) == [1] * 8 + [0, 1, 1]
    for data in (frame, table, table.to_batches()[0]):
        arrow, plain, w_arrow, w_json = _both_paths(data, chorus.find)
        assert arrow.to_jsonl() == plain.to_jsonl()
        assert w_arrow == w_json
        assert any("`blank` has empty text" in m for m in w_arrow)
        assert any("`none` has no `text` field" in m for m in w_arrow)
        arrow, plain, _, _ = _both_paths(data, chorus.dedup)
        assert (arrow.to_jsonl(), arrow.ids, arrow.keep) == (plain.to_jsonl(), plain.ids, plain.keep)
    # a text column of another name; a large_string column (chunked)
    renamed = table.rename_columns(["body" if c == "text" else c for c in table.column_names])
    arrow, plain, _, _ = _both_paths(renamed, chorus.find, text="body")
    assert arrow.to_jsonl() == plain.to_jsonl() == chorus.find(frame, errors="ignore").to_jsonl()
    big = pa.concat_tables([table.slice(0, 4), table.slice(4)]).cast(
        pa.schema([pa.field(f.name, pa.large_string() if f.name == "text" else f.type) for f in table.schema])
    )
    assert chorus.find(big, errors="ignore").to_jsonl() == chorus.find(frame, errors="ignore").to_jsonl()
    with pytest.raises(chorus.ChorusError, match="`blank` has empty text"):
        chorus.find(table, errors="raise")


def test_a_text_column_that_is_not_strings_is_judged_by_the_reader():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": ["a", "b"], "text": [1, 2]})
    with pytest.raises(chorus.ChorusError, match="`text` must be a string"):
        chorus.find(frame, errors="raise")


STORY = (
    "The harbour committee announced on Tuesday that the Brennick bridge will close for "
    "structural repairs until the end of September. Engineers found corrosion in the steel "
    "cables during an inspection carried out in March. Ferry operators will add extra "
    "crossings between Ostvik and Lemmer while the bridge stays closed. The repairs are "
    "expected to cost about forty million crowns, paid from the regional transport fund."
)
# the story reworded sentence by sentence, one five-word run kept ("Ostvik and Lemmer
# while the"), so that an index query has it as a candidate
REWORDED = (
    "On Tuesday the committee of the harbour said the Brennick bridge is closing until late "
    "September for repairs to its structure. Corrosion of the steel cables was found by "
    "engineers inspecting the bridge in March. Ferry operators are adding crossings between "
    "Ostvik and Lemmer while the bridge is shut. Paid by the transport fund of the region, "
    "the repair work should cost around forty million crowns."
)


def reworded_corpus():
    half = STORY[: STORY.index(" Ferry")]
    return [
        {"id": "a-story", "text": f"Local news. {STORY} Weather is fine."},
        {"id": "b-reworded", "text": f"Morning digest. {REWORDED} More later."},
        {"id": "c-copy", "text": f"{half} Our desk adds nothing."},
        {"id": "d-other", "text": "Tomatoes, compost and a late frost in the valley."},
    ]


def test_paraphrase_finds_reworded_members_as_the_cli_does():
    plain = chorus.find(reworded_corpus())
    assert "match" not in plain.to_pandas().columns
    assert not any(m["doc"] == "b-reworded" for m in plain.members)
    report = chorus.find(reworded_corpus(), paraphrase=True)
    found = {m["doc"]: m["match"] for m in report.members}
    assert found == {"a-story": "exact", "b-reworded": "reworded", "c-copy": "exact"}
    assert report.stats["reworded_passages"] >= 1
    assert list(report.to_pandas().columns)[-1] == "match"
    assert set(report.to_pandas("pairs")["match"]) <= {"exact", "reworded"}
    assert "forty million crowns" in next(
        m["text"] for m in report.members if m["doc"] == "b-reworded"
    )
    # --lang sets the language of every text: the same as detected here; Russian (no
    # English stop words, no stems) makes another report
    assert chorus.find(reworded_corpus(), paraphrase=True, lang="en").to_jsonl() == report.to_jsonl()
    assert chorus.find(reworded_corpus(), paraphrase=True, lang="ru").to_jsonl() != report.to_jsonl()
    assert report.to_jsonl() == cli(reworded_corpus(), "--paraphrase")


def test_paraphrase_settings_are_checked():
    with pytest.raises(chorus.ChorusError, match=r"unknown language `klingon`.*id \(indonesian\)"):
        chorus.find(reworded_corpus(), paraphrase=True, lang="klingon")
    with pytest.raises(chorus.ChorusError, match="paraphrase=True"):
        chorus.find(reworded_corpus(), lang="en")
    with pytest.raises(chorus.ChorusError, match="invalid value for `paraphrase`"):
        chorus.find(reworded_corpus(), paraphrase="yes")
    # dedup has no paraphrase path
    with pytest.raises(TypeError, match="unknown setting `paraphrase`"):
        chorus.dedup(reworded_corpus(), paraphrase=True)


def test_index_query_paraphrase(tmp_path):
    index = chorus.Index(tmp_path / "idx")
    index.add([r for r in reworded_corpus() if r["id"] in ("b-reworded", "d-other")])
    article = f"Local news. {STORY} Weather is fine."
    assert index.query(article) == []
    got = index.query(article, paraphrase=True)
    assert [(m["id"], m["match"]) for m in got] == [("b-reworded", "reworded")]
    p = got[0]["passages"][0]
    assert p["match"] == "reworded"
    assert "Brennick bridge" in article.encode()[p["query"]["begin"]:p["query"]["end"]].decode()
    assert index.query(article, paraphrase=True, lang="english") == got
    with pytest.raises(chorus.ChorusError, match="unknown language"):
        index.query(article, paraphrase=True, lang="xx")
    with pytest.raises(chorus.ChorusError, match="paraphrase=True"):
        index.query(article, lang="en")
    # a rewording keeping no five words in a row: no n-gram candidate, found by the scan
    index.add([{"id": "e-full", "text": "On Tuesday the committee of the harbour said the "
                "Brennick bridge is closing until late September for repairs to its structure. "
                "Corrosion of the steel cables was found by engineers inspecting the bridge in "
                "March. While the bridge is closed, operators of ferries are adding crossings "
                "from Ostvik to Lemmer. Paid by the transport fund of the region, the repair "
                "work should cost around forty million crowns."}])
    assert [m["id"] for m in index.query(article, paraphrase=True)] == ["b-reworded"]
    scanned = index.query(article, paraphrase=True, scan=True)
    assert sorted(m["id"] for m in scanned) == ["b-reworded", "e-full"]
    with pytest.raises(chorus.ChorusError, match="paraphrase=True"):
        index.query(article, scan=True)


def test_spark_find_paraphrase_is_chorus_find():
    pytest.importorskip("pyspark")
    import shutil

    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java")
    import pyarrow as pa
    from pyspark.sql import SparkSession

    import chorus.spark

    os.environ.setdefault("PYSPARK_PYTHON", __import__("sys").executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("chorus-paraphrase-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "3")
        .getOrCreate()
    )
    try:
        rows = reworded_corpus()[::-1]
        df = spark.createDataFrame(pa.Table.from_pylist(rows)).repartition(3)
        want = chorus.find(reworded_corpus(), paraphrase=True)
        got = chorus.spark.find(df, partitions=3, paraphrase=True)
        assert got.to_jsonl() == want.to_jsonl()
        assert any(m.get("match") == "reworded" for m in got.members)
    finally:
        spark.stop()
