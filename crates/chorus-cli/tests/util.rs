use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn chorus() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chorus"));
    c.env_remove("NO_COLOR");
    c
}

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/newsroom")
}

/// Runs chorus with `args`, feeding `stdin`.
pub fn run(args: &[&str], dir: &Path, stdin: &[u8]) -> Output {
    let mut child = chorus()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chorus runs");
    // a child that stops before reading all its input closes the pipe: its exit status and
    // output, checked by the caller, say why, so a broken pipe here is no failure of its own
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "stdin: {e}");
    }
    child.wait_with_output().expect("chorus finishes")
}

/// Runs chorus with `args` in a folder of its own, feeding `stdin`.
pub fn run_piped(args: &[&str], stdin: &str) -> Output {
    let dir = tempfile::tempdir().expect("a temporary folder");
    run(args, dir.path(), stdin.as_bytes())
}

/// Runs chorus with `args` in `dir`, with nothing on standard input.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    run(args, dir, b"")
}

/// Runs chorus with `args` followed by the example folder.
pub fn run_on_examples(args: &[&str]) -> Output {
    chorus()
        .args(args)
        .arg(examples())
        .output()
        .expect("chorus runs")
}

/// Asserts that chorus exited with `code` (showing its stderr if not).
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", stderr(o));
}

/// The stdout of a run that must have exited with 0.
pub fn ok_stdout(o: &Output) -> String {
    assert_exit(o, 0);
    stdout(o)
}

/// The JSON Lines records of `kind` in `out`.
pub fn records_of(out: &str, kind: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|r| r["kind"] == kind)
        .collect()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

/// A statement shared by the test corpora below.
pub const STATEMENT: &str = "The regional transport board confirmed on Friday that the night \
    ferry between North Pier and the islands will stop running at the end of October because \
    of falling passenger numbers and rising fuel costs.";

pub fn jsonl_corpus() -> String {
    let docs = [
        (
            "n1",
            "tide-times",
            "2025-09-01T08:00:00Z",
            format!("Ferry news. {STATEMENT} Timetables follow."),
        ),
        (
            "n2",
            "island-voice",
            "2025-09-01T10:30:00Z",
            format!("“{STATEMENT}” said a spokesperson. Islanders were angry."),
        ),
        (
            "n3",
            "pier-post",
            "2025-09-02T07:00:00+02:00",
            format!(
                "Islanders protest. {} Petition launched.",
                STATEMENT.replace("passenger", "pasenger")
            ),
        ),
        (
            "n4",
            "pier-post",
            "2025-09-03",
            "A story about the harvest festival and its prize marrows.".to_string(),
        ),
    ];
    docs.iter()
        .map(|(id, src, date, text)| {
            serde_json::json!({"id": id, "source": src, "date": date, "text": text, "section": "local"})
                .to_string()
                + "\n"
        })
        .collect()
}
