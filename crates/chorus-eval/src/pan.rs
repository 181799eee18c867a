//! PAN text-alignment measures at character level (Potthast et al., COLING 2010).
//!
//! A case `s` and a detection `r` are each a pair of character ranges in two documents.
//! Both are oriented (the lower document index first) so that the document pair is
//! unordered. `r` *detects* `s` when they concern the same document pair and overlap on both
//! sides (PAN's `is_overlapping`). With `s ⊓ r` the characters of `s ∩ r` when `r` detects
//! `s` (nothing otherwise), counted on both sides:
//!
//! * recall    = mean over cases `s` of |⋃_r (s ⊓ r)| / |s|
//! * precision = mean over detections `r` of |⋃_s (s ⊓ r)| / |r|
//! * granularity = mean over detected cases of the number of detections that detect it
//! * plagdet = F1(precision, recall) / log2(1 + granularity)
//!
//! as in PAN's `perfmeasures.py`: no cases and no detections give recall = precision = 1,
//! either one empty gives 0; granularity is 1 when no case is detected.
//!
//! The breakdown by label (profile or obfuscation) takes the label's cases for recall and
//! granularity, and for precision the detections that detect at least one case of the label
//! (each with its full precision, computed against all cases).
//!
//! Over-extension and under-coverage are per detected case: the characters of the union of
//! its detecting detections outside the case, and the case characters not covered, each as
//! a share of the case length (both sides together), averaged over detected cases.
//!
//! Cost: cases are indexed by document pair, so each detection is compared only with the
//! cases of its document pair.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::truth::{Case, DocSpan};

/// A detection: two passages in two documents that a result says are copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    pub a: DocSpan,
    pub b: DocSpan,
}

/// PAN scores of one set of cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanScores {
    pub cases: usize,
    pub detections: usize,
    pub detected_cases: usize,
    pub precision: f64,
    pub recall: f64,
    pub granularity: f64,
    pub plagdet: f64,
    /// Mean share of characters detected beyond the case, over detected cases.
    pub over_extension: Option<f64>,
    /// Mean share of case characters not detected, over detected cases.
    pub under_coverage: Option<f64>,
}

/// PAN scores overall and per label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageScores {
    pub overall: PanScores,
    pub by_label: BTreeMap<String, PanScores>,
    /// Detections left out because both passages are empty.
    pub empty_detections: usize,
}

/// `plagdet = F1 / log2(1 + granularity)`; 0 when precision and recall are both 0.
pub fn plagdet(precision: f64, recall: f64, granularity: f64) -> f64 {
    if precision + recall <= 0.0 || granularity < 1.0 {
        return 0.0;
    }
    let f1 = 2.0 * precision * recall / (precision + recall);
    f1 / (1.0 + granularity).log2()
}

fn orient(a: DocSpan, b: DocSpan) -> Option<(DocSpan, DocSpan)> {
    match a.doc.cmp(&b.doc) {
        std::cmp::Ordering::Less => Some((a, b)),
        std::cmp::Ordering::Greater => Some((b, a)),
        std::cmp::Ordering::Equal => None,
    }
}

fn overlaps(x: &DocSpan, y: &DocSpan) -> bool {
    x.begin < y.end && y.begin < x.end
}

fn intersect(x: &DocSpan, y: &DocSpan) -> (usize, usize) {
    (x.begin.max(y.begin), x.end.min(y.end))
}

/// Characters covered by the union of `ranges` (sorts them in place).
fn union_len(ranges: &mut [(usize, usize)]) -> usize {
    ranges.sort_unstable();
    let mut total = 0;
    let mut cur: Option<(usize, usize)> = None;
    for &(b, e) in ranges.iter() {
        if b >= e {
            continue;
        }
        cur = match cur {
            Some((cb, ce)) if b <= ce => Some((cb, ce.max(e))),
            Some((cb, ce)) => {
                total += ce - cb;
                Some((b, e))
            }
            None => Some((b, e)),
        };
    }
    if let Some((cb, ce)) = cur {
        total += ce - cb;
    }
    total
}

#[derive(Default)]
struct LabelAcc {
    precision_sum: f64,
    detections: usize,
}

/// Scores `detections` against `cases` with the PAN measures, overall and per case label.
///
/// Cases whose two passages lie in one document, and detections within one document, are
/// ignored (reuse is between documents).
pub fn passage_scores(
    cases: &[Case],
    detections: impl IntoIterator<Item = Detection>,
) -> PassageScores {
    let mut labels: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cases {
        let n = labels.len();
        labels.entry(c.profile.as_str()).or_insert(n);
    }
    let oriented: Vec<Option<(DocSpan, DocSpan, usize)>> = cases
        .iter()
        .map(|c| orient(c.a, c.b).map(|(a, b)| (a, b, labels[c.profile.as_str()])))
        .collect();
    let mut index: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (i, o) in oriented.iter().enumerate() {
        if let Some((a, b, _)) = o
            && a.len() + b.len() > 0
        {
            index.entry((a.doc, b.doc)).or_default().push(i);
        }
    }

    // Detections that detect each case, as (range a, range b).
    let mut hits: Vec<Vec<(DocSpan, DocSpan)>> = vec![Vec::new(); cases.len()];
    let mut label_acc: Vec<LabelAcc> = (0..labels.len()).map(|_| LabelAcc::default()).collect();
    let mut all = LabelAcc::default();
    let mut empty_detections = 0;
    let mut ia: Vec<(usize, usize)> = Vec::new();
    let mut ib: Vec<(usize, usize)> = Vec::new();
    let mut hit_labels: Vec<usize> = Vec::new();
    for d in detections {
        let Some((a, b)) = orient(d.a, d.b) else {
            continue;
        };
        let r_len = a.len() + b.len();
        if r_len == 0 {
            empty_detections += 1;
            continue;
        }
        ia.clear();
        ib.clear();
        hit_labels.clear();
        if let Some(list) = index.get(&(a.doc, b.doc)) {
            for &ci in list {
                let Some((sa, sb, label)) = &oriented[ci] else {
                    continue;
                };
                if overlaps(&a, sa) && overlaps(&b, sb) {
                    ia.push(intersect(&a, sa));
                    ib.push(intersect(&b, sb));
                    hits[ci].push((a, b));
                    if !hit_labels.contains(label) {
                        hit_labels.push(*label);
                    }
                }
            }
        }
        let p = (union_len(&mut ia) + union_len(&mut ib)) as f64 / r_len as f64;
        all.precision_sum += p;
        all.detections += 1;
        for &l in &hit_labels {
            label_acc[l].precision_sum += p;
            label_acc[l].detections += 1;
        }
    }

    // Per-case recall, detections count, over/under.
    struct CaseResult {
        label: usize,
        recall: f64,
        detections: usize,
        over: f64,
        under: f64,
    }
    let mut per_case: Vec<CaseResult> = Vec::new();
    let mut ua: Vec<(usize, usize)> = Vec::new();
    let mut ub: Vec<(usize, usize)> = Vec::new();
    for (ci, o) in oriented.iter().enumerate() {
        let Some((sa, sb, label)) = o else { continue };
        let s_len = sa.len() + sb.len();
        if s_len == 0 {
            continue;
        }
        let h = &hits[ci];
        if h.is_empty() {
            per_case.push(CaseResult {
                label: *label,
                recall: 0.0,
                detections: 0,
                over: 0.0,
                under: 1.0,
            });
            continue;
        }
        ia.clear();
        ib.clear();
        ua.clear();
        ub.clear();
        for (ra, rb) in h {
            ia.push(intersect(ra, sa));
            ib.push(intersect(rb, sb));
            ua.push((ra.begin, ra.end));
            ub.push((rb.begin, rb.end));
        }
        let covered = union_len(&mut ia) + union_len(&mut ib);
        let detected_len = union_len(&mut ua) + union_len(&mut ub);
        per_case.push(CaseResult {
            label: *label,
            recall: covered as f64 / s_len as f64,
            detections: h.len(),
            over: (detected_len - covered) as f64 / s_len as f64,
            under: (s_len - covered) as f64 / s_len as f64,
        });
    }

    let finish = |cases: &[&CaseResult], acc: &LabelAcc| -> PanScores {
        let n_cases = cases.len();
        let (precision, recall) = if n_cases == 0 && acc.detections == 0 {
            (1.0, 1.0)
        } else if n_cases == 0 || acc.detections == 0 {
            (0.0, 0.0)
        } else {
            (
                acc.precision_sum / acc.detections as f64,
                cases.iter().map(|c| c.recall).sum::<f64>() / n_cases as f64,
            )
        };
        let detected: Vec<&&CaseResult> = cases.iter().filter(|c| c.detections > 0).collect();
        let granularity = if detected.is_empty() {
            1.0
        } else {
            detected.iter().map(|c| c.detections).sum::<usize>() as f64 / detected.len() as f64
        };
        let mean = |f: fn(&CaseResult) -> f64| {
            (!detected.is_empty())
                .then(|| detected.iter().map(|c| f(c)).sum::<f64>() / detected.len() as f64)
        };
        PanScores {
            cases: n_cases,
            detections: acc.detections,
            detected_cases: detected.len(),
            precision,
            recall,
            granularity,
            plagdet: plagdet(precision, recall, granularity),
            over_extension: mean(|c| c.over),
            under_coverage: mean(|c| c.under),
        }
    };

    let all_cases: Vec<&CaseResult> = per_case.iter().collect();
    let overall = finish(&all_cases, &all);
    let by_label = labels
        .iter()
        .map(|(&name, &l)| {
            let cs: Vec<&CaseResult> = per_case.iter().filter(|c| c.label == l).collect();
            (name.to_string(), finish(&cs, &label_acc[l]))
        })
        .collect();
    PassageScores {
        overall,
        by_label,
        empty_detections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(doc: usize, begin: usize, end: usize) -> DocSpan {
        DocSpan::new(doc, begin, end)
    }

    fn case(a: DocSpan, b: DocSpan, profile: &str) -> Case {
        Case {
            a,
            b,
            profile: profile.to_string(),
        }
    }

    fn det(a: DocSpan, b: DocSpan) -> Detection {
        Detection { a, b }
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-9
    }

    #[test]
    fn perfect_detection() {
        let cases = [case(span(0, 0, 100), span(1, 50, 150), "verbatim")];
        let s = passage_scores(&cases, [det(span(1, 50, 150), span(0, 0, 100))]).overall;
        assert_eq!((s.precision, s.recall, s.granularity), (1.0, 1.0, 1.0));
        assert_eq!(s.plagdet, 1.0);
        assert_eq!(s.over_extension, Some(0.0));
        assert_eq!(s.under_coverage, Some(0.0));
    }

    #[test]
    fn half_detected_case() {
        // Detection covers the first half of both sides.
        let cases = [case(span(0, 0, 100), span(1, 0, 100), "light")];
        let s = passage_scores(&cases, [det(span(0, 0, 50), span(1, 0, 50))]).overall;
        assert!(close(s.recall, 0.5));
        assert!(close(s.precision, 1.0));
        assert!(close(s.granularity, 1.0));
        assert!(close(s.plagdet, 2.0 * 0.5 / 1.5));
        assert!(close(s.under_coverage.unwrap(), 0.5));
        assert!(close(s.over_extension.unwrap(), 0.0));
    }

    #[test]
    fn two_detections_split_a_case() {
        let cases = [case(span(0, 0, 100), span(1, 0, 100), "light")];
        let s = passage_scores(
            &cases,
            [
                det(span(0, 0, 50), span(1, 0, 50)),
                det(span(0, 50, 100), span(1, 50, 100)),
            ],
        )
        .overall;
        assert!(close(s.recall, 1.0));
        assert!(close(s.precision, 1.0));
        assert!(close(s.granularity, 2.0));
        assert!(close(s.plagdet, 1.0 / 3f64.log2()));
    }

    #[test]
    fn wrong_document_pair_detects_nothing() {
        let cases = [case(span(0, 0, 100), span(1, 0, 100), "light")];
        let s = passage_scores(&cases, [det(span(0, 0, 100), span(2, 0, 100))]).overall;
        assert_eq!((s.precision, s.recall, s.plagdet), (0.0, 0.0, 0.0));
        assert_eq!(s.granularity, 1.0);
        assert_eq!(s.detected_cases, 0);
        assert_eq!(s.over_extension, None);
    }

    #[test]
    fn overlap_on_one_side_only_is_not_a_detection() {
        let cases = [case(span(0, 0, 100), span(1, 0, 100), "light")];
        let s = passage_scores(&cases, [det(span(0, 0, 100), span(1, 200, 300))]).overall;
        assert_eq!((s.precision, s.recall), (0.0, 0.0));
    }

    #[test]
    fn false_detections_lower_precision() {
        let cases = [case(span(0, 0, 100), span(1, 0, 100), "light")];
        let s = passage_scores(
            &cases,
            [
                det(span(0, 0, 100), span(1, 0, 100)),
                det(span(0, 500, 600), span(1, 500, 600)),
                det(span(2, 0, 10), span(3, 0, 10)),
            ],
        )
        .overall;
        assert!(close(s.recall, 1.0));
        assert!(close(s.precision, 1.0 / 3.0));
        assert!(close(s.granularity, 1.0));
        assert_eq!(s.detections, 3);
    }

    #[test]
    fn overextended_detection() {
        // Case 100 + 100 chars; detection 120 + 100 chars (20 extra on side a).
        let cases = [case(span(0, 100, 200), span(1, 0, 100), "heavy")];
        let s = passage_scores(&cases, [det(span(0, 90, 210), span(1, 0, 100))]).overall;
        assert!(close(s.recall, 1.0));
        assert!(close(s.precision, 200.0 / 220.0));
        assert!(close(s.over_extension.unwrap(), 0.1));
        assert!(close(s.under_coverage.unwrap(), 0.0));
    }

    #[test]
    fn macro_averages_over_cases_and_detections() {
        // Two cases in different doc pairs; one fully found, one not at all.
        // One detection is half outside its case.
        let cases = [
            case(span(0, 0, 100), span(1, 0, 100), "verbatim"),
            case(span(2, 0, 100), span(3, 0, 100), "heavy"),
        ];
        let s = passage_scores(&cases, [det(span(0, 0, 200), span(1, 0, 200))]);
        assert!(close(s.overall.recall, 0.5));
        assert!(close(s.overall.precision, 0.5));
        let v = &s.by_label["verbatim"];
        assert!(close(v.recall, 1.0) && close(v.precision, 0.5) && v.detections == 1);
        let h = &s.by_label["heavy"];
        assert_eq!((h.recall, h.precision, h.detections), (0.0, 0.0, 0));
        assert!(close(v.over_extension.unwrap(), 1.0));
    }

    #[test]
    fn empty_inputs_follow_pan() {
        let s = passage_scores(&[], []).overall;
        assert_eq!((s.precision, s.recall, s.granularity), (1.0, 1.0, 1.0));
        let cases = [case(span(0, 0, 10), span(1, 0, 10), "x")];
        let s = passage_scores(&cases, []).overall;
        assert_eq!((s.precision, s.recall, s.plagdet), (0.0, 0.0, 0.0));
    }

    #[test]
    fn union_len_merges() {
        assert_eq!(union_len(&mut [(5, 10), (0, 3), (2, 6), (20, 20)]), 10);
        assert_eq!(union_len(&mut []), 0);
    }
}
