//! `chorus serve`: the HTTP API and web page over an index (chorus-server).

use crate::commands::index::DEFAULT_INDEX;
use anyhow::Context;
use chorus_server::ServerConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The index folder (created by the first write if absent).
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// Address to listen on. Only this machine can connect by default.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Bearer token that allows writes (POST/DELETE /v1/documents); without it (or
    /// CHORUS_TOKEN) the server is read-only.
    #[arg(long)]
    pub token: Option<String>,
    /// Fetch URLs pasted into the page or given to /v1/query.
    #[arg(long)]
    pub allow_fetch: bool,
    /// Let fetches reach loopback, private and link-local addresses (refused by default).
    #[arg(long, requires = "allow_fetch")]
    pub allow_private_fetch: bool,
    /// Redirects a fetch follows.
    #[arg(long, default_value_t = 5)]
    pub fetch_max_redirects: u32,
    /// Largest page a fetch reads, in MiB.
    #[arg(long, default_value_t = 5)]
    pub fetch_max_mb: u64,
    /// Time limit of a fetch, in seconds.
    #[arg(long, default_value_t = 10)]
    pub fetch_timeout: u64,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 16)]
    pub max_body_mb: usize,
    /// Largest query text, in KiB.
    #[arg(long, default_value_t = 1024)]
    pub max_query_kb: usize,
    /// Allow cross-origin requests from this origin (repeatable); CORS is off by default.
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// Time limit of a request, in seconds.
    #[arg(long, default_value_t = 60)]
    pub request_timeout: u64,
    /// Longest wait for a request's complete head (request line and headers), in seconds,
    /// from when a connection starts waiting for a request.
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds after which a connection with no request in progress and no bytes moving
    /// (an idle keep-alive connection) is closed.
    #[arg(long, default_value_t = 5)]
    pub idle_timeout: u64,
    /// Connections open at once; more are answered 503 and closed (keep it under the
    /// process's file-descriptor limit, `ulimit -n`).
    #[arg(long, default_value_t = 512)]
    pub max_connections: usize,
    /// How long a query waits for the clusters of a changed index before answering without
    /// them, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub cluster_wait_ms: u64,
    /// Seconds without a write changing a document after which the clusters, kept up to
    /// date write by write meanwhile, are recomputed over the whole corpus in the
    /// background (the authority: `as_of.exact` turns true once it is published).
    #[arg(long, default_value_t = 30)]
    pub cluster_exact_after: u64,
    /// While writes go on, the longest time in seconds from the first write after a full
    /// recompute of the clusters to the start of the next one.
    #[arg(long, default_value_t = 600)]
    pub cluster_exact_every: u64,
    /// Seconds without a write after which a writable server merges the segments its
    /// writes left into one (0: never).
    #[arg(long, default_value_t = 30)]
    pub merge_after: u64,
    /// Threads running the requests' index work (queries, document reads, cluster pages),
    /// which waits its turn in the order the requests came; as many read and write the
    /// connections (default: the number of cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Documents aligned against each query.
    #[arg(long, default_value_t = 32)]
    pub max_candidates: usize,
    /// Fingerprints found in more documents than this are ignored (boilerplate).
    #[arg(long, default_value_t = 1000)]
    pub max_df: usize,
}

pub fn run(args: &ServeArgs) -> anyhow::Result<i32> {
    let mut cfg = ServerConfig::new(&args.index);
    cfg.token = args
        .token
        .clone()
        .or_else(|| std::env::var("CHORUS_TOKEN").ok())
        .filter(|t| !t.is_empty());
    cfg.allow_fetch = args.allow_fetch;
    cfg.allow_private_fetch = args.allow_private_fetch;
    cfg.fetch_max_redirects = args.fetch_max_redirects;
    cfg.fetch_max_bytes = args.fetch_max_mb << 20;
    cfg.fetch_timeout = Duration::from_secs(args.fetch_timeout.max(1));
    cfg.max_body_bytes = args.max_body_mb.max(1) << 20;
    cfg.max_query_bytes = args.max_query_kb.max(1) << 10;
    cfg.cors_origins = args.cors_origins.clone();
    cfg.request_timeout = Duration::from_secs(args.request_timeout.max(1));
    cfg.connections = chorus_server::ConnectionLimits {
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
        max_connections: args.max_connections.max(1),
    };
    cfg.cluster_wait = Duration::from_millis(args.cluster_wait_ms);
    cfg.cluster_exact_after = Duration::from_secs(args.cluster_exact_after);
    cfg.cluster_exact_every = Duration::from_secs(args.cluster_exact_every.max(1));
    cfg.merge_after = (args.merge_after > 0).then(|| Duration::from_secs(args.merge_after));
    if let Some(n) = args.threads {
        cfg.threads = n.max(1);
    }
    cfg.query.max_candidates = args.max_candidates;
    cfg.query.max_df = args.max_df;
    let writable = cfg.token.is_some();
    let index = args.index.display().to_string();
    chorus_server::run_blocking(cfg, args.bind, |addr| {
        eprintln!(
            "chorus: serving {index} on http://{addr}/ ({})",
            if writable {
                "writes need the token"
            } else {
                "read-only"
            }
        );
    })
    .map_err(|e| anyhow::anyhow!(e))
    .context("serving")?;
    Ok(0)
}
