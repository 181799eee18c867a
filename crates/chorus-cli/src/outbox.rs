//! The alert outbox of `chorus watch`: durable webhook delivery.
//!
//! An alert is queued in the outbox before anything is sent, and the outbox is part of
//! the watch state that `watch` writes crash-safely (a temporary file, fsynced, renamed
//! over the old one). An alert leaves the outbox only when the webhook answered it with a
//! 2xx status; a refused connection, a timeout or any other status leaves it queued, to be
//! retried with exponential backoff (1 s, 2 s, 4 s, … at most 5 min) while `watch` runs
//! and again by the next `watch` started on the same index. Alerts are posted oldest first,
//! each with its number in the body (`id`) and in an `Idempotency-Key` header
//! (`chorus-alert-<id>`), so a receiver can drop the one duplicate that a crash between
//! its 2xx and the state write could cause. A pass stops at the first failure that is not
//! an HTTP status (the receiver is unreachable: the rest would fail the same way) but goes
//! on past a status error, which may concern that one alert. Delivered alerts, failed
//! attempts and the alerts still queued are counted for `watch`'s summary line and exit
//! code.
//!
//! https works when the `https` feature (on by default) compiles rustls in; the server is
//! checked against Mozilla's roots, or against the PEM certificates of `--webhook-ca`
//! (a private CA, or a self-signed test server).

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest wait between two attempts at one alert, in seconds.
const MAX_BACKOFF_SECS: u64 = 300;

/// Alerts not yet acknowledged by the webhook, oldest first.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Outbox {
    queue: VecDeque<Queued>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Queued {
    /// The alert's number (also in `body`).
    id: u64,
    /// The JSON posted.
    body: String,
    /// Failed attempts so far.
    attempts: u32,
    /// Not to be tried again before this time (Unix seconds).
    next_try: u64,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
}

/// What one delivery pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub delivered: u64,
    pub failed: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Seconds to wait after the `attempts`-th failure: 1, 2, 4, … capped at 5 minutes.
fn backoff(attempts: u32) -> u64 {
    1u64.checked_shl(attempts.saturating_sub(1))
        .unwrap_or(u64::MAX)
        .min(MAX_BACKOFF_SECS)
}

impl Outbox {
    pub fn push(&mut self, id: u64, body: String) {
        self.queue.push_back(Queued {
            id,
            body,
            attempts: 0,
            next_try: 0,
            last_error: None,
        });
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The error of the last failed attempt, if the oldest alert has one.
    pub fn last_error(&self) -> Option<&str> {
        self.queue.front().and_then(|q| q.last_error.as_deref())
    }

    /// Posts the queued alerts that are due (all of them with `all`), oldest first,
    /// calling `save` after each outcome so that the state on disk follows every change.
    pub fn deliver(
        &mut self,
        hook: &Webhook,
        all: bool,
        mut save: impl FnMut(&Outbox) -> anyhow::Result<()>,
    ) -> anyhow::Result<Delivered> {
        let mut done = Delivered::default();
        let mut i = 0;
        while i < self.queue.len() {
            let now = now_secs();
            let q = &mut self.queue[i];
            if !all && q.next_try > now {
                i += 1;
                continue;
            }
            match hook.post(q.id, &q.body) {
                Ok(()) => {
                    self.queue.remove(i);
                    done.delivered += 1;
                    save(self)?;
                }
                Err(e) => {
                    let unreachable = !matches!(e, ureq::Error::StatusCode(_));
                    q.attempts += 1;
                    q.next_try = now + backoff(q.attempts);
                    q.last_error = Some(e.to_string());
                    done.failed += 1;
                    save(self)?;
                    if unreachable {
                        break;
                    }
                    i += 1;
                }
            }
        }
        Ok(done)
    }
}

/// Where alerts are posted, and how.
pub struct Webhook {
    url: String,
    agent: ureq::Agent,
}

impl Webhook {
    /// A webhook for `url` (http:// or https://), trusting the PEM certificates in `ca`
    /// instead of the built-in roots if given.
    pub fn new(url: &str, ca: Option<&Path>) -> anyhow::Result<Webhook> {
        let https = url.starts_with("https://");
        if !https && !url.starts_with("http://") {
            anyhow::bail!("--webhook {url}: not an http:// or https:// URL");
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(concat!("chorus/", env!("CARGO_PKG_VERSION")));
        #[cfg(feature = "https")]
        let config = match ca {
            Some(path) => config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&read_certs(path)?))
                    .build(),
            ),
            None => config,
        };
        #[cfg(not(feature = "https"))]
        if https || ca.is_some() {
            anyhow::bail!(
                "--webhook {url}: this chorus was built without https (cargo feature `https`)"
            );
        }
        Ok(Webhook {
            url: url.to_string(),
            agent: config.build().into(),
        })
    }

    fn post(&self, id: u64, body: &str) -> Result<(), ureq::Error> {
        self.agent
            .post(&self.url)
            .header("content-type", "application/json")
            .header("idempotency-key", format!("chorus-alert-{id}"))
            .send(body.as_bytes())
            .map(drop)
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

/// The certificates of a PEM file.
#[cfg(feature = "https")]
fn read_certs(path: &Path) -> anyhow::Result<Vec<ureq::tls::Certificate<'static>>> {
    use anyhow::Context;
    let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let ureq::tls::PemItem::Certificate(c) =
            item.with_context(|| format!("reading the PEM file {}", path.display()))?
        {
            certs.push(c);
        }
    }
    if certs.is_empty() {
        anyhow::bail!("{}: no PEM certificate in it", path.display());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_five_minutes() {
        let waits: Vec<u64> = (1..=11).map(backoff).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(backoff(200), 300);
    }

    #[test]
    fn a_refused_alert_stays_queued_and_is_not_due_until_its_backoff_passed() {
        // a port nothing listens on: bind one, then free it
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let hook = Webhook::new(&format!("http://127.0.0.1:{port}/"), None).unwrap();
        let mut outbox = Outbox::default();
        outbox.push(1, "{}".into());
        outbox.push(2, "{}".into());
        let mut saves = 0;
        let done = outbox
            .deliver(&hook, false, |_| {
                saves += 1;
                Ok(())
            })
            .unwrap();
        // the pass stops at the unreachable receiver: one failure, both still queued
        assert_eq!(
            done,
            Delivered {
                delivered: 0,
                failed: 1
            }
        );
        assert_eq!((outbox.len(), saves), (2, 1));
        assert!(outbox.last_error().is_some());
        // the first is not due yet, so a due-only pass tries the second only
        let done = outbox.deliver(&hook, false, |_| Ok(())).unwrap();
        assert_eq!(
            done,
            Delivered {
                delivered: 0,
                failed: 1
            }
        );
        assert_eq!(outbox.queue[0].attempts, 1);
        assert_eq!(outbox.queue[1].attempts, 1);
        // a pass over all of them tries again regardless
        outbox.deliver(&hook, true, |_| Ok(())).unwrap();
        assert_eq!(outbox.queue[0].attempts, 2);
    }

    #[test]
    fn a_webhook_must_be_http_or_https() {
        assert!(Webhook::new("ftp://example.invalid/", None).is_err());
        assert!(Webhook::new("http://127.0.0.1:9/", None).is_ok());
    }

    #[test]
    fn https_needs_the_https_feature() {
        let hook = Webhook::new("https://127.0.0.1:9/", None);
        assert_eq!(hook.is_ok(), cfg!(feature = "https"));
    }
}
