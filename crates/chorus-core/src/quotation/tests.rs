//! Quotation and attribution on texts written for each form: the member is marked in
//! the text with `⟦` and `⟧`.

use super::*;

/// The text without its member markers, and the member's span.
fn marked(t: &str) -> (String, Span) {
    let b = t.find('⟦').expect("member start");
    let e = t.find('⟧').expect("member end") - '⟦'.len_utf8();
    (t.replace(['⟦', '⟧'], ""), Span::new(b, e))
}

/// `(case, text with the member marked, quoted, attribution)`.
type Case = (&'static str, &'static str, bool, Option<&'static str>);

fn check(cases: &[Case]) {
    let mut failed = Vec::new();
    for &(name, t, quoted, who) in cases {
        let (text, span) = marked(t);
        let q = quotation(&text, span);
        if q.quoted != quoted || q.attribution.as_deref() != who {
            failed.push(format!(
                "{name}: got quoted={} attribution={:?}, want quoted={quoted} attribution={who:?}",
                q.quoted, q.attribution
            ));
        }
        let kind = if quoted { "quotation" } else { "copy" };
        if q.credit.is_none() && q.reuse() != kind {
            failed.push(format!("{name}: reuse {}", q.reuse()));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

const ML: Option<&str> = Some("Maria Lindqvist");

#[test]
fn english_attribution_after_the_quotation() {
    check(&[
        (
            "said X, apposition (curly)",
            "The talks ended.\n\n“⟦We will not reopen the budget negotiations this year,⟧” said \
             Maria Lindqvist, a spokeswoman for the Commission.\n\nNext.",
            true,
            ML,
        ),
        (
            "said X, apposition (straight)",
            "\"⟦We will not reopen the budget negotiations this year,⟧\" said Maria Lindqvist, a \
             spokeswoman for the Commission.",
            true,
            ML,
        ),
        (
            "X said, with a day",
            "\"⟦We will not reopen the budget negotiations this year,⟧\" Maria Lindqvist said on \
             Friday.",
            true,
            ML,
        ),
        (
            "X told Reuters",
            "“⟦We will not reopen the budget negotiations this year,⟧” she told Reuters.",
            true,
            Some("she"),
        ),
        (
            "apposition first, then the name",
            "\"⟦We will not reopen the budget negotiations this year,⟧\" a spokeswoman for the \
             Commission, Maria Lindqvist, said.",
            true,
            ML,
        ),
        (
            "according to X",
            "\"⟦We will not reopen the budget negotiations this year,⟧\" according to Maria \
             Lindqvist, a spokeswoman for the Commission.",
            true,
            ML,
        ),
        (
            "an abbreviation in the speaker, a participle after it",
            "“⟦Prior to the attack, we warned them,⟧” a U.S. official said, using an acronym.",
            true,
            Some("a U.S. official"),
        ),
        (
            "a relative clause",
            "\"⟦We will not reopen the budget negotiations this year,⟧\" said Maria Lindqvist, \
             who leads the talks.",
            true,
            ML,
        ),
    ]);
}

#[test]
fn english_attribution_before_the_quotation() {
    check(&[
        (
            "X, apposition, said:",
            "Maria Lindqvist, a spokeswoman for the Commission, said: \"⟦We will not reopen the \
             budget negotiations this year.⟧\"",
            true,
            ML,
        ),
        (
            "X told reporters on Friday:",
            "The agency told reporters on Friday: “⟦The first sharp impression is alone of \
             value here.⟧”",
            true,
            Some("The agency"),
        ),
        (
            "according to X,",
            "According to a person close to the talks, \"⟦the deal is done and will be signed \
             next week.⟧\"",
            true,
            Some("a person close to the talks"),
        ),
        (
            "a leading adverbial",
            "In a statement released on Wednesday, the minister said \"⟦we will not reopen the \
             budget negotiations this year.⟧\"",
            true,
            Some("the minister"),
        ),
        (
            "a title before the name",
            "State Department deputy spokesperson Vedant Patel said: \"⟦I would not interpret \
             any change in policy.⟧\" Then he left.",
            true,
            Some("State Department deputy spokesperson Vedant Patel"),
        ),
        (
            "a subordinate clause before the speaker",
            "When they had come near the house, he said to the Draken: ‘⟦Stop here, for I must \
             go on in front and tie up my children.⟧’",
            true,
            Some("he"),
        ),
        (
            "a participle phrase before the speaker",
            "Having enjoyed his triumph for a minute, he said: “⟦It will be in vain, they have \
             seen the handwriting on the wall.⟧”",
            true,
            Some("he"),
        ),
        (
            "a preposition is no speaker",
            "\"⟦We will not reopen the budget negotiations this year,⟧\" said to the crowd.",
            true,
            None,
        ),
        (
            "a narrator's predicate is no speaker",
            "He looked at her and said: \"⟦We will not reopen the budget negotiations this \
             year.⟧\"",
            true,
            None,
        ),
    ]);
}

#[test]
fn split_quotations_and_attributions_inside_the_member() {
    check(&[
        (
            "second part of a split quotation",
            "“The budget is balanced,” she said. “⟦We will not raise taxes this year or the \
             next.⟧”",
            true,
            Some("she"),
        ),
        (
            "first part of a split quotation",
            "“⟦The budget is balanced and we will keep it so,⟧” Maria Lindqvist said. “We will \
             not raise taxes.”",
            true,
            ML,
        ),
        (
            "the attribution inside the member",
            "⟦“The budget is balanced and we will keep it so,” said Maria Lindqvist, a \
             spokeswoman for the Commission. “We will not raise taxes this year.”⟧ Next.",
            true,
            ML,
        ),
        (
            "attribution between the parts of one sentence",
            "\"⟦The budget,\" she said, \"is balanced and we will keep it balanced.⟧\"",
            true,
            Some("she"),
        ),
        (
            "parts on separate lines",
            "\"Prior to the attack, we warned them,\" an unidentified official told WSJ.\n\"⟦We \
             provide these warnings to save lives in terror attacks.⟧\"\nIran failed.",
            true,
            Some("an unidentified official"),
        ),
        (
            "the second part of a split sentence, narration after it",
            "'Why do you weep,' said Achilles, '⟦like a little girl that runs by her mother's \
             side? Is there bad news from home?⟧' Then Patroclus told Achilles how the princes \
             were wounded.",
            true,
            Some("Achilles"),
        ),
        (
            "narration with a verb before a quotation in the next paragraph",
            "“I am not afraid!” Van Helsing was looking at her as she spoke, and said, quietly:--\
             \n\n“⟦The day begins for me with the entrance of my wife,⟧” a person close to the \
             negotiations told reporters.",
            true,
            Some("a person close to the negotiations"),
        ),
        (
            "a new paragraph of dialogue is a new speaker",
            "“Why?” I asked.\n\n“⟦I have an idea. He must hypnotise me before the dawn, and then I \
             shall be able to speak.⟧”",
            true,
            None,
        ),
        (
            "an object pronoun before the inverted speaker",
            "“⟦Why do you weep like a little girl that runs by her mother's side,⟧” answered him \
             then Thetis.",
            true,
            Some("Thetis"),
        ),
        (
            "words to oneself",
            "\"⟦I should like to have that fellow, there is plenty of grass for him,⟧\" said the \
             peasant to himself.",
            true,
            Some("the peasant"),
        ),
        (
            "a lone adverb is no speaker",
            "“⟦Is there bad news from home that your father is dead, or mine?⟧” Then, laughing, \
             said nothing.",
            true,
            None,
        ),
        (
            "a manner adverb after the name",
            "“⟦Because father's very strict and he would find it out,⟧” said John glibly.",
            true,
            Some("John"),
        ),
        (
            "a line of dialogue broken off, alone on its line",
            "“⟦Well, I fancied I knew the normal range of your iniquities; but you can't blame \
             any one if--⟧”\n\nFollow us for live updates.",
            true,
            None,
        ),
        (
            "a line of dialogue ending in a nested quotation, alone on its line",
            "“⟦Carter shrugged. 'I don't care for company,' he said. 'As long as I have my \
             own.'⟧”\n\nNext.",
            true,
            None,
        ),
        (
            "a quotation running on into the next paragraph",
            "“⟦We will not reopen the budget negotiations this year.⟧\n\n“Nor the next,” said \
             Maria Lindqvist.",
            true,
            ML,
        ),
    ]);
}

#[test]
fn one_speaker_for_a_member() {
    check(&[
        (
            "a dialogue between two speakers has no single speaker",
            "⟦“How much money did you have left when you came back?” asked Henry.\n\n“Only \
             thirty dollars to go west with,” exclaimed Philip, in amazement.⟧",
            true,
            None,
        ),
        (
            "a long statement and a short reply: the statement's speaker",
            "⟦“We will not reopen the budget negotiations this year or the next, whatever the \
             unions say,” said Maria Lindqvist. “Never,” he said.⟧",
            true,
            ML,
        ),
    ]);
}

#[test]
fn member_edges_do_not_matter() {
    let t = "Talks ended. \"We will not reopen the budget negotiations this year,\" said Maria \
             Lindqvist, a spokeswoman for the Commission. Next.";
    let edges = [
        "We will not reopen the budget negotiations this year,",
        "will not reopen the budget negotiations this year",
        "not reopen the budget negotiations this year,\" said Maria Lindqvist",
        "\"We will not reopen the budget negotiations this year,\" said Maria Lindqvist, a \
         spokeswoman for the Commission.",
        "reopen the budget negotiations this",
    ];
    for e in edges {
        let b = t.find(e).unwrap();
        let q = quotation(t, Span::new(b, b + e.len()));
        assert!(q.quoted, "{e}");
        assert_eq!(q.attribution.as_deref(), Some("Maria Lindqvist"), "{e}");
    }
}

#[test]
fn quotation_mark_styles() {
    check(&[
        (
            "single curly (British)",
            "‘⟦We will not reopen the budget negotiations this year,⟧’ said Maria Lindqvist.",
            true,
            ML,
        ),
        (
            "single straight",
            "'⟦We will not reopen the budget negotiations this year,⟧' said Maria Lindqvist.",
            true,
            ML,
        ),
        (
            "low-high (German style)",
            "„⟦We will not reopen the budget negotiations this year,⟧“ said Maria Lindqvist.",
            true,
            ML,
        ),
        (
            "guillemets",
            "«⟦We will not reopen the budget negotiations this year,⟧» said Maria Lindqvist.",
            true,
            ML,
        ),
        (
            "single guillemets",
            "‹ ⟦Nous ne rouvrirons pas les négociations budgétaires cette année⟧ ›, a déclaré \
             Maria Lindqvist.",
            true,
            ML,
        ),
        (
            "nested quotation marks",
            "A police spokesman told reporters: “⟦Carter shrugged. 'I don't care for company,' \
             he said. 'As long as I have my own.'⟧”",
            true,
            Some("A police spokesman"),
        ),
        (
            "a speaker familiar with the matter",
            "“⟦We will not reopen the budget negotiations this year,⟧” a source familiar with \
             the matter said on Tuesday.",
            true,
            Some("a source familiar with the matter"),
        ),
        (
            "mixed straight and curly after a noisy copy",
            "\"⟦We will not reopen the budget negotiations this year,⟧” said Maria Lindqvist.",
            true,
            ML,
        ),
    ]);
}

#[test]
fn french_attributions() {
    check(&[
        (
            "a déclaré X, apposition",
            "« ⟦Nous ne rouvrirons pas les négociations budgétaires cette année⟧ », a déclaré \
             Maria Lindqvist, porte-parole de la Commission.",
            true,
            ML,
        ),
        (
            "selon X",
            "« ⟦Nous ne rouvrirons pas les négociations budgétaires cette année⟧ », selon le \
             ministre de l'Intérieur.",
            true,
            Some("le ministre de l'Intérieur"),
        ),
        (
            "X a déclaré :",
            "Le ministre a déclaré : « ⟦Nous ne rouvrirons pas les négociations budgétaires \
             cette année.⟧ »",
            true,
            Some("Le ministre"),
        ),
        (
            "a-t-il déclaré",
            "« ⟦Nous ne rouvrirons pas les négociations budgétaires cette année⟧ », a-t-il \
             déclaré.",
            true,
            Some("il"),
        ),
        (
            "dit-elle",
            "« ⟦Nous ne rouvrirons pas les négociations budgétaires cette année⟧ », dit-elle.",
            true,
            Some("elle"),
        ),
        (
            "Selon X, « … »",
            "Selon Maria Lindqvist, « ⟦nous ne rouvrirons pas les négociations budgétaires cette \
             année.⟧ »",
            true,
            ML,
        ),
        (
            "a indiqué X à l'AFP",
            "« ⟦Nous ne rouvrirons pas les négociations budgétaires cette année⟧ », a indiqué le \
             ministère à l'AFP.",
            true,
            Some("le ministère"),
        ),
        (
            "split French quotation",
            "« Le budget est équilibré », a déclaré le ministre. « ⟦Nous n'augmenterons pas les \
             impôts cette année.⟧ »",
            true,
            Some("le ministre"),
        ),
        (
            "typographic double marks in French",
            "“⟦Nous ne rouvrirons pas les négociations budgétaires cette année⟧”, a affirmé \
             Maria Lindqvist jeudi.",
            true,
            ML,
        ),
    ]);
}

#[test]
fn negatives_stay_copies() {
    check(&[
        (
            "scare quotes around one word",
            "⟦The so-called \"reform\" of the pension system was passed by parliament on Tuesday \
             after a long debate.⟧",
            false,
            None,
        ),
        (
            "scare quotes around two words",
            "⟦Officials described the “hidden hand” behind the attacks as a fiction spread on \
             social media by the government.⟧",
            false,
            None,
        ),
        (
            "a headline in quotes on its line",
            "Read more:\n\"⟦Iran Warned Ahead of Islamic State Terrorist Attack⟧\"\n\nThe story.",
            false,
            None,
        ),
        (
            "a headline in quotes in parentheses",
            "Reuters (\"⟦the commission will not reopen the budget negotiations this year⟧\") \
             reports the same.",
            false,
            None,
        ),
        (
            "an unquoted copy",
            "⟦Iran failed to prevent the bombings, the Wall Street Journal reported.⟧",
            false,
            None,
        ),
        (
            "plain text after a closed quotation",
            "\"We won,\" she said. ⟦The committee then voted to adjourn the session until next \
             week, officials said.⟧",
            false,
            None,
        ),
        (
            "apostrophes are not quotation marks",
            "⟦The minister's aides didn't say whether the Corps' budget would rise next year.⟧",
            false,
            None,
        ),
        (
            "a copied story with a short quotation in it",
            "⟦The council met on Monday to discuss the new road. After a long debate the members \
             voted to approve the plan, which will cost the town a great deal of money over the \
             next ten years. \"It is a good day,\" the mayor said. The work starts in May.⟧",
            false,
            None,
        ),
    ]);
}

#[test]
fn credited_block_quotes() {
    let t = "So the statement reads, in full:\n\nAll is well.";
    assert_eq!(quotation(t, Span::new(34, 46)).credit, None);
    let t = "CBS News (\"Headline\") reports that it was told the same. The report adds:\n\n\
             Officials declined to offer details.";
    let b = t.find("Officials").unwrap();
    let q = quotation(t, Span::new(b, t.len()));
    assert_eq!(q.credit.as_deref(), Some("CBS News"));
    let t = "My take.\n\nWSJ (\"U.S. Secretly Alerted Iran\"):\n\nThe U.S. secretly warned \
             Iran.\n\nThe confidential alert came after intelligence.\n\nMore of mine.";
    let (b, e) = (
        t.find("The confidential").unwrap(),
        t.find("\n\nMore").unwrap(),
    );
    let q = quotation(t, Span::new(b, e));
    assert!(!q.quoted);
    assert_eq!(q.credit.as_deref(), Some("WSJ"));
    assert_eq!(q.reuse(), "credited");
}
