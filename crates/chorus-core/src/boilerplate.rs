//! Boilerplate: text a source repeats across its own documents (a copyright line, a
//! newsletter prompt, a byline template), kept out of the results.
//!
//! Documents are grouped into *sources* by [`Metadata::outlet`] and into *sites* by
//! [`Metadata::host`] ([`Sources`]); a document without one is a source (or site) of its
//! own. A fingerprint that one source (or site) prints in at least `boilerplate_min_docs`
//! of its documents and in at least `boilerplate_share` of all its documents is that
//! source's boilerplate: its occurrences there seed no candidate pair (the candidate stage
//! asks `strip_boilerplate` for every fingerprint group), and the token ranges they
//! cover ([`blocked_ranges`]) are where no alignment may extend. Other sources printing the
//! same words are not affected. Sites matter because one source may publish several sites,
//! each with its own templates. The report lists the occurrences on request
//! (`Config::list_boilerplate`).
//!
//! A run over part of a larger collection (an incremental update of the clusters of an
//! index) can give the collection's source and site sizes ([`SourceSizes`], through
//! [`crate::Corpus::collection_sizes`]): the share is then of the source's documents in the
//! collection, so that a few documents of one source that the run holds together are not
//! taken for its boilerplate.
//!
//! [`Metadata::outlet`]: crate::document::Metadata::outlet
//! [`Metadata::host`]: crate::document::Metadata::host

use crate::config::SeedLimits;
use crate::document::Metadata;
use crate::index::Posting;
use std::collections::HashMap;

/// How many documents of a collection each named source ([`Metadata::outlet`]) and site
/// ([`Metadata::host`]) has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSizes {
    pub sources: HashMap<String, u32>,
    pub sites: HashMap<String, u32>,
}

impl SourceSizes {
    /// The sizes of the documents with metadata `metas`.
    pub fn of<'m>(metas: impl Iterator<Item = &'m Metadata>) -> SourceSizes {
        let mut s = SourceSizes::default();
        for m in metas {
            s.add(m);
        }
        s
    }

    /// Counts one more document with metadata `m`.
    pub fn add(&mut self, m: &Metadata) {
        if let Some(o) = m.outlet() {
            *self.sources.entry(o.into_owned()).or_default() += 1;
        }
        if let Some(h) = m.host() {
            *self.sites.entry(h.into_owned()).or_default() += 1;
        }
    }

    /// Counts one document with metadata `m` less.
    pub fn remove(&mut self, m: &Metadata) {
        for (map, key) in [(&mut self.sources, m.outlet()), (&mut self.sites, m.host())] {
            if let Some(k) = key
                && let Some(n) = map.get_mut(k.as_ref())
            {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(k.as_ref());
                }
            }
        }
    }
}

/// Which source each document belongs to, and how many documents each source has; the
/// same for sites (URL hosts), when documents have URLs. Indexed by document number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// Source number of each document.
    pub of_doc: Vec<u32>,
    /// Number of documents of each source.
    pub size: Vec<u32>,
    /// Site number of each document (empty: no sites known).
    pub site_of_doc: Vec<u32>,
    /// Number of documents of each site.
    pub site_size: Vec<u32>,
}

impl Sources {
    /// Every document in one source.
    pub fn single(docs: usize) -> Sources {
        Sources {
            of_doc: vec![0; docs],
            size: vec![docs as u32],
            ..Sources::default()
        }
    }

    /// The sources and sites of documents given their metadata in document-number order:
    /// named sources (and sites) are numbered in name order, then each document without
    /// one is a group of its own.
    pub fn of<'m>(metas: impl Iterator<Item = &'m Metadata> + Clone) -> Sources {
        let (of_doc, size) = group_by(metas.clone(), |m| m.outlet());
        let any_site = metas.clone().any(|m| m.host().is_some());
        let (site_of_doc, site_size) = if any_site {
            group_by(metas, |m| m.host())
        } else {
            (Vec::new(), Vec::new())
        };
        Sources {
            of_doc,
            size,
            site_of_doc,
            site_size,
        }
    }
}

impl Sources {
    /// [`Sources::of`], each named source's and site's size raised to its size in the
    /// `collection` the documents are part of.
    pub fn of_collection<'m>(
        metas: impl Iterator<Item = &'m Metadata> + Clone,
        collection: &SourceSizes,
    ) -> Sources {
        let mut s = Sources::of(metas.clone());
        let mut done = vec![false; s.size.len()];
        let mut site_done = vec![false; s.site_size.len()];
        for (d, m) in metas.enumerate() {
            let g = s.of_doc[d] as usize;
            if !done[g] {
                done[g] = true;
                if let Some(n) = m.outlet().and_then(|o| collection.sources.get(o.as_ref())) {
                    s.size[g] = s.size[g].max(*n);
                }
            }
            if let Some(&g) = s.site_of_doc.get(d) {
                let g = g as usize;
                if !site_done[g] {
                    site_done[g] = true;
                    if let Some(n) = m.host().and_then(|h| collection.sites.get(h.as_ref())) {
                        s.site_size[g] = s.site_size[g].max(*n);
                    }
                }
            }
        }
        s
    }
}

/// Groups the documents (in order) by `key`: a document without one is a group of its own.
/// Returns the group of each document and the size of each group.
fn group_by<'m, K: Ord>(
    metas: impl Iterator<Item = &'m Metadata> + Clone,
    key: impl Fn(&'m Metadata) -> Option<K>,
) -> (Vec<u32>, Vec<u32>) {
    let mut names: Vec<K> = metas.clone().filter_map(&key).collect();
    names.sort_unstable();
    names.dedup();
    let mut size = vec![0u32; names.len()];
    let of_doc: Vec<u32> = metas
        .map(|m| match key(m) {
            Some(n) => names.binary_search(&n).expect("present") as u32,
            None => {
                size.push(0);
                (size.len() - 1) as u32
            }
        })
        .collect();
    for &s in &of_doc {
        size[s as usize] += 1;
    }
    (of_doc, size)
}

/// Reusable buffers of [`strip_boilerplate`].
#[derive(Debug, Default)]
pub(crate) struct BoilerplateScratch {
    per_source: Vec<(u32, bool)>,
    per_site: Vec<(u32, bool)>,
}

/// Sorts the groups (sources or sites, `of_doc`) of the documents in `runs` into `out`, each
/// with whether the fingerprint is boilerplate there: in at least `boilerplate_min_docs` of
/// the group's documents and at least `boilerplate_share` of all of them. True when any is.
fn boilerplate_groups(
    runs: &[&[Posting]],
    of_doc: &[u32],
    size: &[u32],
    lim: &SeedLimits,
    out: &mut Vec<(u32, bool)>,
) -> bool {
    let mut counted: Vec<u32> = runs.iter().map(|r| of_doc[r[0].doc as usize]).collect();
    counted.sort_unstable();
    out.clear();
    let mut any = false;
    for g in counted.chunk_by(|x, y| x == y) {
        let n = g.len();
        let is = n >= lim.boilerplate_min_docs
            && n as f64 >= lim.boilerplate_share * size[g[0] as usize] as f64;
        any |= is;
        out.push((g[0], is));
    }
    any
}

/// Removes from `runs` (the postings of one fingerprint, one run per document) the runs of
/// the documents whose source or site has the fingerprint as boilerplate, adding their
/// `(doc, pos)` to `boilerplate` when given.
pub(crate) fn strip_boilerplate(
    runs: &mut Vec<&[Posting]>,
    lim: &SeedLimits,
    sources: &Sources,
    scratch: &mut BoilerplateScratch,
    mut boilerplate: Option<&mut Vec<(u32, u32)>>,
) {
    if lim.boilerplate_share > 1.0 || runs.len() < lim.boilerplate_min_docs {
        return;
    }
    let BoilerplateScratch {
        per_source,
        per_site,
    } = scratch;
    let by_source = boilerplate_groups(runs, &sources.of_doc, &sources.size, lim, per_source);
    let by_site = !sources.site_of_doc.is_empty()
        && boilerplate_groups(
            runs,
            &sources.site_of_doc,
            &sources.site_size,
            lim,
            per_site,
        );
    if !(by_source || by_site) {
        return;
    }
    let listed = |groups: &[(u32, bool)], g: u32| {
        let i = groups.partition_point(|x| x.0 < g);
        groups.get(i).is_some_and(|x| x.0 == g && x.1)
    };
    runs.retain(|r| {
        let d = r[0].doc as usize;
        let is = (by_source && listed(per_source, sources.of_doc[d]))
            || (by_site && listed(per_site, sources.site_of_doc[d]));
        if is && let Some(b) = boilerplate.as_deref_mut() {
            b.extend(r.iter().map(|p| (p.doc, p.pos)));
        }
        !is
    });
}

/// The token ranges of one document covered by its boilerplate `n`-grams starting at
/// `positions` (sorted): sorted, overlapping ones merged.
pub fn blocked_ranges(positions: impl IntoIterator<Item = u32>, n: usize) -> Vec<(u32, u32)> {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for pos in positions {
        let (b, e) = (pos, pos + n as u32);
        match ranges.last_mut() {
            Some(last) if b <= last.1 => last.1 = last.1.max(e),
            _ => ranges.push((b, e)),
        }
    }
    ranges
}

/// Per document number, [`blocked_ranges`] of the boilerplate occurrences `occ` (`(doc,
/// pos)`, sorted).
pub(crate) fn blocked_by_doc(occ: &[(u32, u32)], docs: usize, n: usize) -> Vec<Vec<(u32, u32)>> {
    let mut out = vec![Vec::new(); docs];
    for run in occ.chunk_by(|x, y| x.0 == y.0) {
        out[run[0].0 as usize] = blocked_ranges(run.iter().map(|o| o.1), n);
    }
    out
}
