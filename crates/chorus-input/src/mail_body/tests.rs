//! What `unauthored` finds and `blank` keeps, on bodies written for each form.

use super::*;

/// The lines of `body` that [`unauthored`] finds, joined.
fn found(body: &str, poster: Option<&str>) -> String {
    let ranges = unauthored(body, poster);
    let blanked = blank(body, &ranges);
    assert_eq!(blanked.len(), body.len());
    for (a, b) in body.bytes().zip(blanked.bytes()) {
        assert!(a == b || b == b' ', "only blanked bytes change");
    }
    ranges
        .iter()
        .map(|r| &body[r.clone()])
        .collect::<Vec<_>>()
        .join("|")
}

const TEXT: &str = "The council met on Tuesday and voted the budget.\nIt goes to the \
                    mayor next week.\n";

#[test]
fn signatures_after_a_delimiter_a_rule_or_the_posters_name() {
    let sig = "-- \nJane Roe, Hydrology, North University\nphone 555 0199\n";
    assert_eq!(found(&format!("{TEXT}{sig}"), None), sig.trim_end());
    let sig = "--\nJane\n";
    assert_eq!(found(&format!("{TEXT}\n{sig}"), None), sig.trim_end());
    let sig = "*********************\n* Jane Roe   north.edu *\n*********************\n";
    assert_eq!(found(&format!("{TEXT}{sig}"), None), sig.trim_end());
    let sig = "Jane Roe\n\n   'A quotation she likes.'\n      (Someone - 1919)\n";
    assert_eq!(
        found(&format!("{TEXT}\n{sig}"), Some("Jane Roe")),
        sig.trim_end()
    );
    assert_eq!(
        found(&format!("{TEXT}\n-Jane\n"), Some("Jane Roe")),
        "-Jane"
    );
    assert_eq!(found(&format!("{TEXT}\nJane\n"), Some("Jane Roe")), "Jane");
    // quoted in a reply: the quoted text stays, its signature does not
    let reply = "In article <1@north.edu> jr@north.edu (Jane Roe) writes:\n\
                 >The council met on Tuesday.\n>\n>-- \n>Jane Roe, Hydrology\n\n\
                 I doubt it.\n";
    assert_eq!(
        found(reply, Some("Bob")),
        "In article <1@north.edu> jr@north.edu (Jane Roe) writes:|>-- \n>Jane Roe, Hydrology"
    );
    // a quoted signature with unquoted blank lines inside
    let reply =
        ">The council met.\n\nI agree.\n\n>/\\/\\/\\/\\/\\/\\/\\\n\n>Bob Beau\n\n>They said so.\n";
    assert_eq!(
        found(reply, None),
        ">/\\/\\/\\/\\/\\/\\/\\\n\n>Bob Beau\n\n>They said so."
    );
}

#[test]
fn what_is_no_signature() {
    // too long after the opener: a section, not a signature
    let long = format!(
        "{TEXT}-- \n{}",
        "a line of text\n".repeat(MAX_SIGNATURE_LINES + 1)
    );
    assert_eq!(found(&long, None), "");
    // a heading's underline; a rule with nothing of the poster's before it
    assert_eq!(
        found(&format!("RADIOSITY WANTED\n================\n{TEXT}"), None),
        ""
    );
    assert_eq!(found(&format!("=====\n{TEXT}"), None), "");
    let body = format!("{TEXT}Saw this in the paper:\n-------------\nBARRED FROM BARS\n");
    assert_eq!(found(&body, None), "");
    // a rule in the poster's text before a later quotation: not its end
    let body =
        format!(">quoted words here\n   ^^^^^^^^^^\nMy answer.\n-----\nmore\n>again\n{TEXT}");
    assert_eq!(found(&body, None), "");
    // an ellipsis marks an omission
    assert_eq!(found(&format!("{TEXT}...\nJane\n"), None), "");
    // the name of someone else
    assert_eq!(found(&format!("{TEXT}\nBob\n"), Some("Jane Roe")), "");
    // a postscript below the name is the poster's text
    let body = format!("{TEXT}\n   ---Jane Roe\n\nP.S. -- The vote is on Friday.\n");
    assert_eq!(found(&body, Some("Jane Roe")), "");
    // a quoted post that starts with a rule
    let body = format!("In <1@x.org> jr@x.org writes:\n>---\n>I was wondering about it.\n{TEXT}");
    assert_eq!(found(&body, None), "In <1@x.org> jr@x.org writes:");
}

#[test]
fn attribution_lines() {
    for line in [
        "In article <C5L.77u@corp.com>, en@corp.com (Ed Nolan) writes:",
        "In article <C5L.77u@corp.com>, en@corp.com (Ed Nolan) writes...",
        "en@corp.com (Ed Nolan) writes:",
        "Ed Nolan wrote:",
        "On Mon, 5 Apr 1993 10:00:00 GMT, Ed Nolan <en@corp.com> wrote:",
        "Le 5 avril 1993 à 10:00, Jean Dupont a écrit :",
        "Jean Dupont a écrit:",
        "Am 05.04.1993 schrieb Hans Meier:",
        "El 5 de abril, Juan escribió:",
        "In a previous article, adam@endor.uucp (Adam Shostack) says:",
        ">>>>> On Fri, 16 Apr 1993, dmc@hawaii.edu (Don McGee) said:",
        "/* Written  4:38 pm  Apr 16, 1993 by cpr@igc.apc.org in igc:mideast.forum */",
        "/* ---------- \"From Israeli press\" ---------- */",
    ] {
        let body = format!("{line}\n>Quoted words of the post.\n\n{TEXT}");
        assert_eq!(found(&body, None), line, "{line}");
    }
    // cut by a line break: both lines
    let body =
        format!("In article <1993Apr19.1@unit.no>\nrazor@unit.no (Runar) writes:\n>Q.\n{TEXT}");
    assert_eq!(
        found(&body, None),
        "In article <1993Apr19.1@unit.no>\nrazor@unit.no (Runar) writes:"
    );
    // prose is no attribution
    for line in [
        "The minister said:",
        "Here is what the committee wrote in its long and detailed report about this:",
        "He wrote a book.",
    ] {
        assert_eq!(found(&format!("{line}\n{TEXT}"), None), "", "{line}");
    }
}

#[test]
fn forwarded_header_blocks() {
    let fwd = "From: Center for Policy Research <cpr>\nSubject: From the press\n";
    assert_eq!(found(&format!("{fwd}\n{TEXT}"), None), fwd.trim_end());
    let quoted = ">From: jr@north.edu\n>Date: 5 Apr 1993\n>Newsgroups: sci.med\n";
    assert_eq!(found(&format!("{quoted}>{TEXT}"), None), quoted.trim_end());
    let fr = "-----Message d'origine-----\nDe : Jean Dupont\nObjet : le budget\n";
    assert_eq!(found(&format!("{fr}{TEXT}"), None), fr.trim_end());
    let de = "-----Ursprüngliche Nachricht-----\nVon: Hans Meier\nGesendet: Montag, 5. April\n\
              An: Jane Roe\nBetreff: Haushalt\n";
    assert_eq!(found(&format!("{de}{TEXT}"), None), de.trim_end());
    let fr = "De : Jean Dupont\nEnvoyé : lundi 5 avril\nÀ : Jane Roe\nObjet : le budget\n";
    assert_eq!(found(&format!("{fr}{TEXT}"), None), fr.trim_end());
    // one field, or fields no message has, stay text
    assert_eq!(found(&format!("Subject: the budget\n{TEXT}"), None), "");
    assert_eq!(
        found(&format!("Note: bring food\nTodo: the budget\n{TEXT}"), None),
        ""
    );
    assert_eq!(found(&format!("To: Jane\nCc: Bob\n{TEXT}"), None), "");
}

#[test]
fn crlf_lines_and_many_quotation_levels() {
    let body = "The vote is on Friday.\r\n-- \r\nJane Roe\r\n";
    let out = blank(body, &unauthored(body, None));
    assert_eq!(out, "The vote is on Friday.\r\n   \r\n        \r\n");
    // every line its own level: each is the last block of its prefix, nothing is taken
    let body: String = (1..3000)
        .map(|i| format!("{} word\n", ">".repeat(i % 97)))
        .collect();
    assert!(unauthored(&body, None).is_empty());
}

#[test]
fn blanking_keeps_offsets_and_utf8() {
    let body = "Café crème.\n-- \nJosé Müller, Zürich\n";
    let ranges = unauthored(body, None);
    let out = blank(body, &ranges);
    assert_eq!(out.len(), body.len());
    let line = body.find('\n').unwrap() + 1;
    assert_eq!(&out[..line], "Café crème.\n");
    assert!(out[line..].trim().is_empty());
    assert_eq!(out.matches('\n').count(), 3);
}
