//! Older encodings, unterminated CSV quotes and passim's field names.

use chorus_input::{ProblemKind, ReadOptions, encoding_for_label, read_all};
use std::fs;

fn one_file(
    name: &str,
    bytes: &[u8],
    opts: &ReadOptions,
) -> (Vec<chorus_core::Document>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    let (docs, problems) = read_all(&[path], opts).unwrap();
    let d = dir.path().display().to_string();
    let problems = problems
        .iter()
        .map(|p| p.to_string().replace(&d, "DIR"))
        .collect();
    (docs, problems)
}

#[test]
fn latin1_text_and_csv_are_decoded_and_an_encoding_can_be_named() {
    let (docs, problems) = one_file(
        "note.txt",
        b"Le caf\xe9 de la gare a ferm\xe9 apr\xe8s trente ann\xe9es.",
        &ReadOptions::default(),
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        docs[0].text,
        "Le café de la gare a fermé après trente années."
    );

    let csv = b"id,source,text\n1,Le Soir,Le caf\xe9 a ferm\xe9.\n2,La Gazette,D\xe9j\xe0 vu \xe0 la gare.\n";
    let (docs, problems) = one_file("t.csv", csv, &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(texts, ["Le café a fermé.", "Déjà vu à la gare."]);

    // KOI8-R is not what a guess would give for three bytes: name it.
    let koi8 = ReadOptions::default().encoding(encoding_for_label("koi8-r"));
    let (docs, _) = one_file("ru.txt", b"\xf0\xd2\xc9\xd7\xc5\xd4", &koi8);
    assert_eq!(docs[0].text, "Привет");
    let (docs, _) = one_file("ru.csv", b"id,text\na,\xf0\xd2\xc9\xd7\xc5\xd4\n", &koi8);
    assert_eq!(docs[0].text, "Привет");
}

#[test]
fn an_unterminated_csv_quote_is_reported_with_its_line() {
    let csv = "id,text\n1,\"A quoted, fine field\"\n2,\"never closed\n3,swallowed\n4,also\n";
    let (docs, problems) = one_file("t.csv", csv.as_bytes(), &ReadOptions::default());
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["1"]);
    assert_eq!(
        problems,
        [
            "DIR/t.csv:3: unterminated quote (opened on line 3): the rest of the file would be \
          one field; row skipped"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    fs::write(&path, csv).unwrap();
    let (_, problems) = read_all(&[path], &ReadOptions::default()).unwrap();
    assert_eq!(problems[0].kind, ProblemKind::BadRecord);
}

#[test]
fn passim_records_need_no_flags_and_fields_can_be_renamed() {
    let passim = r#"{"id":"sn1/1883-01-04/p3","series":"sn1","date":"1883-01-04","text":"Some words.","pages":[{"id":"p3","regions":[{"start":0,"length":4,"coords":{"x":1,"y":2,"w":3,"h":4}}]}]}"#;
    let (docs, problems) = one_file("p.jsonl", passim.as_bytes(), &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    let d = &docs[0];
    assert_eq!(d.meta.source.as_deref(), Some("sn1"));
    assert_eq!(d.meta.date.as_deref(), Some("1883-01-04"));
    assert!(d.meta.extra["pages"].is_array());

    let renamed = r#"{"id":"a","paper":"Post","issued":"1901-02-03","text":"Words."}"#;
    let opts = ReadOptions::default()
        .source_field("paper")
        .date_field("issued");
    let (docs, _) = one_file("r.jsonl", renamed.as_bytes(), &opts);
    assert_eq!(docs[0].meta.source.as_deref(), Some("Post"));
    assert_eq!(docs[0].meta.date.as_deref(), Some("1901-02-03"));
}
