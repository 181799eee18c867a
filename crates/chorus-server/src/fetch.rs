//! Fetching a pasted URL (only with `--allow-fetch`), safely: http(s) only; every address
//! the host name resolves to is checked *at connection time* (a resolver that drops
//! loopback, private, link-local and other non-public addresses, so that DNS rebinding and
//! redirects to internal hosts are refused too); a bounded number of redirects; a cap on the
//! body size and on the total time. The page's main text is extracted by `chorus-input`.

use crate::address::is_internal;
use crate::error::ApiError;
use crate::state::{AppState, ServerConfig};
use chorus_core::Document;
use std::io;
use std::net::SocketAddr;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

const REFUSED: &str = "refusing to fetch";

/// Resolves as usual, then keeps only the addresses fetching may reach.
#[derive(Debug)]
struct GuardedResolver {
    allow_internal: bool,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let all = DefaultResolver::default().resolve(uri, config, timeout)?;
        if self.allow_internal {
            return Ok(all);
        }
        let mut kept = self.empty();
        let mut refused: Option<SocketAddr> = None;
        for a in all.iter() {
            if is_internal(a.ip()) {
                refused = Some(*a);
            } else {
                kept.push(*a);
            }
        }
        if kept.is_empty() {
            let what = refused.map_or_else(|| "no address".to_owned(), |a| a.ip().to_string());
            return Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{REFUSED} {}: it resolves to {what}, not a public address (loopback, \
                     private, link-local or another special-purpose range)",
                    uri.host().unwrap_or("")
                ),
            )));
        }
        Ok(kept)
    }
}

/// What a fetch gave: the page's main text and metadata.
pub struct Fetched {
    pub document: Document,
}

/// [`fetch_document`] on one of tokio's blocking threads (network I/O, up to the fetch
/// time limit: never on the worker pool of the index work).
pub(crate) async fn fetch(st: &AppState, url: String) -> Result<Fetched, ApiError> {
    st.blocking(move |st| fetch_document(&url, st.config()))
        .await
}

/// Fetches `url` and extracts its main text (blocking).
pub fn fetch_document(url: &str, cfg: &ServerConfig) -> Result<Fetched, ApiError> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(ApiError::FetchRefused(format!(
            "{REFUSED} {url}: only http:// and https:// URLs are fetched"
        )));
    }
    if lower.starts_with("https://") && !cfg!(feature = "https") {
        return Err(ApiError::FetchFailed(
            "cannot fetch an https:// URL: chorus was built without the `https` feature".into(),
        ));
    }
    let config = Config::builder()
        .timeout_global(Some(cfg.fetch_timeout))
        .max_redirects(cfg.fetch_max_redirects)
        .max_redirects_will_error(true)
        .proxy(None)
        .http_status_as_error(false)
        .user_agent(concat!("chorus/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::with_parts(
        config,
        DefaultConnector::default(),
        GuardedResolver {
            allow_internal: cfg.allow_private_fetch,
        },
    );
    let resp = agent.get(url).call().map_err(|e| match &e {
        ureq::Error::Io(io) if io.to_string().starts_with(REFUSED) => {
            ApiError::FetchRefused(io.to_string())
        }
        ureq::Error::TooManyRedirects => ApiError::FetchFailed(format!(
            "cannot fetch {url}: more than {} redirects",
            cfg.fetch_max_redirects
        )),
        _ => ApiError::FetchFailed(format!("cannot fetch {url}: {e}")),
    })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(ApiError::FetchFailed(format!(
            "cannot fetch {url}: HTTP status {}",
            status.as_u16()
        )));
    }
    let body = resp
        .into_body()
        .with_config()
        .limit(cfg.fetch_max_bytes)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => ApiError::FetchFailed(format!(
                "cannot fetch {url}: the page is larger than {} bytes",
                cfg.fetch_max_bytes
            )),
            e => ApiError::FetchFailed(format!("cannot fetch {url}: {e}")),
        })?;
    let mut reader = chorus_input::InputReader::new(chorus_input::ReadOptions::default())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    reader.read_stream(
        url,
        io::Cursor::new(body),
        |d| docs.push(d),
        |p| problems.push(p.to_string()),
    );
    match docs.into_iter().next() {
        Some(document) => Ok(Fetched { document }),
        None => Err(ApiError::FetchFailed(match problems.first() {
            Some(p) => format!("cannot read {url}: {p}"),
            None => format!("cannot read {url}: no text found"),
        })),
    }
}
