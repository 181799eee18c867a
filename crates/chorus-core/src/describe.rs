//! From aligned passages to the [`Report`]: byte spans, clusters, and each cluster's
//! description.
//!
//! [`build_report`] sorts the aligned passages into their canonical order (by document
//! pair, then by token ranges), so that the report does not depend on the order they come
//! in; maps every passage side to exact byte offsets of its original text
//! ([`crate::spans`]), normalising each document involved once (one offset map in memory
//! per thread); extends the sides over the punctuation both copies share; extends the
//! passages kept after the formula decision past sentence ends while the next sentence
//! still matches ([`crate::align::extend_past_sentences`]); clusters the
//! occurrences ([`crate::cluster`]); and describes each cluster: members with their dates,
//! sources and quotation, the earliest member, coordination and propagation
//! ([`crate::analyze`]), claiming a time order only where the dates make it certain
//! ([`crate::when`]). With `Config::list_boilerplate` it also lists the boilerplate,
//! grouped by source and normalised text.

use crate::aligned::PairAlignment;
use crate::analyze::{busiest_window, propagation, quotation};
use crate::boilerplate::Sources;
use crate::cluster::{Occurrence, cluster};
use crate::config::Config;
use crate::error::Result;
use crate::formula::{self, Recurrence};
use crate::order::{ByNumber, DocNum};
use crate::progress::Progress;
use crate::report::{
    Boilerplate, Cluster, ClusterMember, DocumentInfo, Earliest, Edge, Formula, Found, Member,
    Pair, Report, Stats,
};
use crate::spans::token_span;
use crate::token_source::{TokenSource, tokens_with_map};
use crate::when::{self, EarliestUnknown, First, When};
use rayon::prelude::*;
use std::borrow::Cow;

/// `occurrences` (those of the passages `aligned`, as found) with the passages found
/// exactly extended past sentence ends while the next sentence still matches
/// ([`crate::align::extend_past_sentences`]) and mapped to bytes again. It runs after the
/// formula decision, which judges the passages as the aligner stopped them: a frame's
/// next sentence, once its fillers differ, does not match at the passage's level and is
/// not taken, but a damaged copy's stretch past a sentence end holds more of the story's
/// names, damaged, that the decision would read as differing specifics.
fn past_sentences(
    mut occurrences: Vec<(Occurrence, Occurrence)>,
    aligned: &[PairAlignment],
    found: &[Option<Found>],
    docs: &dyn ByNumber,
    tokens: Option<&TokenSource<'_>>,
    blocked: &[(DocNum, &[(u32, u32)])],
    p: &crate::align::AlignParams,
) -> Result<Vec<(Occurrence, Occurrence)>> {
    let blocked_of = |d: DocNum| -> &[(u32, u32)] {
        blocked
            .binary_search_by_key(&d, |b| b.0)
            .map_or(&[], |i| blocked[i].1)
    };
    let get = |d: DocNum| -> Result<crate::token_source::TokenRef<'_>> {
        match tokens {
            Some(t) => t.get(d),
            None => Ok(crate::token_source::TokenRef::Owned(
                crate::tokenize::Tokens::new(&docs.text(d)?),
            )),
        }
    };
    let grown: Vec<Option<PairAlignment>> = aligned
        .par_iter()
        .zip(found)
        .map(|(pa, f)| {
            if *f == Some(Found::Reworded) {
                return Ok(None);
            }
            let (a, b) = (get(pa.a)?, get(pa.b)?);
            let al = crate::align::extend_past_sentences(
                &a,
                &b,
                &pa.alignment,
                p,
                blocked_of(pa.a),
                blocked_of(pa.b),
            );
            Ok(
                (al.a != pa.alignment.a || al.b != pa.alignment.b).then_some(PairAlignment {
                    alignment: al,
                    ..*pa
                }),
            )
        })
        .collect::<Result<_>>()?;
    let picked: Vec<PairAlignment> = grown.iter().flatten().cloned().collect();
    if picked.is_empty() {
        return Ok(occurrences);
    }
    let (mapped, _) = formula::judge_passages(docs, tokens, None, &picked, false)?;
    let at = grown
        .iter()
        .enumerate()
        .filter(|(_, g)| g.is_some())
        .map(|(i, _)| i);
    for (i, o) in at.zip(mapped) {
        occurrences[i] = o;
    }
    Ok(occurrences)
}

/// The report from aligned passages (in any order); see the module documentation.
/// `tokens` are the documents' tokens when the pipeline holds them (else they are made
/// again from the texts), `blocked` the boilerplate token ranges of the documents that have
/// any (listed only with `cfg.list_boilerplate`), and `stats` the counts of the run, to
/// which the passages and clusters are added.
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_report(
    docs: &dyn ByNumber,
    tokens: Option<&TokenSource<'_>>,
    recurrence: Option<&Recurrence>,
    aligned: Vec<PairAlignment>,
    found: Option<Vec<Found>>,
    weak: Vec<PairAlignment>,
    blocked: &[(DocNum, &[(u32, u32)])],
    sources: &Sources,
    mut stats: Stats,
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Report> {
    progress.stage("cluster", 0);
    // copies of one span of a third document aligned directly, re-seeded inside the
    // windows it projects (see crate::through): their passages are judged as any
    let (aligned, found, weak) = if cfg.corroborate && !weak.is_empty() {
        let floor = crate::corroborate::floor(&cfg.align);
        let more = crate::through::align_through(
            &aligned,
            &weak,
            docs,
            tokens,
            blocked,
            sources,
            &cfg.align,
            Some(&floor),
        )?;
        let (more, more_weak) = crate::corroborate::split_weak(more, &cfg.align);
        let found = found.map(|mut f| {
            f.extend(more.iter().map(|_| Found::Exact));
            f
        });
        let (mut aligned, mut weak) = (aligned, weak);
        aligned.extend(more);
        weak.extend(more_weak);
        (aligned, found, weak)
    } else {
        (aligned, found, weak)
    };
    // each passage with how it was found (only with the paraphrase path)
    let mut tagged: Vec<(PairAlignment, Option<Found>)> = match found {
        Some(f) => aligned.into_iter().zip(f.into_iter().map(Some)).collect(),
        None => aligned.into_iter().map(|p| (p, None)).collect(),
    };
    tagged.sort_by(|(x, _), (y, _)| {
        (x.a, x.b, x.alignment.a, x.alignment.b)
            .cmp(&(y.a, y.b, y.alignment.a, y.alignment.b))
            .then(x.alignment.similarity.total_cmp(&y.alignment.similarity))
    });
    let (aligned, found): (Vec<PairAlignment>, Vec<Option<Found>>) = tagged.into_iter().unzip();
    // byte spans and the formula decision (see crate::formula): decided per passage,
    // before clustering, so that no cluster joins documents through a shared frame
    // (reworded passages only by their specifics' own rule: a rewording keeps some
    // specifics and drops others, which is what step 1's differing specifics look like)
    let (occurrences, is_formula) = judge(
        docs,
        tokens,
        recurrence,
        &aligned,
        &found,
        !cfg.keep_formulas,
    )?;
    let (occurrences, aligned, found, formulas) = match is_formula {
        Some(is_formula) => {
            let mut kept = (Vec::new(), Vec::new(), Vec::new());
            let mut out = Vec::new();
            for (((o, p), h), f) in occurrences
                .into_iter()
                .zip(aligned)
                .zip(found)
                .zip(is_formula)
            {
                if f {
                    out.push(o);
                } else {
                    kept.0.push(o);
                    kept.1.push(p);
                    kept.2.push(h);
                }
            }
            (kept.0, kept.1, kept.2, out)
        }
        None => (occurrences, aligned, found, Vec::new()),
    };
    // the weak passages that third documents corroborate (see crate::corroborate) join
    // the passages kept
    let (occurrences, aligned, found) = if cfg.corroborate && !weak.is_empty() {
        let kept = crate::corroborate::corroborated(&aligned, &weak, docs, tokens, sources)?;
        let (mut occurrences, mut aligned, mut found) = (occurrences, aligned, found);
        for (i, o) in kept {
            occurrences.push(o);
            aligned.push(weak[i].clone());
            found.push(None);
        }
        (occurrences, aligned, found)
    } else {
        (occurrences, aligned, found)
    };
    // the passages kept, extended past sentence ends while the next sentence still matches
    // (after the formula decision, which reads the passages as aligned)
    let occurrences = past_sentences(
        occurrences,
        &aligned,
        &found,
        docs,
        tokens,
        blocked,
        &cfg.align,
    )?;
    // the documents the report speaks of: those sharing a passage, and with the formulas
    // listed, those holding one
    let listed = if cfg.list_formulas {
        &formulas[..]
    } else {
        &[]
    };
    let mut involved: Vec<DocNum> = occurrences
        .iter()
        .chain(listed)
        .flat_map(|(x, y)| [x.doc, y.doc])
        .collect();
    involved.sort_unstable();
    involved.dedup();
    let reworded: Vec<bool> = found.iter().map(|f| *f == Some(Found::Reworded)).collect();
    let clustering = crate::cluster::cluster_found(&occurrences, &reworded);

    let member = |o: &Occurrence| Member {
        doc: docs.id(o.doc).to_string(),
        begin: o.span.begin,
        end: o.span.end,
    };
    let mut pairs: Vec<PairOf<'_>> = occurrences
        .iter()
        .zip(&aligned)
        .zip(&found)
        .zip(&clustering.pair_cluster)
        .map(|((((x, y), p), &h), &c)| (c, x, y, p.alignment.similarity, h))
        .collect();
    pairs.sort_by(|x, y| (x.0, x.1, x.2).cmp(&(y.0, y.1, y.2)));
    let clusters: Vec<Cluster> = clustering
        .members
        .par_iter()
        .enumerate()
        .map(|(i, ms)| {
            let lo = pairs.partition_point(|p| p.0 < i as u32);
            let hi = pairs.partition_point(|p| p.0 <= i as u32);
            describe_cluster(i as u32 + 1, ms, &pairs[lo..hi], docs, cfg)
        })
        .collect::<Result<_>>()?;
    let pairs: Vec<Pair> = pairs
        .into_iter()
        .map(|(c, x, y, s, h)| Pair {
            cluster: c + 1,
            a: member(x),
            b: member(y),
            score: s,
            found: h,
        })
        .collect();
    let documents = involved
        .iter()
        .map(|&d| DocumentInfo {
            id: docs.id(d).to_string(),
            meta: docs.meta(d).clone(),
        })
        .collect();
    stats.formula_passages = formulas.len();
    let formulas = if cfg.list_formulas {
        list_formulas(docs, &formulas)?
    } else {
        Vec::new()
    };
    let boilerplate = if cfg.list_boilerplate {
        list_boilerplate(docs, tokens, blocked, sources)?
    } else {
        Vec::new()
    };
    stats.passages = pairs.len();
    stats.reworded_passages = pairs
        .iter()
        .filter(|p| p.found == Some(Found::Reworded))
        .count();
    stats.clusters = clusters.len();
    Ok(Report {
        documents,
        formulas,
        boilerplate,
        stats,
        clusters,
        pairs,
    })
}

/// [`formula::judge_passages`] of the exact passages; the reworded ones (`found`) by
/// [`formula::judge_reworded`] (a template filled with other specifics on both sides).
fn judge(
    docs: &dyn ByNumber,
    tokens: Option<&TokenSource<'_>>,
    recurrence: Option<&Recurrence>,
    aligned: &[PairAlignment],
    found: &[Option<Found>],
    judge: bool,
) -> Result<formula::Judged> {
    if !found.contains(&Some(Found::Reworded)) {
        return formula::judge_passages(docs, tokens, recurrence, aligned, judge);
    }
    let (reworded, exact): (Vec<usize>, Vec<usize>) =
        (0..aligned.len()).partition(|&i| found[i] == Some(Found::Reworded));
    let pick = |ix: &[usize]| ix.iter().map(|&i| aligned[i].clone()).collect::<Vec<_>>();
    let (exact_occ, exact_formula) =
        formula::judge_passages(docs, tokens, recurrence, &pick(&exact), judge)?;
    let (reworded_occ, reworded_formula) =
        formula::judge_reworded(docs, tokens, &pick(&reworded), judge)?;
    let mut occ = vec![None; aligned.len()];
    let mut is_formula = exact_formula.as_ref().map(|_| vec![false; aligned.len()]);
    for (k, (&i, o)) in exact.iter().zip(exact_occ).enumerate() {
        occ[i] = Some(o);
        if let (Some(out), Some(f)) = (&mut is_formula, &exact_formula) {
            out[i] = f[k];
        }
    }
    for (k, (&i, o)) in reworded.iter().zip(reworded_occ).enumerate() {
        occ[i] = Some(o);
        if let (Some(out), Some(f)) = (&mut is_formula, &reworded_formula) {
            out[i] = f[k];
        }
    }
    Ok((
        occ.into_iter()
            .map(|o| o.expect("every passage mapped"))
            .collect(),
        is_formula,
    ))
}

/// One aligned passage in the report: its cluster, its two occurrences, its score and
/// how it was found (with the paraphrase path).
type PairOf<'o> = (u32, &'o Occurrence, &'o Occurrence, f64, Option<Found>);

/// How a member was found: `exact` when an exact passage of its cluster lies on it,
/// else `reworded`; `None` without the paraphrase path.
fn member_found(o: &Occurrence, pairs: &[PairOf<'_>]) -> Option<Found> {
    let mut any = false;
    for &(_, x, y, _, h) in pairs {
        let Some(h) = h else { continue };
        any = true;
        let on = |z: &Occurrence| {
            z.doc == o.doc && z.span.begin < o.span.end && o.span.begin < z.span.end
        };
        if h == Found::Exact && (on(x) || on(y)) {
            return Some(Found::Exact);
        }
    }
    any.then_some(Found::Reworded)
}

/// A cluster's report record: members with their dates, sources and quotation, the
/// earliest member when it is certain, coordination, and propagation edges where the
/// order is certain (see [`crate::analyze`] and [`crate::when`]).
fn describe_cluster(
    id: u32,
    occurrences: &[Occurrence],
    pairs: &[PairOf<'_>],
    docs: &dyn ByNumber,
    cfg: &Config,
) -> Result<Cluster> {
    // occurrences are sorted by (document number, span), and numbers follow the first
    // second each date allows, undated last: the member documents, each once, with their
    // times
    let mut times: Vec<(DocNum, Option<When>)> = occurrences
        .iter()
        .map(|o| (o.doc, docs.meta(o.doc).when()))
        .collect();
    times.dedup_by_key(|t| t.0);
    let time_of = |d: DocNum| {
        let at = times.binary_search_by_key(&d, |t| t.0).ok()?;
        times[at].1
    };
    let members: Vec<ClusterMember> = occurrences
        .iter()
        .map(|o| {
            let meta = docs.meta(o.doc);
            let q = quotation(&docs.text(o.doc)?, o.span);
            Ok(ClusterMember {
                doc: docs.id(o.doc).to_string(),
                begin: o.span.begin,
                end: o.span.end,
                date: meta.date.clone().filter(|_| time_of(o.doc).is_some()),
                source: meta.outlet().map(Cow::into_owned),
                quoted: q.quoted,
                reuse: q.reuse().to_string(),
                attribution: q.attribution,
                credit: q.credit,
                found: member_found(o, pairs),
            })
        })
        .collect::<Result<_>>()?;
    let (earliest, earliest_unknown) = match when::earliest(&times) {
        First::Known(d) => {
            let k = occurrences
                .iter()
                .position(|o| o.doc == d)
                .expect("a member");
            let e = Earliest {
                doc: members[k].doc.clone(),
                begin: members[k].begin,
                end: members[k].end,
                date: members[k].date.clone(),
                source: members[k].source.clone(),
            };
            (Some(e), None)
        }
        First::Undated => (None, Some(EarliestUnknown::Undated)),
        First::Tie(ds) => {
            let docs = ds.iter().map(|&d| docs.id(d).to_string()).collect();
            (None, Some(EarliestUnknown::Tie { docs }))
        }
    };
    let undated = times.iter().filter(|t| t.1.is_none()).count();
    let timed: Vec<(When, Cow<'_, str>)> = occurrences
        .iter()
        .filter_map(|o| Some((time_of(o.doc)?, docs.meta(o.doc).outlet()?)))
        .collect();
    let timed: Vec<(When, &str)> = timed.iter().map(|(t, s)| (*t, s.as_ref())).collect();
    let coordination = busiest_window(&timed, cfg.window_secs);
    let in_window = coordination.as_ref().map_or(0, |c| c.sources_in_window);
    let propagation = propagation(
        pairs.iter().map(|&(_, x, y, s, _)| (x.doc, y.doc, s)),
        time_of,
    )
    .into_iter()
    .map(|(early, late, score)| Edge {
        from: docs.id(early).to_string(),
        to: docs.id(late).to_string(),
        score,
    })
    .collect();
    let first = &occurrences[0];
    Ok(Cluster {
        id,
        text: docs.text(first.doc)?[first.span.begin..first.span.end].to_string(),
        earliest,
        earliest_unknown,
        undated,
        coordinated: in_window >= cfg.min_sources,
        coordination_score: in_window as f64 / cfg.min_sources as f64,
        coordination,
        members,
        propagation,
    })
}

/// Groups the formula passages (pairs of occurrences) into formulas: the occurrences
/// joined as [`cluster`] joins passages, each group with the documents, outlets and dates
/// it spans.
fn list_formulas(docs: &dyn ByNumber, pairs: &[(Occurrence, Occurrence)]) -> Result<Vec<Formula>> {
    let groups = cluster(pairs);
    groups
        .members
        .iter()
        .enumerate()
        .map(|(i, members)| {
            let first = &members[0];
            let mut outlets: Vec<Cow<'_, str>> = members
                .iter()
                .filter_map(|o| docs.meta(o.doc).outlet())
                .collect();
            outlets.sort_unstable();
            outlets.dedup();
            let mut dated: Vec<(i64, &str)> = members
                .iter()
                .filter_map(|o| {
                    let m = docs.meta(o.doc);
                    Some((m.timestamp()?, m.date.as_deref()?))
                })
                .collect();
            dated.sort_unstable();
            let mut documents: Vec<DocNum> = members.iter().map(|o| o.doc).collect();
            documents.dedup();
            Ok(Formula {
                id: i as u32 + 1,
                text: docs.text(first.doc)?[first.span.begin..first.span.end].to_string(),
                documents: documents.len(),
                outlets: outlets.len(),
                first_date: dated.first().map(|d| d.1.to_string()),
                last_date: dated.last().map(|d| d.1.to_string()),
                members: members
                    .iter()
                    .map(|o| Member {
                        doc: docs.id(o.doc).to_string(),
                        begin: o.span.begin,
                        end: o.span.end,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Groups boilerplate occurrences (the token ranges `blocked` of each document that has
/// any) by source and normalised text.
fn list_boilerplate(
    docs: &dyn ByNumber,
    tokens: Option<&TokenSource<'_>>,
    blocked: &[(DocNum, &[(u32, u32)])],
    sources: &Sources,
) -> Result<Vec<Boilerplate>> {
    type Item = ((u32, String), (Member, DocNum));
    let items: Vec<Vec<Item>> = blocked
        .par_iter()
        .map(|&(d, ranges)| {
            let text = docs.text(d)?;
            let (t, map) = tokens_with_map(tokens, d, &text);
            Ok(ranges
                .iter()
                .map(|&(b, e)| {
                    let (nb, ne) = (t.ranges.start(b as usize), t.ranges.end(e as usize - 1));
                    let key = (
                        sources.of_doc[d.index()],
                        t.norm[nb as usize..ne as usize].to_string(),
                    );
                    let span = token_span(&t, &map, (b, e));
                    let m = Member {
                        doc: docs.id(d).to_string(),
                        begin: span.begin,
                        end: span.end,
                    };
                    (key, (m, d))
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    let mut groups: std::collections::BTreeMap<(u32, String), Vec<(Member, DocNum)>> =
        Default::default();
    for (k, m) in items.into_iter().flatten() {
        groups.entry(k).or_default().push(m);
    }
    let mut out: Vec<Boilerplate> = groups
        .into_values()
        .map(|members| {
            let (first, d) = &members[0];
            Ok(Boilerplate {
                source: docs.meta(*d).outlet().map(Cow::into_owned),
                text: docs.text(*d)?[first.begin..first.end].to_string(),
                members: members.into_iter().map(|(m, _)| m).collect(),
            })
        })
        .collect::<Result<_>>()?;
    out.sort_by(|x, y| {
        (&x.source, std::cmp::Reverse(x.members.len()), &x.text).cmp(&(
            &y.source,
            std::cmp::Reverse(y.members.len()),
            &y.text,
        ))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::report::EarliestUnknown;
    use crate::{Config, Document, NoProgress, find};

    /// Documents printing one passage amid their own words (no frame around it), with the
    /// given dates.
    fn dated(dates: &[(&str, Option<&str>)]) -> Vec<Document> {
        let passage = "The committee announced on Tuesday that the harbour bridge will close \
                       for repairs until the end of the summer season.";
        let around = [
            ("Morning bulletin.", "Traffic was light."),
            ("City desk.", "More follows later today."),
            ("Harbour news in brief.", "Ferries run as usual."),
            ("Weekend edition.", "Readers may write to us."),
        ];
        dates
            .iter()
            .enumerate()
            .map(|(i, &(id, date))| {
                let (lead, tail) = around[i % around.len()];
                let mut d = Document::new(id, format!("{lead} {passage} {tail}"));
                d.meta.date = date.map(str::to_string);
                d
            })
            .collect()
    }

    #[test]
    fn the_report_claims_a_time_order_only_where_the_dates_make_it_certain() {
        let run = |docs: &[Document]| {
            let r = find(docs, &Config::default(), &NoProgress).unwrap();
            assert_eq!(r.clusters.len(), 1);
            r.clusters.into_iter().next().unwrap()
        };
        // no dates, or dates nobody can read: no earliest, no direction
        let c = run(&dated(&[
            ("a", None),
            ("b", Some("03/04/2025")),
            ("c", None),
        ]));
        assert_eq!(c.earliest, None);
        assert_eq!(c.earliest_unknown, Some(EarliestUnknown::Undated));
        assert_eq!(c.undated, 3);
        assert!(c.propagation.is_empty());
        assert!(c.members.iter().all(|m| m.date.is_none()));
        // a date-only member ties with a timestamp of its day
        let c = run(&dated(&[
            ("a", Some("2025-03-03T08:30:00Z")),
            ("b", Some("2025-03-03")),
            ("c", Some("2025-03-05T10:00:00+01:00")),
        ]));
        assert_eq!(c.earliest, None);
        let tie = vec!["b".to_string(), "a".to_string()];
        assert_eq!(c.earliest_unknown, Some(EarliestUnknown::Tie { docs: tie }));
        assert_eq!(c.undated, 0);
        assert!(c.propagation.iter().all(|e| e.to == "c"));
        assert_eq!(c.propagation.len(), 1);
        // certain: the earliest is named, every edge points forward in time
        let c = run(&dated(&[
            ("a", Some("2025-03-03T08:30:00Z")),
            ("b", Some("2025-03-02")),
            ("c", Some("Wed, 05 Mar 2025 10:00:00 +0100")),
            ("d", None),
        ]));
        let e = c.earliest.unwrap();
        assert_eq!(
            (e.doc.as_str(), e.date.as_deref()),
            ("b", Some("2025-03-02"))
        );
        assert_eq!(c.earliest_unknown, None);
        assert_eq!(c.undated, 1);
        let edges: Vec<(&str, &str)> = c
            .propagation
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str()))
            .collect();
        assert_eq!(edges.len(), 2);
        assert!(edges.iter().all(|e| e.1 != "b" && e.0 != "d" && e.1 != "d"));
        let order: Vec<&str> = c.members.iter().map(|m| m.doc.as_str()).collect();
        assert_eq!(order, ["b", "a", "c", "d"]);
    }

    /// Notices from one template with other specifics share a frame, not a passage: they are
    /// kept out of clusters and of the documents the report lists, and listed on request.
    #[test]
    fn formulas_are_kept_out_and_listed_on_request() {
        let notice = |company: &str, cts: u32, day: u32| {
            format!(
                "Markets were calm. {company} said its board declared a quarterly dividend of \
                 {cts} cts per share, payable April {day} to holders of record March {} at the \
                 close of business on that day.",
                day - 10
            )
        };
        let story = "Mayor Ines Calder called the failure a warning we cannot ignore and said \
                     the council would bring forward a vote on a ten-year programme to replace \
                     the oldest pipes in the city.";
        let docs = vec![
            Document::new("n1", notice("Meadow Mills Inc", 12, 30)),
            Document::new("n2", notice("Harbor Steel Corp", 59, 27)),
            Document::new("s1", format!("Dock Street news. {story} More later.")),
            Document::new("s2", format!("From the wire: {story}")),
        ];
        let ids = |r: &crate::Report| -> Vec<String> {
            r.documents.iter().map(|d| d.id.clone()).collect()
        };
        let r = find(&docs, &Config::default(), &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 1);
        assert_eq!(ids(&r), ["s1", "s2"]);
        assert!(r.stats.formula_passages >= 1);
        assert!(r.formulas.is_empty());
        let cfg = Config {
            list_formulas: true,
            ..Config::default()
        };
        let r = find(&docs, &cfg, &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 1);
        assert_eq!(ids(&r), ["n1", "n2", "s1", "s2"]);
        assert_eq!(r.formulas.len(), 1);
        assert_eq!(r.formulas[0].documents, 2);
        assert!(
            r.formulas[0]
                .text
                .contains("declared a quarterly dividend of")
        );
        // and kept as reuse when asked
        let cfg = Config {
            keep_formulas: true,
            ..Config::default()
        };
        let r = find(&docs, &cfg, &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 2);
        assert_eq!(r.stats.formula_passages, 0);
    }
}
