//! The connection limits over real sockets (`chorus_server::serve` on a loopback port):
//! a client dripping its header is cut off, an idle keep-alive connection is closed, the
//! connection cap answers 503, and an ordinary keep-alive client is served. The limits are
//! short here (hundreds of milliseconds) so that the tests wait little; each waits for an
//! outcome with a generous bound, and asserts the outcome, not a time.

use chorus_server::{AppState, ConnectionLimits, ServerConfig};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const GET: &[u8] = b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n";

/// Starts a server with `limits`; returns its address and the index folder's guard.
async fn start(limits: ConnectionLimits) -> (SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = ServerConfig::new(dir.path().join("index"));
    cfg.connections = limits;
    let state = AppState::new(cfg).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(chorus_server::serve(
        listener,
        state,
        std::future::pending::<()>(),
    ));
    (addr, dir)
}

/// Reads one answer's head and body (content-length framed); `None` at end of stream.
async fn read_answer(s: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    loop {
        let n = match s.read(&mut byte).await {
            Ok(n) => n,
            Err(e) => {
                eprintln!("read error {e}");
                return None;
            }
        };
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Some(text);
            }
        }
    }
}

/// Waits (at most `bound`) for the server to close `s`; true if it did.
async fn closed_within(s: &mut TcpStream, bound: Duration) -> bool {
    let mut b = [0u8; 1024];
    let wait = async {
        loop {
            match s.read(&mut b).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(bound, wait).await.is_ok()
}

fn limits(header_ms: u64, idle_ms: u64, max: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_timeout: Duration::from_millis(header_ms),
        idle_timeout: Duration::from_millis(idle_ms),
        max_connections: max,
    }
}

#[tokio::test]
async fn keep_alive_serves_several_requests() {
    let (addr, _dir) = start(limits(2000, 2000, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    for _ in 0..3 {
        s.write_all(GET).await.unwrap();
        let a = read_answer(&mut s).await.expect("an answer");
        assert!(a.starts_with("HTTP/1.1 200"), "{a}");
    }
}

#[tokio::test]
async fn a_client_dripping_its_header_is_cut_off() {
    // the idle limit is far longer than the gaps between lines: only the header limit acts
    let (addr, _dir) = start(limits(600, 30_000, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    let started = Instant::now();
    let mut cut = false;
    // one header line every 100 ms for at most 20 s; the server must stop it long before
    while started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if s.write_all(b"x-slow: 1\r\n").await.is_err() {
            cut = true;
            break;
        }
        if closed_within(&mut s, Duration::from_millis(1)).await {
            cut = true;
            break;
        }
    }
    assert!(cut, "a header dripped for 20 s was not cut off");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (addr, _dir) = start(limits(30_000, 300, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(GET).await.unwrap();
    let a = read_answer(&mut s).await.expect("an answer");
    assert!(a.starts_with("HTTP/1.1 200"), "{a}");
    assert!(
        closed_within(&mut s, Duration::from_secs(20)).await,
        "an idle connection stayed open 20 s"
    );
    // a connection that never sends anything is closed too
    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(20)).await);
}

#[tokio::test]
async fn connections_over_the_cap_get_503() {
    let (addr, _dir) = start(limits(30_000, 30_000, 2)).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(GET).await.unwrap();
        assert!(
            read_answer(&mut s)
                .await
                .unwrap()
                .starts_with("HTTP/1.1 200")
        );
        held.push(s);
    }
    let mut third = TcpStream::connect(addr).await.unwrap();
    let a = read_answer(&mut third).await.expect("a refusal");
    assert!(a.starts_with("HTTP/1.1 503"), "{a}");
    assert!(a.contains(r#""code":"overloaded""#), "{a}");
    assert!(closed_within(&mut third, Duration::from_secs(20)).await);
    // the refusal is counted (read below, once a connection is free again)
    // once a held connection closes, a new one is served again
    drop(held.pop());
    let started = Instant::now();
    loop {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let _ = s.write_all(GET).await;
        let a = read_answer(&mut s).await.unwrap_or_default();
        if a.starts_with("HTTP/1.1 200") {
            // the closed connection's count may lag its permit on a loaded machine: ask
            // again until it has gone (or fail after the deadline below)
            let metrics_started = Instant::now();
            loop {
                s.write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n")
                    .await
                    .unwrap();
                let m = read_answer(&mut s).await.expect("metrics");
                let refused: u64 = m
                    .lines()
                    .find_map(|l| l.strip_prefix("chorus_connections_refused_total "))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                assert!(refused >= 1, "{m}");
                if m.contains("\nchorus_connections_open 2\n") {
                    break;
                }
                assert!(
                    metrics_started.elapsed() < Duration::from_secs(20),
                    "open connections never back to 2: {m}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never served: {a}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
