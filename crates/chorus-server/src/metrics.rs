//! Request counters and latency histograms, rendered in the Prometheus text format at
//! `/metrics`. Routes are labelled by their pattern (`/v1/documents/{id}`), never by the raw
//! path, so that the label set stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Data {
    /// (method, route, status) → requests
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route) → latency
    latency: BTreeMap<(String, String), Histogram>,
    cluster_generation: Option<u64>,
    cluster_seconds: f64,
    /// Full cluster computations finished.
    cluster_computes: u64,
    /// Incremental updates: how many, their total and longest time, and the documents the
    /// engine ran over in all.
    cluster_updates: u64,
    cluster_update_seconds: f64,
    cluster_update_max_seconds: f64,
    cluster_update_docs: u64,
    /// Engine runs of the updates, and the time in them and in the neighbour lookups.
    cluster_update_rounds: u64,
    cluster_update_engine_seconds: f64,
    cluster_update_neighbour_seconds: f64,
    /// Candidate pairs of the engine runs taken from the kept alignments, and aligned.
    cluster_update_pairs_reused: u64,
    cluster_update_pairs_aligned: u64,
    cluster_pairs_kept: u64,
    /// The rest of the updates' time: reading documents, the engine's clustering stage,
    /// making and numbering the set.
    cluster_update_read_seconds: f64,
    cluster_update_clustering_seconds: f64,
    cluster_update_assemble_seconds: f64,
    /// Per update, the time from the commit of its oldest write to its publication: the
    /// total and the longest.
    cluster_lag_seconds: f64,
    cluster_lag_max_seconds: f64,
    /// Segments merged after quiet spells of writes.
    segments_merged: u64,
}

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    data: Mutex<Data>,
    /// Connections being served (`connection.rs`).
    pub(crate) connections_open: AtomicU64,
    /// Connections refused over `--max-connections`.
    pub(crate) connections_refused: AtomicU64,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, took: Duration) {
        let mut d = self.data.lock().unwrap_or_else(|e| e.into_inner());
        *d.requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_insert(0) += 1;
        let h = d
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        let s = took.as_secs_f64();
        h.count += 1;
        h.sum += s;
        if let Some(i) = BUCKETS.iter().position(|&b| s <= b) {
            h.counts[i] += 1;
        }
    }

    pub fn segments_merged(&self, n: usize) {
        let mut d = self.data.lock().unwrap_or_else(|e| e.into_inner());
        d.segments_merged += n as u64;
    }

    pub fn cluster_computed(&self, generation: u64, took: Duration) {
        let mut d = self.data.lock().unwrap_or_else(|e| e.into_inner());
        d.cluster_generation = Some(generation);
        d.cluster_seconds = took.as_secs_f64();
        d.cluster_computes += 1;
    }

    /// An incremental update published the clusters of `generation`: it took `took`,
    /// did what `stats` says, and the oldest write it covers was committed `lag` before.
    pub fn clusters_updated(
        &self,
        generation: u64,
        took: Duration,
        stats: &crate::live::UpdateStats,
        lag: Duration,
    ) {
        let affected = stats.affected;
        let mut d = self.data.lock().unwrap_or_else(|e| e.into_inner());
        d.cluster_update_rounds += stats.rounds as u64;
        d.cluster_update_engine_seconds += stats.engine.as_secs_f64();
        d.cluster_update_neighbour_seconds += stats.neighbours.as_secs_f64();
        d.cluster_update_pairs_reused += stats.pairs_reused as u64;
        d.cluster_update_pairs_aligned += stats.pairs_aligned as u64;
        if stats.rounds > 0 {
            d.cluster_pairs_kept = stats.pairs_kept as u64;
        }
        d.cluster_update_read_seconds += stats.read.as_secs_f64();
        d.cluster_update_clustering_seconds += stats.clustering.as_secs_f64();
        d.cluster_update_assemble_seconds += stats.assemble.as_secs_f64();
        d.cluster_lag_seconds += lag.as_secs_f64();
        d.cluster_lag_max_seconds = d.cluster_lag_max_seconds.max(lag.as_secs_f64());
        d.cluster_generation = Some(generation);
        d.cluster_updates += 1;
        d.cluster_update_seconds += took.as_secs_f64();
        d.cluster_update_max_seconds = d.cluster_update_max_seconds.max(took.as_secs_f64());
        d.cluster_update_docs += affected as u64;
    }

    /// The Prometheus text exposition, with the index gauges given.
    pub fn render(
        &self,
        documents: Option<u64>,
        generation: Option<u64>,
        segments: Option<usize>,
        jobs_waiting: usize,
    ) -> String {
        let d = self.data.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str(
            "# HELP chorus_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE chorus_http_requests_total counter\n");
        for ((m, r, s), n) in &d.requests {
            let _ = writeln!(
                out,
                "chorus_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{s}\"}} {n}",
                esc(m),
                esc(r)
            );
        }
        out.push_str("# HELP chorus_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE chorus_http_request_duration_seconds histogram\n");
        for ((m, r), h) in &d.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", esc(m), esc(r));
            let mut cum = 0;
            for (b, c) in BUCKETS.iter().zip(h.counts) {
                cum += c;
                let _ = writeln!(
                    out,
                    "chorus_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {cum}"
                );
            }
            let _ = writeln!(
                out,
                "chorus_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "chorus_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "chorus_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        out.push_str("# HELP chorus_index_documents Live documents in the index.\n");
        out.push_str("# TYPE chorus_index_documents gauge\n");
        let _ = writeln!(out, "chorus_index_documents {}", documents.unwrap_or(0));
        out.push_str(
            "# HELP chorus_index_segments Segment files of the served snapshot (every query \
             looks its fingerprints up in each; `chorus index optimize` merges them).\n",
        );
        out.push_str("# TYPE chorus_index_segments gauge\n");
        let _ = writeln!(out, "chorus_index_segments {}", segments.unwrap_or(0));
        out.push_str(
            "# HELP chorus_jobs_waiting Requests whose index work waits for a worker thread.\n",
        );
        out.push_str("# TYPE chorus_jobs_waiting gauge\n");
        let _ = writeln!(out, "chorus_jobs_waiting {jobs_waiting}");
        out.push_str("# HELP chorus_index_generation Commit generation of the served snapshot.\n");
        out.push_str("# TYPE chorus_index_generation gauge\n");
        let _ = writeln!(out, "chorus_index_generation {}", generation.unwrap_or(0));
        out.push_str("# HELP chorus_clusters_generation Index generation of the cached clusters (-1: none yet).\n");
        out.push_str("# TYPE chorus_clusters_generation gauge\n");
        let _ = writeln!(
            out,
            "chorus_clusters_generation {}",
            d.cluster_generation.map_or(-1, |g| g as i64)
        );
        out.push_str(
            "# HELP chorus_clusters_compute_seconds Time the last cluster computation took.\n",
        );
        out.push_str("# TYPE chorus_clusters_compute_seconds gauge\n");
        let _ = writeln!(out, "chorus_clusters_compute_seconds {}", d.cluster_seconds);
        out.push_str("# HELP chorus_clusters_computes_total Full cluster computations finished.\n");
        out.push_str("# TYPE chorus_clusters_computes_total counter\n");
        let _ = writeln!(out, "chorus_clusters_computes_total {}", d.cluster_computes);
        out.push_str(
            "# HELP chorus_clusters_updates_total Incremental cluster updates after writes.\n",
        );
        out.push_str("# TYPE chorus_clusters_updates_total counter\n");
        let _ = writeln!(out, "chorus_clusters_updates_total {}", d.cluster_updates);
        out.push_str(
            "# HELP chorus_clusters_update_seconds_total Time spent in incremental updates.\n",
        );
        out.push_str("# TYPE chorus_clusters_update_seconds_total counter\n");
        let _ = writeln!(
            out,
            "chorus_clusters_update_seconds_total {}",
            d.cluster_update_seconds
        );
        out.push_str("# HELP chorus_clusters_update_max_seconds The longest incremental update.\n");
        out.push_str("# TYPE chorus_clusters_update_max_seconds gauge\n");
        let _ = writeln!(
            out,
            "chorus_clusters_update_max_seconds {}",
            d.cluster_update_max_seconds
        );
        out.push_str("# HELP chorus_clusters_update_documents_total Documents the engine ran over in incremental updates.\n");
        out.push_str("# TYPE chorus_clusters_update_documents_total counter\n");
        let _ = writeln!(
            out,
            "chorus_clusters_update_documents_total {}",
            d.cluster_update_docs
        );
        out.push_str("# HELP chorus_clusters_update_rounds_total Engine runs of incremental updates (more than one when a run's clusters reach clusters left out).\n");
        out.push_str("# TYPE chorus_clusters_update_rounds_total counter\n");
        let _ = writeln!(
            out,
            "chorus_clusters_update_rounds_total {}",
            d.cluster_update_rounds
        );
        out.push_str("# HELP chorus_clusters_update_engine_seconds_total Time incremental updates spent in the engine.\n");
        out.push_str("# TYPE chorus_clusters_update_engine_seconds_total counter\n");
        let _ = writeln!(
            out,
            "chorus_clusters_update_engine_seconds_total {}",
            d.cluster_update_engine_seconds
        );
        out.push_str("# HELP chorus_clusters_update_neighbour_seconds_total Time incremental updates spent finding the written documents' stored neighbours.\n");
        out.push_str("# TYPE chorus_clusters_update_neighbour_seconds_total counter\n");
        let _ = writeln!(
            out,
            "chorus_clusters_update_neighbour_seconds_total {}",
            d.cluster_update_neighbour_seconds
        );
        out.push_str("# HELP chorus_clusters_update_pairs_reused_total Candidate pairs of incremental updates whose passages were kept from earlier engine runs.\n");
        out.push_str("# TYPE chorus_clusters_update_pairs_reused_total counter\n");
        let _ = writeln!(
            out,
            "chorus_clusters_update_pairs_reused_total {}",
            d.cluster_update_pairs_reused
        );
        out.push_str("# HELP chorus_clusters_update_pairs_aligned_total Candidate pairs incremental updates aligned.\n");
        out.push_str("# TYPE chorus_clusters_update_pairs_aligned_total counter\n");
        let _ = writeln!(
            out,
            "chorus_clusters_update_pairs_aligned_total {}",
            d.cluster_update_pairs_aligned
        );
        out.push_str(
            "# HELP chorus_clusters_pairs_kept Pair alignments kept for incremental updates.\n",
        );
        out.push_str("# TYPE chorus_clusters_pairs_kept gauge\n");
        let _ = writeln!(out, "chorus_clusters_pairs_kept {}", d.cluster_pairs_kept);
        for (name, help, v) in [
            (
                "read",
                "reading the documents of the engine's runs",
                d.cluster_update_read_seconds,
            ),
            (
                "clustering",
                "in the engine's stages after alignment (part of the engine's time)",
                d.cluster_update_clustering_seconds,
            ),
            (
                "assemble",
                "making, numbering and indexing the new set",
                d.cluster_update_assemble_seconds,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP chorus_clusters_update_{name}_seconds_total Time incremental updates spent {help}.\n\
                 # TYPE chorus_clusters_update_{name}_seconds_total counter\n\
                 chorus_clusters_update_{name}_seconds_total {v}"
            );
        }
        out.push_str("# HELP chorus_clusters_lag_seconds_total Per incremental update, the time from the commit of the oldest write it covers to its publication, summed.\n");
        out.push_str("# TYPE chorus_clusters_lag_seconds_total counter\n");
        let _ = writeln!(
            out,
            "chorus_clusters_lag_seconds_total {}",
            d.cluster_lag_seconds
        );
        out.push_str("# HELP chorus_clusters_lag_max_seconds The longest time from a write's commit to the publication of the clusters holding it.\n");
        out.push_str("# TYPE chorus_clusters_lag_max_seconds gauge\n");
        let _ = writeln!(
            out,
            "chorus_clusters_lag_max_seconds {}",
            d.cluster_lag_max_seconds
        );
        out.push_str(
            "# HELP chorus_segments_merged_total Segments of writes merged once writes paused.\n",
        );
        out.push_str("# TYPE chorus_segments_merged_total counter\n");
        let _ = writeln!(out, "chorus_segments_merged_total {}", d.segments_merged);
        out.push_str("# HELP chorus_connections_open Connections being served.\n");
        out.push_str("# TYPE chorus_connections_open gauge\n");
        let open = self.connections_open.load(Ordering::Relaxed);
        let _ = writeln!(out, "chorus_connections_open {open}");
        out.push_str(
            "# HELP chorus_connections_refused_total Connections answered 503 over \
             --max-connections.\n",
        );
        out.push_str("# TYPE chorus_connections_refused_total counter\n");
        let refused = self.connections_refused.load(Ordering::Relaxed);
        let _ = writeln!(out, "chorus_connections_refused_total {refused}");
        out
    }
}
