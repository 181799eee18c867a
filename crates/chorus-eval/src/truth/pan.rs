//! PAN text-alignment corpora: `source-documents/` and `suspicious-documents/`, with one
//! XML file of `plagiarism` features per suspicious document, in character offsets. Each
//! feature with a source reference is a case, labelled by its obfuscation; PAN has no
//! clusters. Features that reach past a document's end are clamped, with a warning.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Case, DocSpan, Truth, TruthDoc, TruthFormat};
use crate::chars::CharMap;
use crate::error::{EvalError, Result};

const PAN_SOURCE: &str = "source-documents";
const PAN_SUSPICIOUS: &str = "suspicious-documents";

fn is_pan_root(dir: &Path) -> bool {
    dir.join(PAN_SUSPICIOUS).is_dir() && dir.join(PAN_SOURCE).is_dir()
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| EvalError::io(dir, e))? {
        out.push(entry.map_err(|e| EvalError::io(dir, e))?.path());
    }
    out.sort();
    Ok(out)
}

/// The PAN corpus root: `dir` itself or its only sub-folder that is one.
fn find_pan_root(dir: &Path) -> Result<Option<PathBuf>> {
    if is_pan_root(dir) {
        return Ok(Some(dir.to_path_buf()));
    }
    let roots: Vec<PathBuf> = sorted_entries(dir)?
        .into_iter()
        .filter(|p| p.is_dir() && is_pan_root(p))
        .collect();
    Ok(if roots.len() == 1 {
        roots.into_iter().next()
    } else {
        None
    })
}

struct PanFeature {
    this_offset: usize,
    this_length: usize,
    source_reference: String,
    source_offset: usize,
    source_length: usize,
    label: String,
}

/// A suspicious document's XML: its `reference`, its plagiarism features, and the names of
/// other elements that look like misspelt plagiarism features (ignored, as PAN's own
/// evaluator ignores them).
struct PanXml {
    reference: Option<String>,
    features: Vec<PanFeature>,
    ignored: Vec<String>,
}

/// Parses one suspicious document's XML.
fn parse_pan_xml(path: &Path, xml: &str) -> Result<PanXml> {
    use quick_xml::events::Event;
    let bad = |reason: String| EvalError::BadXml {
        path: path.to_path_buf(),
        reason,
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut reference = None;
    let mut features = Vec::new();
    let mut ignored = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| bad(format!("at byte {}: {e}", reader.buffer_position())))?;
        let e = match event {
            Event::Start(e) | Event::Empty(e) => e,
            Event::Eof => break,
            _ => continue,
        };
        let tag = e.name().as_ref().to_vec();
        let mut attrs: HashMap<String, String> = HashMap::new();
        for a in e.attributes() {
            let a = a.map_err(|e| bad(e.to_string()))?;
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let value = a.unescape_value().map_err(|e| bad(e.to_string()))?;
            attrs.insert(key, value.into_owned());
        }
        let plagiarism = attrs.get("name").map(String::as_str) == Some("plagiarism");
        if tag == b"document" {
            reference = attrs.remove("reference");
            continue;
        }
        if tag != b"feature" {
            if plagiarism {
                ignored.push(String::from_utf8_lossy(&tag).into_owned());
            }
            continue;
        }
        if !plagiarism {
            continue;
        }
        let Some(source_reference) = attrs.get("source_reference").cloned() else {
            continue; // intrinsic plagiarism: nothing to align
        };
        let num = |key: &str| -> Result<usize> {
            attrs
                .get(key)
                .ok_or_else(|| bad(format!("feature without {key}")))?
                .trim()
                .parse()
                .map_err(|_| bad(format!("{key} is not a number")))
        };
        let label = attrs
            .get("obfuscation")
            .or_else(|| attrs.get("type"))
            .cloned()
            .unwrap_or_else(|| "unknown".to_string());
        features.push(PanFeature {
            this_offset: num("this_offset")?,
            this_length: num("this_length")?,
            source_reference,
            source_offset: num("source_offset")?,
            source_length: num("source_length")?,
            label,
        });
    }
    Ok(PanXml {
        reference,
        features,
        ignored,
    })
}

/// Reads a PAN text-alignment corpus (`dir` or its only sub-folder holding
/// `source-documents/` and `suspicious-documents/`).
///
/// Document ids are `source-documents/<file>` and `suspicious-documents/<file>`. A case's
/// label is its `obfuscation` attribute, or its `type` when there is none (PAN 2011 marks
/// hand-made paraphrases only as `type="simulated"`).
pub fn load_pan_truth(dir: &Path) -> Result<Truth> {
    let root = find_pan_root(dir)?.ok_or_else(|| EvalError::UnknownTruthFormat {
        path: dir.to_path_buf(),
    })?;
    let mut t = Truth::empty(TruthFormat::Pan);
    let mut doc_index: HashMap<String, usize> = HashMap::new();
    let mut xml_files = Vec::new();
    for sub in [PAN_SOURCE, PAN_SUSPICIOUS] {
        for path in sorted_entries(&root.join(sub))? {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.ends_with(".xml") && sub == PAN_SUSPICIOUS {
                xml_files.push(path.clone());
            }
            if !name.ends_with(".txt") || !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| EvalError::io(&path, e))?;
            let text = match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => {
                    t.warn(format!(
                        "{}: not UTF-8; read lossily, offsets may be off",
                        path.display()
                    ));
                    String::from_utf8_lossy(e.as_bytes()).into_owned()
                }
            };
            let id = format!("{sub}/{name}");
            doc_index.insert(id.clone(), t.docs.len());
            t.docs.push(TruthDoc {
                id,
                chars: CharMap::new(&text),
            });
        }
    }
    for path in xml_files {
        let xml = std::fs::read_to_string(&path).map_err(|e| EvalError::io(&path, e))?;
        let PanXml {
            reference,
            features,
            ignored,
        } = parse_pan_xml(&path, &xml)?;
        for tag in ignored {
            t.warn(format!(
                "{}: <{tag} name=\"plagiarism\"> is not a <feature>; ignored",
                path.display()
            ));
        }
        let this_name = reference.unwrap_or_else(|| {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            format!("{stem}.txt")
        });
        let Some(&this_doc) = doc_index.get(&format!("{PAN_SUSPICIOUS}/{this_name}")) else {
            if !features.is_empty() {
                t.warn(format!(
                    "{}: document {this_name} not found; {} cases skipped",
                    path.display(),
                    features.len()
                ));
            }
            continue;
        };
        for f in features {
            let Some(&src_doc) = doc_index.get(&format!("{PAN_SOURCE}/{}", f.source_reference))
            else {
                t.warn(format!(
                    "{}: source {} not found; case skipped",
                    path.display(),
                    f.source_reference
                ));
                continue;
            };
            let clamp = |t: &Truth, doc: usize, off: usize, len: usize| {
                let n = t.docs[doc].chars.char_len();
                DocSpan::new(doc, off.min(n), (off + len).min(n))
            };
            let a = clamp(&t, this_doc, f.this_offset, f.this_length);
            let b = clamp(&t, src_doc, f.source_offset, f.source_length);
            if a.len() != f.this_length || b.len() != f.source_length {
                t.warn(format!(
                    "{}: a case reaches past the end of its document (clamped)",
                    path.display()
                ));
            }
            t.cases.push(Case {
                a,
                b,
                profile: f.label,
            });
        }
    }
    Ok(t)
}
