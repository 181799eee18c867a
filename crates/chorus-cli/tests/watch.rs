//! `chorus watch` delivering alerts to an https webhook: a receiver on this machine with a
//! certificate the test makes (rcgen) and trusts (`--webhook-ca`), stopped and started
//! between runs of `watch`; every alert must arrive exactly once.

use crate::util::{assert_exit, run_in, stderr, stdout};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A CA, and a server certificate for 127.0.0.1 and localhost signed by it.
struct Pki {
    ca_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn make_pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "chorus test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert_der: cert.der().to_vec(),
        key_der: key.serialize_der(),
    }
}

/// One request the receiver read: its idempotency key, its body, the status it answered.
#[derive(Debug, Clone)]
struct Received {
    key: String,
    body: String,
    status: u16,
}

/// An https receiver on `addr` answering 503 to its first `refuse` requests, 200 after.
struct Receiver {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    fn start(addr: SocketAddr, pki: &Pki, refuse: usize, log: Arc<Mutex<Vec<Received>>>) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![pki.cert_der.clone().into()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(pki.key_der.clone().into()),
            )
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind(addr).expect("the receiver's port is free again");
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut answered = 0usize;
            while !stopping.load(Ordering::SeqCst) {
                let (tcp, _) = match listener.accept() {
                    Ok(c) => c,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                    Err(e) => panic!("accept: {e}"),
                };
                tcp.set_nonblocking(false).unwrap();
                tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let Some((key, body)) = read_request(&mut tls) else {
                    continue;
                };
                let status = if answered < refuse { 503 } else { 200 };
                answered += 1;
                let reason = if status == 200 {
                    "OK"
                } else {
                    "Service Unavailable"
                };
                let _ = write!(
                    tls,
                    "HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
                log.lock().unwrap().push(Received { key, body, status });
            }
        });
        Receiver {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

/// Reads one HTTP request: its idempotency-key header and its body.
fn read_request(stream: &mut impl Read) -> Option<(String, String)> {
    let mut reader = BufReader::new(stream);
    let (mut len, mut key) = (0usize, String::new());
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        if let Some(v) = lower.strip_prefix("idempotency-key:") {
            key = v.trim().to_string();
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((key, String::from_utf8(body).unwrap()))
}

/// JSON Lines of one statement reprinted by `outlets` outlets an hour apart, each with
/// filler of its own.
fn statement_file(statement: &str, tag: &str, outlets: usize) -> String {
    const WORDS: [&str; 16] = [
        "harbour", "council", "garden", "market", "river", "school", "orchard", "library",
        "station", "museum", "theatre", "bakery", "farmer", "teacher", "winter", "summer",
    ];
    let mut x: u64 = tag.bytes().map(u64::from).sum();
    let mut filler = || {
        (0..20)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                WORDS[(x >> 60) as usize]
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    (0..outlets)
        .map(|i| {
            let text = format!("{}. {statement} {}.", filler(), filler());
            serde_json::json!({
                "id": format!("{tag}-{i}"),
                "source": format!("outlet{i}"),
                "date": format!("2025-09-01T{:02}:00:00Z", 8 + i),
                "text": text,
            })
            .to_string()
                + "\n"
        })
        .collect()
}

const STATEMENTS: [&str; 3] = [
    "The ministry of transport confirmed on Friday that the northern rail line will close \
     for six weeks of urgent repairs after engineers found cracks in two of its oldest bridges.",
    "The city council voted late on Tuesday to double the parking fees in the old town and to \
     spend the revenue on new cycle lanes along the river and a free shuttle bus to the station.",
    "Health officials warned on Monday that the heat wave expected this weekend could push \
     temperatures above forty degrees and urged residents to check on elderly neighbours twice a day.",
];

#[test]
fn watch_delivers_every_alert_to_an_https_webhook_exactly_once_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let inbox = p.join("inbox");
    fs::create_dir(&inbox).unwrap();
    let pki = make_pki();
    fs::write(p.join("ca.pem"), &pki.ca_pem).unwrap();
    // a port nothing listens on until the receiver starts
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("https://{addr}/hook");
    let log = Arc::new(Mutex::new(Vec::<Received>::new()));
    let watch = || {
        run_in(
            p,
            &[
                "watch",
                "--index",
                "idx",
                "--dir",
                "inbox",
                "--once",
                "-q",
                "--webhook",
                &url,
                "--webhook-ca",
                "ca.pem",
            ],
        )
    };
    let add = |i: usize| {
        let name = format!("s{i}.jsonl");
        let text = statement_file(STATEMENTS[i], &format!("s{i}"), 6);
        fs::write(inbox.join(name), text).unwrap();
    };
    let mut printed = Vec::new();

    // 1. the receiver is down: the alert is printed, queued, and watch exits 3
    add(0);
    let o = watch();
    assert_exit(&o, 3);
    assert!(
        stderr(&o).contains("0 alert(s) delivered, 2 failed attempt(s), 1 waiting in the outbox"),
        "{}",
        stderr(&o)
    );
    printed.extend(stdout(&o).lines().map(String::from));
    assert_eq!(printed.len(), 1, "one alert: {printed:?}");
    assert!(log.lock().unwrap().is_empty());

    // 2. the receiver is up but answers 503 first: that is not a delivery; the retry is
    let receiver = Receiver::start(addr, &pki, 1, log.clone());
    let o = watch();
    assert_exit(&o, 0);
    assert!(
        stderr(&o).contains("1 alert(s) delivered, 1 failed attempt(s), 0 waiting"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "", "an alert is printed once, when raised");

    // 3. with the receiver up, a new alert goes out at once
    add(1);
    let o = watch();
    assert_exit(&o, 0);
    printed.extend(stdout(&o).lines().map(String::from));
    assert_eq!(printed.len(), 2);

    // 4. the receiver restarts: down while the third alert is raised ...
    drop(receiver);
    add(2);
    let o = watch();
    assert_exit(&o, 3);
    printed.extend(stdout(&o).lines().map(String::from));
    assert_eq!(printed.len(), 3);
    // ... and up again for the next watch, which delivers it
    let _receiver = Receiver::start(addr, &pki, 0, log.clone());
    assert_exit(&watch(), 0);
    // 5. nothing is left to send
    let o = watch();
    assert_exit(&o, 0);
    assert!(stderr(&o).contains("0 alert(s) delivered, 0 failed attempt(s), 0 waiting"));

    let log = log.lock().unwrap().clone();
    let acked: Vec<&Received> = log.iter().filter(|r| r.status == 200).collect();
    let keys: Vec<&str> = acked.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        keys,
        ["chorus-alert-1", "chorus-alert-2", "chorus-alert-3"],
        "{log:?}"
    );
    assert_eq!(log.len(), 4, "one 503, three deliveries: {log:?}");
    for (r, line) in acked.iter().zip(&printed) {
        assert_eq!(&r.body, line, "the webhook gets the alert printed");
    }
    let ids: Vec<u64> = printed
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    let state: serde_json::Value =
        serde_json::from_slice(&fs::read(Path::new(p).join("idx/watch-state.json")).unwrap())
            .unwrap();
    assert_eq!(state["outbox"]["queue"], serde_json::json!([]));
}

#[test]
fn watch_refuses_an_https_webhook_it_cannot_verify_and_keeps_the_alert() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir(p.join("inbox")).unwrap();
    fs::write(
        p.join("inbox/s.jsonl"),
        statement_file(STATEMENTS[0], "s", 6),
    )
    .unwrap();
    let pki = make_pki();
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let _receiver = Receiver::start(addr, &pki, 0, log.clone());
    let url = format!("https://{addr}/hook");
    // without --webhook-ca the test CA is unknown: no delivery, the alert waits
    let o = run_in(
        p,
        &[
            "watch",
            "--index",
            "idx",
            "--dir",
            "inbox",
            "--once",
            "-q",
            "--webhook",
            &url,
        ],
    );
    assert_exit(&o, 3);
    assert!(
        stderr(&o).contains("1 waiting in the outbox"),
        "{}",
        stderr(&o)
    );
    assert!(log.lock().unwrap().is_empty());
}
