//! E-mails, Usenet posts and mbox files read through the public API: detection (and
//! ordinary text left alone), headers as metadata, exact body offsets, problems, and
//! signatures (also quoted ones) and attribution lines making no reuse while quoted text
//! does.

use std::fs;
use std::path::PathBuf;

use chorus_core::{Config, Document, NoProgress, find};
use chorus_input::{InputFormat, InputProblem, ProblemKind, ReadOptions, read_all};

fn read(inputs: &[PathBuf], opts: &ReadOptions) -> (Vec<Document>, Vec<InputProblem>) {
    read_all(inputs, opts).unwrap()
}

/// `n` words of made-up prose, different for each `seed`.
fn prose(seed: u64, n: usize) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ren", "tu", "sa", "vel", "dor", "pi", "na", "gre", "ul", "bo", "fen",
        "ti", "mar",
    ];
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut words = Vec::new();
    for i in 0..n {
        let mut w = String::new();
        for _ in 0..3 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            w.push_str(SYL[(x >> 60) as usize]);
        }
        words.push(w);
        if i % 12 == 11 {
            words.push("\n".into());
        }
    }
    words.join(" ").replace(" \n ", "\n")
}

const SIGNATURE: &str = "-- \nAlice Martin, Department of Applied Hydrology, University of \
    Northbridge\nThe opinions above are mine alone and not those of my employer or of \
    anybody else I know\nPhone 555 0199 extension 42, or write to the department office \
    on the third floor\n";

const ORDINARY: &str = "Meeting notes: we agreed on the budget.\nFrom: the chair's office\n\n\
    Subject: next steps\n";

#[test]
fn posts_and_mails_are_read_as_messages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let post = "From: Alice Martin <Alice@North.EDU>\nSubject: Re: river levels\n\
                Newsgroups: sci.geo\nDate: Tue, 6 Apr 1993 09:15:00 GMT\n\
                Message-ID: <a1@north.edu>\nLines: 3\n\nThe river rose two metres.\n";
    fs::write(d.join("1001"), post).unwrap();
    fs::write(d.join("notes.txt"), ORDINARY).unwrap();
    fs::write(
        d.join("letter.eml"),
        "From: bob@south.org\r\nSubject: Hello\r\nDate: yesterday\r\n\r\nDear Alice,\r\n",
    )
    .unwrap();
    fs::write(d.join("broken.eml"), "no headers here at all\n").unwrap();
    let mbox = format!(
        "From alice@north.edu Tue Apr  6 09:15:00 1993\nFrom: alice@north.edu\nSubject: one\n\n\
         First message.\n>From the archive.\n\n\
         From bob@south.org Wed Apr  7 10:00:00 1993\nFrom: bob@south.org\nSubject: two\n\n\
         Second message.\n\n\
         From carol@west.net Thu Apr  8 10:00:00 1993\nSubject: three\nFrom: carol@west.net\n\n{}",
        "\n"
    );
    fs::write(d.join("box.mbox"), &mbox).unwrap();

    let (docs, problems) = read(&[d.to_path_buf()], &ReadOptions::default());
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1001",
            "box.mbox:1",
            "box.mbox:8",
            "letter.eml",
            "notes.txt"
        ]
    );

    // the post: headers are metadata, the text is the body, its offsets those of the body
    let p = &docs[0];
    assert_eq!(p.text, "The river rose two metres.\n");
    assert_eq!(&post[post.len() - p.text.len()..], p.text);
    assert_eq!(p.meta.source.as_deref(), Some("alice@north.edu"));
    assert_eq!(p.meta.title.as_deref(), Some("Re: river levels"));
    assert_eq!(p.meta.date.as_deref(), Some("Tue, 6 Apr 1993 09:15:00 GMT"));
    assert!(p.meta.when().is_some());
    assert_eq!(p.meta.extra["message_id"], "a1@north.edu");
    assert_eq!(p.meta.extra.len(), 1, "other headers are dropped");

    // mbox: one document per message, the `>From ` escape kept as it is
    assert_eq!(docs[1].text, "First message.\n>From the archive.\n\n");
    assert_eq!(docs[1].meta.title.as_deref(), Some("one"));
    assert_eq!(docs[2].meta.source.as_deref(), Some("bob@south.org"));

    // CRLF; an unreadable date is reported and the message kept, undated
    assert_eq!(docs[3].text, "Dear Alice,\r\n");
    assert_eq!(docs[3].meta.when(), None);

    // ordinary text that only looks a little like headers is plain text
    assert_eq!(docs[4].text, ORDINARY);
    assert_eq!(docs[4].meta.source, None);

    let shown: Vec<(ProblemKind, String)> =
        problems.iter().map(|p| (p.kind, p.to_string())).collect();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert_eq!(shown[0].0, ProblemKind::EmptyText);
    assert!(shown[0].1.contains("box.mbox:14"), "{shown:#?}");
    assert_eq!(shown[1].0, ProblemKind::BadRecord);
    assert!(shown[1].1.contains("broken.eml"), "{shown:#?}");
    assert!(shown[1].1.contains("no header block"), "{shown:#?}");
    assert_eq!(shown[2].0, ProblemKind::BadDate);
    assert!(shown[2].1.contains("letter.eml"), "{shown:#?}");
    assert!(shown[2].1.contains("`yesterday`"), "{shown:#?}");

    // --format text reads the post whole; --format mail reads a .md post as mail
    let (docs, _) = read(
        &[d.join("1001")],
        &ReadOptions::new().format(InputFormat::Text),
    );
    assert_eq!(docs[0].text, post);
    fs::write(d.join("post.md"), post).unwrap();
    let (docs, _) = read(&[d.join("post.md")], &ReadOptions::default());
    assert_eq!(docs[0].text, post);
    let (docs, _) = read(
        &[d.join("post.md")],
        &ReadOptions::new().format(InputFormat::Mail),
    );
    assert_eq!(docs[0].text, "The river rose two metres.\n");
}

/// The text of every shared passage found in `docs`.
fn shared_text(docs: &[Document]) -> String {
    let report = find(docs, &Config::default(), &NoProgress).unwrap();
    let mut shared = String::new();
    for cluster in &report.clusters {
        for m in &cluster.members {
            let doc = docs.iter().find(|d| d.id == m.doc).unwrap();
            shared.push_str(&doc.text[m.begin..m.end]);
            shared.push('\n');
        }
    }
    shared
}

#[test]
fn a_posters_signature_is_boilerplate_and_a_quoted_post_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..5u64 {
        let from = if i % 2 == 0 {
            "amartin@north.edu (Alice Martin)"
        } else {
            "Alice Martin <AMartin@north.edu>"
        };
        let post = format!(
            "From: {from}\nSubject: post {i}\nOrganization: University of Northbridge, \
             Department of Applied Hydrology\nLines: 20\n\n{}\n{SIGNATURE}",
            prose(i, 120)
        );
        fs::write(d.join(format!("{}", 100 + i)), post).unwrap();
    }
    let copied = prose(0, 120);
    let copied = copied
        .lines()
        .skip(2)
        .take(5)
        .collect::<Vec<_>>()
        .join("\n");
    let reply = format!(
        "From: bob@south.org\nSubject: Re: post 0\nOrganization: South Institute\n\n\
         Alice wrote this, and I agree with it:\n\n{copied}\n\n{}\n",
        prose(99, 60)
    );
    fs::write(d.join("200"), reply).unwrap();

    let (mail, problems) = read(&[d.to_path_buf()], &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert!(
        mail[..5]
            .iter()
            .all(|d| d.meta.source.as_deref() == Some("amartin@north.edu"))
    );
    let shared = shared_text(&mail);
    let first_copied_line = copied.lines().next().unwrap();
    assert!(shared.contains(first_copied_line), "{shared}");
    assert!(!shared.contains("Hydrology"), "{shared}");
    assert!(!shared.contains("opinions above"), "{shared}");

    // read as plain text, the same posts share their headers and the signature
    let (plain, _) = read(
        &[d.to_path_buf()],
        &ReadOptions::new().format(InputFormat::Text),
    );
    let shared = shared_text(&plain);
    assert!(shared.contains("opinions above"), "{shared}");
}

#[test]
fn mangled_messages_give_documents_or_problems() {
    // the fuzz target's check, on messages mangled by a fixed pseudo-random sequence
    let seed = "From alice@north.edu Tue Apr  6 09:15:00 1993\nFrom: Alice <a@b.org>\n\
                Subject: caf\u{e9}\n  folded\nDate: Tue, 6 Apr 1993 09:15:00 GMT (x)\n\n\
                Body \u{2014} text.\n>From here.\nFrom bob\nSubject: s\n\nMore.\n";
    let pieces: [&[u8]; 9] = [
        b"\n",
        b"\r\n",
        b":",
        b" ",
        b"From ",
        b"(",
        b"<",
        "\u{e9}".as_bytes(),
        b"\n\n",
    ];
    let mut x: u64 = 7;
    let mut next = |n: usize| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize % n
    };
    for _ in 0..2000 {
        let mut bytes = seed.as_bytes().to_vec();
        for _ in 0..1 + next(6) {
            let at = next(bytes.len() + 1);
            match next(3) {
                0 => {
                    let piece = pieces[next(pieces.len())];
                    bytes.splice(at..at, piece.iter().copied());
                }
                1 if at < bytes.len() => {
                    let end = (at + 1 + next(8)).min(bytes.len());
                    bytes.drain(at..end);
                }
                _ => bytes.truncate(at),
            }
        }
        let opts = ReadOptions::new().format(InputFormat::Mail);
        let mut reader = chorus_input::InputReader::new(opts).unwrap();
        let mut docs = 0;
        reader.read_stream(
            "m",
            &bytes[..],
            |d| {
                assert!(!d.text.trim().is_empty());
                docs += 1;
            },
            |p| assert!(!p.reason.is_empty()),
        );
        assert_eq!(reader.summary().documents, docs);
    }
}

/// The documents each cluster of `docs` holds, by id.
fn clusters(docs: &[Document]) -> Vec<Vec<String>> {
    let report = find(docs, &Config::default(), &NoProgress).unwrap();
    report
        .clusters
        .iter()
        .map(|c| {
            let mut ids: Vec<String> = c.members.iter().map(|m| m.doc.clone()).collect();
            ids.sort();
            ids.dedup();
            ids
        })
        .collect()
}

#[test]
fn quoted_signatures_and_attributions_are_no_reuse_but_quoted_text_is() {
    // Carol writes two different posts, signed; Dan and Erin each reply to one of them,
    // quoting a paragraph and her signature under the usual attribution line. Two posts
    // are too few for per-source boilerplate: only the reader keeps the signature and the
    // attribution lines from pairing the posts, and the replies, with each other.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sig = "-- \nCarol Ng, Institute of Marine Geology, Southport\n\
               'The sea does not care what you believe about it.' (Old saying)\n";
    let mut quoted = Vec::new();
    for (i, name) in ["p1", "p2"].iter().enumerate() {
        let text = prose(10 + i as u64, 96);
        let post = format!(
            "From: cng@south.edu (Carol Ng)\nSubject: tides {i}\n\
             Message-ID: <{name}@south.edu>\n\n{text}\n{sig}"
        );
        fs::write(d.join(name), post).unwrap();
        let para: Vec<&str> = text.lines().skip(3).take(4).collect();
        quoted.push(para.iter().map(|l| format!(">{l}\n")).collect::<String>());
    }
    let qsig: String = sig.lines().map(|l| format!(">{l}\n")).collect();
    for (i, (name, from)) in [("r1", "dan@east.org (Dan)"), ("r2", "erin@west.org (Erin)")]
        .iter()
        .enumerate()
    {
        let reply = format!(
            "From: {from}\nSubject: Re: tides {i}\n\n\
             In article <p{}@south.edu> cng@south.edu (Carol Ng) writes:\n{}>\n{qsig}\n{}\n",
            i + 1,
            quoted[i],
            prose(50 + i as u64, 40)
        );
        fs::write(d.join(name), reply).unwrap();
    }
    let (mail, problems) = read(&[d.to_path_buf()], &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    let found = clusters(&mail);
    let together = |a: &str, b: &str| {
        found
            .iter()
            .any(|c| c.contains(&a.to_owned()) && c.contains(&b.to_owned()))
    };
    assert!(together("p1", "r1") && together("p2", "r2"), "{found:?}");
    assert!(!together("p1", "p2") && !together("r1", "r2"), "{found:?}");
    assert!(!together("p1", "r2") && !together("p2", "r1"), "{found:?}");
    let shared = shared_text(&mail);
    assert!(!shared.contains("Marine Geology"), "{shared}");
    assert!(!shared.contains("writes:"), "{shared}");

    // read as plain text (control), the signature pairs Carol's posts
    let (plain, _) = read(
        &[d.to_path_buf()],
        &ReadOptions::new().format(InputFormat::Text),
    );
    let found = clusters(&plain);
    assert!(
        found
            .iter()
            .any(|c| c.contains(&"p1".to_owned()) && c.contains(&"p2".to_owned())),
        "{found:?}"
    );
}
