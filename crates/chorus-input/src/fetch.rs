//! Fetching a feed or page over HTTP(S) with `ureq` (blocking). `https://` URLs need the
//! `https` cargo feature (rustls); without it they fail with a reason saying so.

use std::io::Read;
use std::time::Duration;

/// GETs `url`, following redirects, and returns the body as a stream, or why it failed.
pub(crate) fn get(url: &str) -> Result<Box<dyn Read + Send>, String> {
    if url.len() >= 8 && url[..8].eq_ignore_ascii_case("https://") && !cfg!(feature = "https") {
        return Err(
            "cannot fetch an https:// URL: chorus was built without the `https` feature".to_owned(),
        );
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .user_agent(concat!("chorus/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    match agent.get(url).call() {
        Ok(response) => Ok(Box::new(response.into_body().into_reader())),
        Err(ureq::Error::StatusCode(code)) => Err(format!("cannot fetch: HTTP status {code}")),
        Err(err) => Err(format!("cannot fetch: {err}")),
    }
}
