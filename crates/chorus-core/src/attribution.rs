//! Attribution: who said a quotation, read from the clause next to its quotation marks.
//!
//! [`crate::quotation`] finds the quotation marks; this module reads the one clause after
//! a closing mark (up to the end of its sentence) or before an opening mark (from the
//! start of its sentence) and recognises four shapes, in any of the [`LANGUAGES`]:
//!
//! - speaker, then verb: `…," Maria Lindqvist said on Friday.`, `She told Reuters: "…`,
//!   `Le ministre a déclaré : « …`;
//! - verb, then speaker (after the quotation only): `…," said Maria Lindqvist, a
//!   spokeswoman for the Commission.`, `… », a déclaré le ministre.`;
//! - a French clitic inversion: `… », a-t-il déclaré.`, `… », dit-elle.`;
//! - `according to` and its kin: `According to a person close to the talks, "…`,
//!   `… », selon le ministre.`
//!
//! The verbs and the other words are data, one [`Language`] per language; the patterns
//! are built once from all of them together, so no language has to be guessed first.
//!
//! **The speaker** is normalised to the noun phrase that names who speaks: spaces collapsed,
//! surrounding punctuation removed; a leading adverbial (`In a statement released on
//! Wednesday, the minister`) and a trailing one (`on Friday`, `in a statement`, `à l'AFP`)
//! cut; a relative clause (`, who …`) cut; and of a name and its apposition the name is
//! kept: `Maria Lindqvist, a spokeswoman for the Commission` and `a spokeswoman for the
//! Commission, Maria Lindqvist` both give `Maria Lindqvist` (the first comma-separated part
//! that starts with a capital and not with an article; else a part that is a pronoun, as
//! in `When they came near, he said:`; else the first part). Pronouns are kept as printed
//! (`she`, `il`). A phrase of more than nine words, or one that starts with a preposition,
//! is not a speaker.

use regex::{Regex, RegexBuilder};
use std::sync::LazyLock;

/// The words one language attributes quotations with; each list is `|`-separated.
pub(crate) struct Language {
    /// Verb phrases that follow the speaker: `said`, `told`, `a déclaré`.
    pub verbs: &'static str,
    /// Verb phrases that may also come before the speaker: `said`, `a déclaré`.
    pub inverted: &'static str,
    /// Verbs that take a clitic subject after a hyphen (`dit-il`, `déclare-t-elle`).
    pub clitic_verbs: &'static str,
    /// Auxiliaries of the clitic inversion (`a` in `a-t-il déclaré`).
    pub clitic_aux: &'static str,
    /// Clitic subject pronouns (`il`, `elle`).
    pub clitics: &'static str,
    /// Phrases that introduce a speaker: `according to`, `selon`.
    pub according: &'static str,
    /// Words that end a speaker's noun phrase when they follow it: `on`, `in`, `Friday`.
    pub stops: &'static str,
    /// First words of an adverbial part that is not the speaker: `In a statement, …`.
    pub adverbial: &'static str,
    /// Articles: a part that starts with one is a description, not a name.
    pub articles: &'static str,
    /// Words that open a relative clause: `, who …`.
    pub relative: &'static str,
    /// Subject pronouns: a speaker as printed.
    pub pronouns: &'static str,
    /// Words a speaker never starts with: `…," said to Saxon`.
    pub never_first: &'static str,
    /// Object pronouns, dropped before an inverted speaker: `answered him Helen`.
    pub objects: &'static str,
}

pub(crate) const ENGLISH: Language = Language {
    verbs: "said|says|told|tells|added|adds|stated|states|wrote|writes|explained|explains|\
        noted|notes|claimed|claims|insisted|insists|argued|argues|warned|warns|announced|\
        announces|declared|declares|continued|continues|replied|replies|asked|asks|remarked|\
        recalled|recalls|confirmed|confirms|reported|reports|tweeted|posted|muttered|sighed|\
        cried|shouted|whispered|admitted|admits|acknowledged|acknowledges|suggested|suggests|\
        stressed|stresses|emphasized|emphasised|responded|answered|exclaimed|retorted|\
        interrupted|demanded|inquired|enquired|queried|murmured|protested|observed|objected|\
        returned|repeated|agreed|screamed|groaned",
    inverted: "said|says|added|adds|wrote|writes|explained|noted|asked|asks|continued|\
        replied|answered|insisted|warned|declared|cried|shouted|whispered|muttered|recalled|\
        stressed|argued|exclaimed|retorted|interrupted|demanded|inquired|enquired|queried|\
        murmured|protested|observed|objected|returned|repeated|agreed|screamed|groaned",
    clitic_verbs: "",
    clitic_aux: "",
    clitics: "",
    according: "according to|in the words of",
    stops: "on|in|at|late|early|last|this|yesterday|today|tonight|earlier|later|while|when|\
        during|adding|after|before|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday",
    adverbial: "in|on|at|after|before|during|speaking|asked|responding|writing|later|\
        earlier|however|meanwhile|when|while|if|once|according",
    articles: "a|an|the|this|that|one|another|some",
    relative: "who|whose|which|whom",
    pronouns: "he|she|they|i|we|you|it",
    never_first: "to|for|with|of|by|from|that|than|as",
    objects: "him|her|them|me|us|himself|herself|themselves|myself",
};

pub(crate) const FRENCH: Language = Language {
    verbs: "a déclaré|a affirmé|a dit|a indiqué|a expliqué|a ajouté|a souligné|a précisé|\
        a assuré|a estimé|a confié|a annoncé|a rappelé|a averti|a reconnu|a insisté|\
        a poursuivi|a répondu|a lancé|a martelé|a écrit|a déploré|a commenté|a confirmé|\
        a raconté|avait déclaré|avait dit|ont déclaré|ont indiqué|déclare|affirme|dit|\
        indique|explique|ajoute|souligne|précise|assure|estime|confie|annonce|rappelle|\
        avertit|reconnaît|poursuit|répond|lance|martèle|écrit|déplore|confirme|raconte|\
        déclara|ajouta|répondit|expliqua|affirma|s'est exclamé|s'écria|s’est exclamé|s’écria",
    inverted: "a déclaré|a affirmé|a dit|a indiqué|a expliqué|a ajouté|a souligné|\
        a précisé|a assuré|a estimé|a confié|a annoncé|a rappelé|a averti|a reconnu|\
        a insisté|a poursuivi|a répondu|a lancé|a martelé|a écrit|a déploré|a commenté|\
        a confirmé|a raconté|ont déclaré|ont indiqué|déclare|affirme|dit|indique|explique|\
        ajoute|souligne|précise|assure|estime|confie|annonce|rappelle|poursuit|répond|lance|\
        martèle|écrit|déplore|confirme|raconte|déclara|ajouta|répondit|expliqua|affirma|\
        s'écria|s’écria",
    clitic_verbs: "dit|déclare|affirme|ajoute|explique|indique|précise|souligne|assure|\
        estime|poursuit|répond|lance|confie|reconnaît|insiste|rappelle|raconte|écrit|déclara|\
        ajouta|répondit|expliqua",
    clitic_aux: "a|avait|aurait|ont",
    clitics: "il|elle|ils|elles|on",
    according: "selon|d'après|d’après|pour reprendre les mots de",
    stops: "à|au|aux|lors|dans|hier|aujourd'hui|aujourd’hui|ce|cette|lundi|mardi|mercredi|\
        jeudi|vendredi|samedi|dimanche|en|devant|avant|après|mais",
    adverbial: "dans|lors|en|interrogé|interrogée|interrogés|selon|mais|pourtant|cependant|\
        après|avant|quand|lorsque|si",
    articles: "un|une|le|la|les|l'|l’|des|ce|cette",
    relative: "qui|dont|que|lequel|laquelle",
    pronouns: "il|elle|ils|elles|on|je|nous|vous",
    never_first: "à|de|du|pour|par|avec|que|qu'|qu’",
    objects: "lui|leur|lui-même|elle-même",
};

/// The languages whose attributions are recognised.
pub(crate) const LANGUAGES: &[&Language] = &[&ENGLISH, &FRENCH];

/// The phrases of a `|`-separated list.
fn list(l: &'static str) -> impl Iterator<Item = &'static str> {
    l.split('|').map(str::trim).filter(|w| !w.is_empty())
}

/// An alternation of phrases, longest first, spaces matching any run of white space.
fn alternation(pick: impl Fn(&Language) -> &'static str) -> String {
    let mut all: Vec<&str> = LANGUAGES.iter().flat_map(|l| list(pick(l))).collect();
    all.sort_by_key(|p| std::cmp::Reverse(p.len()));
    all.dedup();
    all.iter()
        .map(|p| regex::escape(p).replace(' ', r"\s+"))
        .collect::<Vec<_>>()
        .join("|")
}

/// Bytes of the lazy DFA cache of each pattern, in each thread that matches it. The
/// patterns are long alternations under Unicode case folding with bounded repeats of `.`,
/// whose lazy DFAs grow to the regex crate's default (2 MiB each way) on a few thousand
/// clauses: some 9 MB of a run, whatever the size of its corpus. Matching is the same with
/// a smaller cache (states are rebuilt, or a slower engine used, when it fills); the
/// clauses read are short, one sentence next to a quotation mark.
const DFA_CACHE_BYTES: usize = 256 << 10;

fn build(pattern: &str) -> Regex {
    RegexBuilder::new(pattern)
        .dfa_size_limit(DFA_CACHE_BYTES)
        .build()
        .expect("valid attribution pattern")
}

static VERBS: LazyLock<String> = LazyLock::new(|| alternation(|l| l.verbs));
static INVERTED: LazyLock<String> = LazyLock::new(|| alternation(|l| l.inverted));
static ACCORDING: LazyLock<String> = LazyLock::new(|| alternation(|l| l.according));
const LEAD: &str = r"^[\s,.;:—–-]*";

static AFTER_CLITIC: LazyLock<Regex> = LazyLock::new(|| {
    let aux = alternation(|l| l.clitic_aux);
    let cv = alternation(|l| l.clitic_verbs);
    let cl = alternation(|l| l.clitics);
    build(&format!(
        r"(?i){LEAD}(?:(?:{aux})-t-(?P<a>{cl})\s+\S+|(?:{cv})-(?:t-)?(?P<b>{cl}))\b"
    ))
});
static AFTER_INVERTED: LazyLock<Regex> =
    LazyLock::new(|| build(&format!(r"(?i){LEAD}(?:{})\s+(?P<spk>.+)$", &*INVERTED)));
static AFTER_ACCORDING: LazyLock<Regex> =
    LazyLock::new(|| build(&format!(r"(?i){LEAD}(?:{})\s+(?P<spk>.+)$", &*ACCORDING)));
static AFTER_SPEAKER_VERB: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"{LEAD}(?P<spk>[^\s,].{{0,120}}?)\s+(?:{})(?:\s|[,.:;!?]|$)",
        &*VERBS
    ))
});
static BEFORE_ACCORDING: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"(?i)(?:^|\s)(?:{})\s+(?P<spk>.+?)[\s,:—–-]*$",
        &*ACCORDING
    ))
});
static BEFORE_SPEAKER_VERB: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"^[\s,—–-]*(?P<spk>[^\s,].{{0,120}}?)\s+(?:{})(?:\s+[^\s:]+){{0,8}}?[\s,:—–-]*$",
        &*VERBS
    ))
});

/// How a clause attributes: the speaker, and whether the speaker was inverted after the
/// verb (`said X`), which needs no comma before it.
pub(crate) struct Said {
    pub speaker: String,
    pub inverted: bool,
}

/// The speaker named by `clause`, the sentence (or its start) right after a closing mark.
pub(crate) fn after(clause: &str) -> Option<Said> {
    if let Some(c) = AFTER_CLITIC.captures(clause) {
        let pro = c.name("a").or_else(|| c.name("b"))?;
        return Some(Said {
            speaker: pro.as_str().to_lowercase(),
            inverted: true,
        });
    }
    for (re, inverted) in [(&AFTER_INVERTED, true), (&AFTER_ACCORDING, true)] {
        if let Some(s) = re.captures(clause).and_then(|c| speaker(&c["spk"])) {
            return Some(Said {
                speaker: s,
                inverted,
            });
        }
    }
    let c = AFTER_SPEAKER_VERB.captures(clause)?;
    Some(Said {
        speaker: speaker(&c["spk"])?,
        inverted: false,
    })
}

/// The speaker named by `clause`, the sentence (or its end) right before an opening mark.
pub(crate) fn before(clause: &str) -> Option<String> {
    if let Some(s) = BEFORE_ACCORDING
        .captures(clause)
        .and_then(|c| speaker(&c["spk"]))
    {
        return Some(s);
    }
    speaker(&BEFORE_SPEAKER_VERB.captures(clause)?["spk"])
}

/// Conjunctions that may open a speaker phrase (dropped) or end a predicate.
const CONJUNCTIONS: &[&str] = &["and", "but", "then", "so", "et", "mais", "puis"];

/// Whether the word `w` (punctuation around it aside) is one of the phrases of a list of
/// any language, ignoring case.
fn any_lang(w: &str, pick: impl Fn(&Language) -> &'static str) -> bool {
    let w = w
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .to_lowercase();
    LANGUAGES
        .iter()
        .any(|l| list(pick(l)).any(|x| x.to_lowercase() == w))
}

/// Normalises a speaker phrase (see the module documentation); `None` when it is not one.
pub(crate) fn speaker(raw: &str) -> Option<String> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    // `He looked at her and said: "…"`: a coordinated predicate, not a speaker
    let last = words.last()?.trim_matches(|c: char| !c.is_alphanumeric());
    if CONJUNCTIONS.iter().any(|c| c.eq_ignore_ascii_case(last)) {
        return None;
    }
    let text = words.join(" ").replace("--", ",");
    // parts separated by commas; drop adverbial parts and everything from a relative clause
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split([',', '—', '–', '(', ')']) {
        let part = part.trim();
        let first = part.split(' ').next().unwrap_or("");
        if part.is_empty() {
            continue;
        }
        if any_lang(first, |l| l.relative) {
            break;
        }
        if any_lang(first, |l| l.adverbial) {
            continue;
        }
        parts.push(part);
    }
    // a name: starts with a capital but not with an article, mostly capitalised words
    let is_name = |p: &&str| {
        let first = p.split(' ').next().unwrap_or("");
        let words = p.split(' ').count();
        let caps = p
            .split(' ')
            .filter(|w| w.starts_with(char::is_uppercase))
            .count();
        first.starts_with(char::is_uppercase)
            && !any_lang(first, |l| l.articles)
            && !first.starts_with("L'")
            && !first.starts_with("L’")
            && 2 * caps >= words
    };
    let pronoun = |p: &&str| any_lang(p, |l| l.pronouns);
    let part = (parts.iter().copied().find(is_name))
        .or_else(|| parts.iter().copied().find(pronoun))
        .or(parts.first().copied())?;
    if any_lang(part.split(' ').next().unwrap_or(""), |l| l.never_first) {
        return None;
    }
    // cut a trailing adverbial: the first stop word after the first word
    let mut kept: Vec<&str> = Vec::new();
    let words: Vec<&str> = part.split(' ').collect();
    for (i, &w) in words.iter().enumerate() {
        // `the peasant to himself`: a preposition before a pronoun ends the phrase too
        let to_pronoun = any_lang(w, |l| l.never_first)
            && words.get(i + 1).is_some_and(|n| any_lang(n, |l| l.objects));
        if i > 0 && (any_lang(w, |l| l.stops) || to_pronoun) {
            break;
        }
        kept.push(w);
    }
    // `said John glibly`: a manner adverb after a name
    if let [.., name, adverb] = kept[..]
        && name.starts_with(char::is_uppercase)
        && adverb.ends_with("ly")
        && adverb.chars().all(char::is_lowercase)
    {
        kept.pop();
    }
    // `answered him then Thetis`: an object pronoun or a conjunction before the speaker
    while kept.len() > 1
        && (CONJUNCTIONS.iter().any(|c| c.eq_ignore_ascii_case(kept[0]))
            || any_lang(kept[0], |l| l.objects))
    {
        kept.remove(0);
    }
    let s = kept.join(" ");
    let s = s
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != '\'' && c != '’')
        .trim_end_matches('.');
    // a lone conjunction or adverb (`Then`) names nobody
    if !s.contains(' ')
        && (CONJUNCTIONS.iter().any(|c| c.eq_ignore_ascii_case(s)) || any_lang(s, |l| l.adverbial))
    {
        return None;
    }
    let n = s.split(' ').count();
    if s.is_empty() || n > 9 || !s.chars().any(char::is_alphabetic) {
        return None;
    }
    Some(s.to_string())
}
