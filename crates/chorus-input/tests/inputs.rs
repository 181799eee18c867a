//! Reading real files in temporary folders through the public API.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chorus_input::{
    Compression, InputError, InputFormat, InputProblem, InputReader, ProblemKind, ReadOptions,
    read_all, read_inputs, sniff_compression,
};

/// Writes `files` (relative path → bytes) under a new temporary folder.
fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    dir
}

fn read(inputs: &[PathBuf]) -> (Vec<(String, String)>, Vec<InputProblem>) {
    read_with(inputs, &ReadOptions::default())
}

fn read_with(inputs: &[PathBuf], opts: &ReadOptions) -> (Vec<(String, String)>, Vec<InputProblem>) {
    let (docs, problems) = read_all(inputs, opts).unwrap();
    (docs.into_iter().map(|d| (d.id, d.text)).collect(), problems)
}

fn ids(docs: &[(String, String)]) -> Vec<&str> {
    docs.iter().map(|(id, _)| id.as_str()).collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

const GOOD: &[u8] = b"A good plain text that must come through.";
const JSONL: &[u8] =
    b"{\"id\":\"r1\",\"text\":\"first record\"}\n{\"id\":\"r2\",\"text\":\"second record\"}\n";

#[test]
fn folder_ids_are_relative_sorted_and_skip_hidden() {
    let dir = folder(&[
        ("b.txt", b"bee"),
        ("a/z.md", b"zed"),
        ("a/b/c", b"sea"),
        ("a.txt", b"ay"),
        (".hidden.txt", b"no"),
        ("a/.git/config", b"no"),
    ]);
    let (docs, problems) = read(&[dir.path().to_path_buf()]);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(ids(&docs), ["a.txt", "a/b/c", "a/z.md", "b.txt"]);
    assert_eq!(docs[0].1, "ay");

    let opts = ReadOptions::new().include_hidden(true);
    let (docs, _) = read_with(&[dir.path().to_path_buf()], &opts);
    assert_eq!(docs.len(), 6);
}

#[test]
fn a_file_given_directly_has_its_path_for_id() {
    let dir = folder(&[("sub/one.txt", b"one"), (".hidden", b"shown when named")]);
    let path = dir.path().join("sub/one.txt");
    let hidden = dir.path().join(".hidden");
    let (docs, problems) = read(&[path.clone(), hidden.clone()]);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        ids(&docs),
        [path.display().to_string(), hidden.display().to_string()]
    );
}

#[test]
fn jsonl_fields_metadata_and_ids() {
    let dir = folder(&[(
        "c.ndjson",
        br#"{"zeta":1,"id":"a","text":"alpha","source":"Gazette","date":"1901-02-03","url":"http://x/a","title":"A","alpha":{"k":[1]}}
{"id":42,"text":"numeric id"}

{"text":"no id","source":null}
{"id":"d","text":"CRLF line"}
"#,
    )]);
    let text = fs::read_to_string(dir.path().join("c.ndjson")).unwrap();
    fs::write(
        dir.path().join("c.ndjson"),
        text.replace("CRLF line\"}\n", "CRLF line\"}\r\n"),
    )
    .unwrap();
    let (docs, problems) = read_all(&[dir.path()], &ReadOptions::default()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["a", "42", "c.ndjson:4", "d"]);
    let meta = &docs[0].meta;
    assert_eq!(meta.source.as_deref(), Some("Gazette"));
    assert_eq!(meta.date.as_deref(), Some("1901-02-03"));
    assert_eq!(meta.url.as_deref(), Some("http://x/a"));
    assert_eq!(meta.title.as_deref(), Some("A"));
    let extra = serde_json::to_string(&meta.extra).unwrap();
    assert_eq!(extra, r#"{"zeta":1,"alpha":{"k":[1]}}"#);
    assert_eq!(docs[2].meta.source, None);
    assert_eq!(docs[3].text, "CRLF line");
}

#[test]
fn field_names_and_format_can_be_set() {
    let dir = folder(&[
        (
            "x.jsonl",
            br#"{"doc_id":"a","body":"the body","text":"kept as extra"}"#,
        ),
        ("y.txt", br#"{"doc_id":"b","body":"json in a .txt"}"#),
    ]);
    let opts = ReadOptions::new().id_field("doc_id").text_field("body");
    let (docs, problems) = read_all(&[dir.path().join("x.jsonl")], &opts).unwrap();
    assert!(problems.is_empty());
    assert_eq!(docs[0].id, "a");
    assert_eq!(docs[0].text, "the body");
    assert_eq!(docs[0].meta.extra["text"], "kept as extra");

    let forced = opts.format(InputFormat::JsonLines);
    let (docs, _) = read_with(&[dir.path().join("y.txt")], &forced);
    assert_eq!(ids(&docs), ["b"]);
    let as_text = ReadOptions::new().format(InputFormat::Text);
    let (docs, _) = read_with(&[dir.path().join("x.jsonl")], &as_text);
    assert_eq!(docs.len(), 1);
    assert!(docs[0].1.starts_with("{\"doc_id\""));
}

/// A bad file: name, bytes, the problem's kind and line, and how many documents it still
/// yields (at most, for damaged streams).
type BadCase = (&'static str, Vec<u8>, ProblemKind, Option<u64>, usize);

/// One bad file among good ones: exactly one problem, of the right kind, at the right
/// place, and every good document still read.
#[test]
fn each_bad_input_gives_exactly_one_problem() {
    let truncated = |mut bytes: Vec<u8>| {
        bytes.truncate(bytes.len() - 9);
        bytes
    };
    let many: Vec<u8> = (0..4000)
        .flat_map(|i| {
            format!("{{\"id\":\"t{i}\",\"text\":\"record number {i} of many\"}}\n").into_bytes()
        })
        .collect();
    let cases: Vec<BadCase> = vec![
        (
            "bad.jsonl",
            b"{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\": \n{\"id\":\"c\",\"text\":\"ok\"}\n".to_vec(),
            ProblemKind::InvalidJson,
            Some(2),
            2,
        ),
        (
            "bad.jsonl",
            b"{\"id\":\"a\",\"text\":\"ok\"}\n[1,2]\n".to_vec(),
            ProblemKind::InvalidJson,
            Some(2),
            1,
        ),
        (
            "bad.jsonl",
            b"{\"id\":\"a\",\"body\":\"no text\"}\n{\"id\":\"b\",\"text\":\"ok\"}\n".to_vec(),
            ProblemKind::MissingText,
            Some(1),
            1,
        ),
        (
            "bad.jsonl",
            b"{\"id\":\"a\",\"text\":[\"no\"]}\n".to_vec(),
            ProblemKind::BadField,
            Some(1),
            0,
        ),
        (
            "bad.jsonl",
            b"{\"id\":true,\"text\":\"x\"}\n".to_vec(),
            ProblemKind::BadField,
            Some(1),
            0,
        ),
        (
            "bad.jsonl",
            b"{\"id\":\"a\",\"text\":\"\"}\n{\"id\":\"b\",\"text\":\"ok\"}\n".to_vec(),
            ProblemKind::EmptyText,
            Some(1),
            1,
        ),
        (
            "bad.jsonl",
            b"{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"b\",\"text\":\"caf\xe9\"}\n".to_vec(),
            ProblemKind::InvalidUtf8,
            Some(2),
            1,
        ),
        (
            "bad.jsonl",
            b"{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"a\",\"text\":\"again\"}\n".to_vec(),
            ProblemKind::DuplicateId,
            Some(2),
            1,
        ),
        (
            "x/dup.jsonl",
            b"{\"id\":\"good.txt\",\"text\":\"clashes with the text file\"}\n".to_vec(),
            ProblemKind::DuplicateId,
            Some(1),
            0,
        ),
        (
            "bad.json",
            b"[\n {\"id\":\"a\",\"text\":\"x\"}\n]\n".to_vec(),
            ProblemKind::NotJsonLines,
            None,
            0,
        ),
        (
            "bad.json",
            b"{\n \"id\": \"a\",\n \"text\": \"x\"\n}\n".to_vec(),
            ProblemKind::NotJsonLines,
            None,
            0,
        ),
        (
            "bad.jsonl",
            b"\n  \n".to_vec(),
            ProblemKind::EmptyFile,
            None,
            0,
        ),
        // UTF-8 for its first 8 KB, so read as UTF-8: a later Latin-1 row is reported.
        (
            "bad.csv",
            [
                b"id,text\n".to_vec(),
                (0..300)
                    .flat_map(|i| {
                        format!("row{i},plain row number {i} of the table\n").into_bytes()
                    })
                    .collect(),
                b"x,caf\xe9\n".to_vec(),
            ]
            .concat(),
            ProblemKind::InvalidUtf8,
            Some(302),
            300,
        ),
        (
            "bad.bin",
            b"PK\x03\x04\x00\x00binary".to_vec(),
            ProblemKind::Binary,
            None,
            0,
        ),
        (
            "bad.dat",
            vec![1, 2, 3, 4, 5, 6, 7, 8, b'a', b'b'],
            ProblemKind::Binary,
            None,
            0,
        ),
        ("bad.txt", Vec::new(), ProblemKind::EmptyFile, None, 0),
        (
            "bad.txt",
            b" \n\t\r\n".to_vec(),
            ProblemKind::EmptyText,
            None,
            0,
        ),
        ("bad.txt.gz", gzip(b""), ProblemKind::EmptyFile, None, 0),
        (
            "bad.txt.gz",
            b"plain, not gzip".to_vec(),
            ProblemKind::Decompression,
            None,
            0,
        ),
        (
            "bad.jsonl.zst",
            JSONL.to_vec(),
            ProblemKind::Decompression,
            None,
            0,
        ),
        (
            "bad.jsonl.xz",
            gzip(JSONL),
            ProblemKind::Decompression,
            None,
            0,
        ),
        (
            "bad.txt.gz",
            truncated(gzip(GOOD)),
            ProblemKind::Decompression,
            None,
            0,
        ),
        (
            "bad.jsonl.gz",
            truncated(gzip(&many)),
            ProblemKind::Decompression,
            None,
            4000,
        ),
        (
            "bad.jsonl.xz",
            truncated(xz(&many)),
            ProblemKind::Decompression,
            None,
            4000,
        ),
        // ruzstd delivers a frame's last window only at its end: cut the second frame.
        (
            "bad.jsonl.zst",
            [zstd(&many[..100_000]), truncated(zstd(&many[100_000..]))].concat(),
            ProblemKind::Decompression,
            None,
            4000,
        ),
    ];
    for (i, (name, bytes, kind, line, from_bad)) in cases.into_iter().enumerate() {
        let dir = folder(&[("good.txt", GOOD), (name, &bytes), ("z/good.jsonl", JSONL)]);
        let (docs, problems) = read(&[dir.path().to_path_buf()]);
        let context = format!("case {i} ({name}): {problems:?}");
        assert_eq!(problems.len(), 1, "{context}");
        let problem = &problems[0];
        assert_eq!(problem.kind, kind, "{context}");
        assert_eq!(
            problem.file,
            dir.path().join(name).display().to_string(),
            "{context}"
        );
        assert_eq!(problem.line, line, "{context}");
        let good: Vec<&str> = ids(&docs)
            .into_iter()
            .filter(|id| ["good.txt", "r1", "r2"].contains(id))
            .collect();
        assert_eq!(good, ["good.txt", "r1", "r2"], "{context}");
        if kind == ProblemKind::Decompression && from_bad > 0 {
            // Whatever the decoder delivered before the damage is kept, in order.
            let kept = docs.len() - 3;
            assert!(kept > 0 && kept <= from_bad, "{context}: kept {kept}");
            assert!(problem.reason.contains("truncated or corrupt"), "{context}");
        } else {
            assert_eq!(docs.len(), 3 + from_bad, "{context}");
        }
    }
}

#[test]
fn problem_messages_name_file_line_and_offset() {
    let dir = folder(&[
        (
            "corpus.jsonl",
            b"{\"id\":\"a\",\"text\":\"ok\"}\n\n x\n".as_slice(),
        ),
        (
            "latin1.txt",
            b"Une id\xe9e na\xefve: le caf\xe9 est d\xe9j\xe0 ferm\xe9.",
        ),
    ]);
    let (docs, problems) = read(&[
        dir.path().join("corpus.jsonl"),
        dir.path().join("latin1.txt"),
    ]);
    // Not UTF-8: decoded from the encoding chardetng guesses.
    assert_eq!(docs[1].1, "Une idée naïve: le café est déjà fermé.");
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let d = dir.path().display();
    assert_eq!(
        shown,
        [format!(
            "{d}/corpus.jsonl:3: invalid JSON: expected value at column 2"
        ),]
    );
    assert_eq!(problems[0].location(), format!("{d}/corpus.jsonl:3"));
    assert_eq!(problems[0].kind.as_str(), "invalid-json");
}

#[test]
fn missing_paths_and_broken_links_are_problems() {
    let dir = folder(&[("good.txt", GOOD)]);
    let missing = dir.path().join("nope.txt");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("link.txt")).unwrap();
    let (docs, problems) = read(&[missing.clone(), dir.path().to_path_buf()]);
    assert_eq!(ids(&docs), ["good.txt"]);
    assert_eq!(problems[0].kind, ProblemKind::NotFound);
    assert_eq!(problems[0].file, missing.display().to_string());
    #[cfg(unix)]
    {
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[1].kind, ProblemKind::Unreadable);
        assert!(problems[1].file.ends_with("link.txt"));
    }
}

#[test]
fn compressed_round_trips() {
    let many = |prefix: &str| -> Vec<u8> {
        (0..50)
            .flat_map(|i| {
                format!("{{\"id\":\"{prefix}{i}\",\"text\":\"member {i}\"}}\n").into_bytes()
            })
            .collect()
    };
    // Two gzip members, two xz streams, two zstd frames, each concatenated as
    // `cat a.gz b.gz > ab.gz` makes them.
    let (gz, x, zst) = (many("g"), many("x"), many("s"));
    let mut multi_gz = gzip(&gz[..gz.len() / 2]);
    multi_gz.extend(gzip(&gz[gz.len() / 2..]));
    let mut multi_xz = xz(&x[..100]);
    multi_xz.extend(xz(&x[100..]));
    let mut multi_zst = zstd(&zst[..200]);
    multi_zst.extend(zstd(&zst[200..]));
    // Made with the zstd CLI (`zstd -19 --check`): three records with compressed blocks.
    let cli_zst = unhex(
        "28b52ffd64ce066d020012040e1290cf01900f8668bfa2c46c4d8667f2facf3ae072298480cbe3c2a1a67f6cc1a7d6d41f9287afa343ebbd0edf309c0df98147e51b4e8c6d050089402580bb44a0b24ea2c8d665540a0a968e8a0a",
    );
    assert_eq!(sniff_compression(&cli_zst), Compression::Zstd);
    let dir = folder(&[
        ("a.txt.gz", &gzip(GOOD)),
        ("b.txt.xz", &xz(GOOD)),
        ("c.txt.zst", &zstd(GOOD)),
        ("d.jsonl.gz", &multi_gz),
        ("e.jsonl.xz", &multi_xz),
        ("f.jsonl.zst", &multi_zst),
        ("g.jsonl.zst", &cli_zst),
        (
            "h.gz",
            &gzip(b"{\"id\":\"sniffed\",\"text\":\"no inner extension\"}\n"),
        ),
        (
            "i.jsonl",
            &xz(b"{\"id\":\"magic\",\"text\":\"xz without .xz\"}\n"),
        ),
    ]);
    let (docs, problems) = read(&[dir.path().to_path_buf()]);
    assert!(problems.is_empty(), "{problems:?}");
    let good = String::from_utf8(GOOD.to_vec()).unwrap();
    assert_eq!(docs[0], ("a.txt.gz".to_owned(), good.clone()));
    assert_eq!(docs[1], ("b.txt.xz".to_owned(), good.clone()));
    assert_eq!(docs[2], ("c.txt.zst".to_owned(), good));
    for (start, prefix) in [(3, "g"), (53, "x"), (103, "s")] {
        let expected: Vec<String> = (0..50).map(|i| format!("{prefix}{i}")).collect();
        assert_eq!(ids(&docs[start..start + 50]), expected);
    }
    assert_eq!(ids(&docs[153..]), ["z0", "z1", "z2", "sniffed", "magic"]);
    // Reading a file twice: every record of the second reading is a duplicate.
    let twice = [dir.path().join("e.jsonl.xz"), dir.path().join("e.jsonl.xz")];
    let (docs, problems) = read(&twice);
    assert_eq!(docs.len(), 50);
    assert_eq!(problems.len(), 50);
    assert!(problems.iter().all(|p| p.kind == ProblemKind::DuplicateId));
    assert!(
        problems[0].reason.contains("e.jsonl.xz:1"),
        "{}",
        problems[0]
    );
}

#[test]
fn the_cli_fixture_decodes_exactly() {
    let cli_zst = unhex(
        "28b52ffd64ce066d020012040e1290cf01900f8668bfa2c46c4d8667f2facf3ae072298480cbe3c2a1a67f6cc1a7d6d41f9287afa343ebbd0edf309c0df98147e51b4e8c6d050089402580bb44a0b24ea2c8d665540a0a968e8a0a",
    );
    let mut docs = Vec::new();
    let mut reader = InputReader::new(ReadOptions::default()).unwrap();
    reader.read_stream("-", cli_zst.as_slice(), |d| docs.push(d), |p| panic!("{p}"));
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[2].id, "z2");
    assert_eq!(
        docs[2].text,
        format!("{}2", "The harvest was good this year. ".repeat(20))
    );
}

#[test]
fn streams_like_stdin_are_sniffed() {
    let mut reader = InputReader::new(ReadOptions::default()).unwrap();
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    let jsonl = b"\n{\"text\":\"from stdin\"}\n{\"id\":\"x\",\"text\":\"named\"}\nnot json\n";
    reader.read_stream("-", &jsonl[..], |d| docs.push(d), |p| problems.push(p));
    assert_eq!(
        docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["-:2", "x"]
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].location(), "-:4");

    let mut reader = InputReader::new(ReadOptions::default()).unwrap();
    let mut docs = Vec::new();
    reader.read_stream(
        "-",
        &b"Once upon a time {braces}"[..],
        |d| docs.push(d),
        |p| panic!("{p}"),
    );
    assert_eq!(docs[0].id, "-");
    assert_eq!(docs[0].text, "Once upon a time {braces}");

    let compressed = xz(b"  {\"id\":\"c\",\"text\":\"compressed stdin\"}\n");
    reader.read_stream(
        "-",
        compressed.as_slice(),
        |d| docs.push(d),
        |p| panic!("{p}"),
    );
    assert_eq!(docs[1].id, "c");
    let summary = reader.summary();
    assert_eq!(
        (summary.documents, summary.files, summary.skipped),
        (2, 2, 0)
    );
    assert_eq!(
        summary.bytes,
        (docs[0].text.len() + docs[1].text.len()) as u64
    );
}

#[test]
fn long_lines_and_summary() {
    let long = "word ".repeat(400_000);
    let line =
        format!("{{\"id\":\"long\",\"text\":\"{long}\"}}\n{{\"id\":\"short\",\"text\":\"s\"}}\n");
    let dir = folder(&[("big.jsonl", line.as_bytes()), ("bad.jsonl", b"{")]);
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    let summary = read_inputs(
        &[dir.path()],
        &ReadOptions::default(),
        |d| docs.push(d),
        |p| problems.push(p),
    )
    .unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].text.len(), long.len());
    assert_eq!(summary.documents, 2);
    assert_eq!(summary.skipped, 1);
    assert_eq!(summary.files, 2);
    assert_eq!(summary.bytes, long.len() as u64 + 1);
}

#[test]
fn fatal_errors() {
    let stdin_twice = read_all(&["-", "-"], &ReadOptions::default());
    assert!(matches!(stdin_twice, Err(InputError::StdinRepeated)));
    let same_fields = read_all(&[Path::new("x")], &ReadOptions::new().text_field("id"));
    assert!(matches!(
        same_fields,
        Err(InputError::InvalidOptions { .. })
    ));
    let missing = chorus_input::open_decompressed(Path::new("/nonexistent/chorus/x.xz"));
    let err = missing.err().unwrap();
    assert!(
        err.to_string().starts_with("/nonexistent/chorus/x.xz: "),
        "{err}"
    );
}

#[test]
fn open_decompressed_reads_any_compression() {
    use std::io::BufRead;
    let dir = folder(&[
        ("t.jsonl.xz", &xz(JSONL)),
        ("u.gz", &gzip(JSONL)),
        ("v", JSONL),
    ]);
    for name in ["t.jsonl.xz", "u.gz", "v"] {
        let reader = chorus_input::open_decompressed(&dir.path().join(name)).unwrap();
        let lines: Vec<String> = reader.lines().map(Result::unwrap).collect();
        assert_eq!(lines.len(), 2, "{name}");
        assert!(lines[1].contains("second record"));
    }
}

#[test]
fn large_json_lines_keep_file_order_across_parallel_batches() {
    // about 12 MB: several 4 MB batches parsed on all threads
    let filler = "word ".repeat(400);
    let mut s = String::new();
    let mut want = Vec::new();
    for i in 1..=6000u64 {
        match i {
            3001 => s.push_str("{\"id\": \"broken\", \n"),
            4500 => s.push_str("{\"id\": \"d10\", \"text\": \"again\"}\n"),
            _ => {
                s.push_str(&format!(
                    "{{\"id\": \"d{i}\", \"text\": \"{i} {filler}\"}}\n"
                ));
                want.push(format!("d{i}"));
            }
        }
    }
    let dir = folder(&[("big.jsonl", s.as_bytes())]);
    let (docs, problems) = read(&[dir.path().join("big.jsonl")]);
    assert_eq!(
        ids(&docs),
        want.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(docs.iter().all(|(id, text)| text.starts_with(&id[1..])));
    let lines: Vec<(Option<u64>, ProblemKind)> =
        problems.iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(lines.len(), 2, "{problems:?}");
    assert_eq!(lines[0], (Some(3001), ProblemKind::InvalidJson));
    assert_eq!(lines[1].0, Some(4500));
    assert!(
        problems[1].reason.contains("duplicate id `d10`"),
        "{problems:?}"
    );
}
