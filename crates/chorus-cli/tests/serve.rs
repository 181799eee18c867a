//! `chorus serve`: several threads answering over kept-alive connections, and a clean stop
//! on SIGTERM.

use crate::util::{STATEMENT, chorus, jsonl_corpus, run, stderr};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Sends one HTTP/1.1 request on a kept-alive connection; returns status and body.
fn request(conn: &mut BufReader<TcpStream>, method: &str, path: &str, body: &str) -> (u16, String) {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let tcp = conn.get_mut();
    tcp.write_all(head.as_bytes()).unwrap();
    tcp.write_all(body.as_bytes()).unwrap();
    let mut status = String::new();
    conn.read_line(&mut status).unwrap();
    let code: u16 = status.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        conn.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body).unwrap();
    (code, String::from_utf8(body).unwrap())
}

/// Kills the server if the test fails before it stops it.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn threads_answer_kept_alive_connections_and_stop_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("news.jsonl"), jsonl_corpus()).unwrap();
    let o = run(&["index", "add", "news.jsonl"], dir.path(), b"");
    assert!(o.status.success(), "{}", stderr(&o));

    let mut server = Running(
        chorus()
            .args(["serve", "--bind", "127.0.0.1:0", "--threads", "3"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut log = BufReader::new(server.0.stderr.take().unwrap());
    let mut ready = String::new();
    log.read_line(&mut ready).unwrap();
    let addr = ready
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {ready:?}"))
        .to_string();

    // more connections than threads, each used for several requests: the connections are
    // spread over the threads, and each keeps being answered on its own
    let query = serde_json::json!({ "text": format!("Digest. {STATEMENT} More.") }).to_string();
    let mut conns: Vec<_> = (0..5)
        .map(|_| BufReader::new(TcpStream::connect(&addr).unwrap()))
        .collect();
    let mut first: Option<String> = None;
    for round in 0..3 {
        for (i, c) in conns.iter_mut().enumerate() {
            let (code, body) = request(c, "POST", "/v1/query", &query);
            assert_eq!(code, 200, "round {round}, connection {i}: {body}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["stats"]["matches"], 3, "{body}");
            // the same passages whichever thread answers (provenance may come later)
            let passages: Vec<_> = v["matches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| (m["id"].to_string(), m["passages"].to_string()))
                .collect();
            let passages = format!("{passages:?}");
            assert_eq!(&passages, first.get_or_insert_with(|| passages.clone()));
            let (code, body) = request(c, "GET", "/healthz", "");
            assert_eq!(code, 200, "{body}");
        }
    }
    let (code, body) = request(
        &mut conns[0],
        "POST",
        "/v1/documents",
        r#"{"documents": []}"#,
    );
    assert_eq!(code, 403, "read-only without a token: {body}");
    drop(conns);

    let kill = std::process::Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}
