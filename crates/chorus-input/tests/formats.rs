//! HTML, WARC, feeds (from files and a local HTTP server), CSV/TSV, and a folder of bad
//! input, read through the public API.

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use chorus_core::{Config, Document, NoProgress, find};
use chorus_input::{Columns, InputFormat, InputProblem, ProblemKind, ReadOptions, read_all};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn read(inputs: &[PathBuf], opts: &ReadOptions) -> (Vec<Document>, Vec<InputProblem>) {
    read_all(inputs, opts).unwrap()
}

/// Asserts that the problems, as shown to users, are as many as `expected` and each
/// contains its expected text.
fn assert_problems(problems: &[InputProblem], expected: &[String]) {
    let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(shown.len(), expected.len(), "{shown:#?}");
    for (shown_one, want) in shown.iter().zip(expected) {
        assert!(shown_one.contains(want.as_str()), "{want:?} in {shown:#?}");
    }
}

const CHROME: &[&str] = &[
    "Subscribe",
    "cookies",
    "Share on",
    "Related stories",
    "Council tax",
    "Copyright",
    "Privacy",
    "harbourwatcher",
    "detour",
    "Log in",
    "Most read",
    "Seal pup",
    "Caravan",
    "Advertise",
    "cycle lane",
    "dataLayer",
    "loadAds",
    "Tags:",
];

#[test]
fn two_sites_yield_the_article_and_its_metadata() {
    let (docs, problems) = read(&[fixture("two-sites")], &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(docs.len(), 2);
    let courier = &docs[0];
    let gazette = &docs[1];
    assert_eq!(courier.id, "courier.html");
    assert_eq!(
        gazette.meta.title.as_deref(),
        Some("Harbour bridge reopens after two-year repair")
    );
    assert_eq!(gazette.meta.source.as_deref(), Some("The Valley Gazette"));
    assert_eq!(gazette.meta.date.as_deref(), Some("2024-03-14T08:30:00Z"));
    assert_eq!(
        gazette.meta.url.as_deref(),
        Some("https://valleygazette.example/news/2024/harbour-bridge-reopens")
    );
    assert_eq!(courier.meta.source.as_deref(), Some("Coast Courier"));
    assert_eq!(
        courier.meta.date.as_deref(),
        Some("2024-03-14T11:05:00+00:00")
    );
    assert_eq!(
        courier.meta.url.as_deref(),
        Some("https://coastcourier.example/local/bridge-back-in-business")
    );
    // windows-1252 decoded, entities resolved.
    assert!(
        courier.text.contains("Café owner Priya Nandakumar"),
        "{}",
        courier.text
    );
    assert!(
        courier
            .text
            .contains("“We had more customers before nine o’clock")
    );
    for doc in &docs {
        assert!(
            doc.text.contains("Engineers replaced all sixty-four"),
            "{}",
            doc.text
        );
        assert!(
            doc.text
                .contains("should last at least another half century.")
        );
        for chrome in CHROME {
            assert!(
                !doc.text.contains(chrome),
                "{} kept `{chrome}`:\n{}",
                doc.id,
                doc.text
            );
        }
    }

    // The shared passages are found, and only article text is in them.
    let report = find(&docs, &Config::default(), &NoProgress).unwrap();
    assert!(!report.clusters.is_empty());
    let mut shared = String::new();
    for cluster in &report.clusters {
        for m in &cluster.members {
            let doc = docs.iter().find(|d| d.id == m.doc).unwrap();
            shared.push_str(&doc.text[m.begin..m.end]);
            shared.push('\n');
        }
    }
    assert!(
        shared.contains("sixty-four of the original steel cables"),
        "{shared}"
    );
    assert!(shared.contains("monitoring system"), "{shared}");
    for chrome in CHROME {
        assert!(!shared.contains(chrome), "shared passage holds `{chrome}`");
    }
}

#[test]
fn comments_are_kept_on_request() {
    let opts = ReadOptions::default().keep_comments(true);
    let (docs, problems) = read(&[fixture("two-sites")], &opts);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(
        docs[1]
            .text
            .contains("the detour through the industrial estate")
    );
    assert!(docs[1].text.contains("Will the bridge tolls come back"));
    assert!(
        docs[0]
            .text
            .contains("Does anyone know if the cycle lane is finished?")
    );
    assert!(docs[1].text.contains("Engineers replaced all sixty-four"));
    assert!(!docs[1].text.contains("Privacy policy"));
}

// ---------------------------------------------------------------------------------------
// Extraction quality: 20 pages with known main text.

/// A deterministic stream of words, so that every page's article text differs.
struct Words(u64);

const VOCAB: &[&str] = &[
    "river",
    "council",
    "harvest",
    "market",
    "teacher",
    "railway",
    "budget",
    "village",
    "storm",
    "museum",
    "doctor",
    "festival",
    "harbour",
    "factory",
    "library",
    "election",
    "garden",
    "bridge",
    "mayor",
    "report",
    "winter",
    "school",
    "orchestra",
    "hospital",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "was",
    "were",
    "said",
    "after",
    "before",
    "during",
    "residents",
    "visitors",
    "engineers",
    "farmers",
    "officials",
    "volunteers",
    "opened",
    "closed",
    "repaired",
    "announced",
    "welcomed",
    "criticised",
    "promised",
    "delayed",
];

impl Words {
    fn next(&mut self) -> &'static str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        VOCAB[(self.0 % VOCAB.len() as u64) as usize]
    }

    fn sentence(&mut self) -> String {
        let n = 12 + (self.0 % 10) as usize;
        let mut words: Vec<String> = (0..n).map(|_| self.next().to_owned()).collect();
        let first = &mut words[0];
        *first = first[..1].to_uppercase() + &first[1..];
        words.join(" ") + "."
    }

    fn paragraph(&mut self) -> String {
        let n = 2 + (self.0 % 3) as usize;
        (0..n)
            .map(|_| self.sentence())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn nav(site: &str) -> String {
    format!(
        "<nav class=\"menu\"><ul><li><a href=\"/\">{site} home</a></li><li><a href=\"/news\">News</a></li>\
         <li><a href=\"/opinion\">Opinion</a></li><li><a href=\"/sport\">Sport</a></li>\
         <li><a href=\"/culture\">Culture</a></li><li><a href=\"/subscribe\">Subscribe</a></li></ul></nav>"
    )
}

fn footer(site: &str) -> String {
    format!(
        "<footer><p>All content copyright {site} Media Group.</p><a href=\"/privacy\">Privacy</a> \
         <a href=\"/terms\">Terms of use</a> <a href=\"/careers\">Careers</a></footer>"
    )
}

fn comments(n: usize) -> String {
    let items: String = (0..n)
        .map(|i| {
            format!(
                "<li class=\"comment\"><span class=\"author\">reader{i}</span>\
                 <p>Interesting piece number {i}, thanks for writing it up so clearly.</p></li>"
            )
        })
        .collect();
    format!("<section class=\"comments\"><h3>Reader comments</h3><ol>{items}</ol></section>")
}

fn related() -> &'static str {
    "<aside class=\"sidebar related\"><h4>Related</h4><ul>\
     <li><a href=\"/x1\">Ten things to do this weekend in the city</a></li>\
     <li><a href=\"/x2\">Readers' photos of the week</a></li>\
     <li><a href=\"/x3\">Crossword answers and clues</a></li></ul></aside>"
}

/// Page `i` (one of five layouts) around the given paragraphs.
fn page(i: usize, title: &str, paras: &[String]) -> String {
    let site = format!("Site{i}");
    let ps: String = paras.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    let body = match i % 5 {
        0 => format!(
            "<header><div class=\"logo\">{site}</div>{}</header><main><article><h1>{title}</h1>\
             <div class=\"byline\">By Staff Writer</div>{ps}</article>{}{}</main>{}",
            nav(&site),
            related(),
            comments(4),
            footer(&site)
        ),
        1 => format!(
            "{}<div id=\"wrapper\"><div id=\"left\" class=\"sidebar\">{}</div>\
             <div id=\"main-content\" class=\"post\"><h2>{title}</h2>\
             <div class=\"share\"><a href=\"#\">Tweet</a> <a href=\"#\">Share</a></div>\
             <div class=\"post-body entry-content\">{ps}</div></div></div>{}{}",
            nav(&site),
            related(),
            comments(2),
            footer(&site)
        ),
        2 => format!(
            "<div class=\"cookie-notice\">This site uses cookies. <a href=\"#\">OK</a></div>{}\
             <table class=\"layout\"><tr><td class=\"nav-cell\"><a href=\"/a\">Archive</a><br><a href=\"/b\">Contact</a></td>\
             <td class=\"story\"><h1>{title}</h1>{ps}</td></tr></table>{}",
            nav(&site),
            footer(&site)
        ),
        3 => format!(
            "{}<section class=\"article-container\"><header><h1>{title}</h1>\
             <time datetime=\"2023-0{}-1{}\">date</time></header><div class=\"article__body\">{ps}</div>\
             <div class=\"newsletter-signup\">Sign up for our morning briefing <form><input type=\"email\"><button>Go</button></form></div>\
             </section>{}{}{}",
            nav(&site),
            1 + i % 9,
            i % 10,
            related(),
            comments(6),
            footer(&site)
        ),
        _ => format!(
            "<div class=\"site\">{}<div class=\"container\"><div class=\"row\"><div class=\"col-md-8\">\
             <div class=\"story-content\"><h1 class=\"title\">{title}</h1>{ps}</div></div>\
             <div class=\"col-md-4 widget-area\">{}<div class=\"ad\">Advertisement</div></div></div></div>{}</div>",
            nav(&site),
            related(),
            footer(&site)
        ),
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title} - {site}</title>\
         <script>var analytics = {{id: 'UA-{i}'}};</script><style>body{{margin:0}}</style></head>\
         <body>{body}<script>console.log('loaded');</script></body></html>"
    )
}

fn word_counts(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *counts.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// Word-level (bag of words) precision and recall of `got` against `want`.
fn f1(want: &str, got: &str) -> f64 {
    let (w, g) = (word_counts(want), word_counts(got));
    let common: usize = w
        .iter()
        .map(|(k, n)| (*n).min(*g.get(k).unwrap_or(&0)))
        .sum();
    let (nw, ng) = (w.values().sum::<usize>(), g.values().sum::<usize>());
    if common == 0 {
        return 0.0;
    }
    let (p, r) = (common as f64 / ng as f64, common as f64 / nw as f64);
    2.0 * p * r / (p + r)
}

#[test]
fn extraction_quality_on_twenty_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut truth = HashMap::new();
    for i in 0..20 {
        let mut words = Words(0x9e37_79b9_7f4a_7c15 ^ ((i as u64 + 1) * 0x1234_5678));
        let title = format!("Story {i}: {} {}", words.next(), words.next());
        let paras: Vec<String> = (0..3 + i % 5).map(|_| words.paragraph()).collect();
        let name = format!("page{i:02}.html");
        fs::write(dir.path().join(&name), page(i, &title, &paras)).unwrap();
        truth.insert(name, paras.join("\n\n"));
    }
    let (docs, problems) = read(&[dir.path().to_path_buf()], &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(docs.len(), 20);
    let mut total = 0.0;
    for doc in &docs {
        let score = f1(&truth[&doc.id], &doc.text);
        eprintln!("{}: F1 {score:.3}", doc.id);
        assert!(score >= 0.85, "{}: F1 {score:.3}\n{}", doc.id, doc.text);
        total += score;
    }
    let mean = total / docs.len() as f64;
    eprintln!("mean word-level F1 over 20 pages: {mean:.4}");
    assert!(mean >= 0.95, "mean F1 {mean:.3}");
}

// ---------------------------------------------------------------------------------------
// WARC

fn warc_record(kind: &str, uri: Option<&str>, date: &str, ctype: &str, block: &[u8]) -> Vec<u8> {
    let mut out = format!("WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Date: {date}\r\n");
    if let Some(uri) = uri {
        out.push_str(&format!("WARC-Target-URI: {uri}\r\n"));
    }
    out.push_str(&format!(
        "WARC-Record-ID: <urn:uuid:{:08x}>\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
        block.len(),
        block.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(block);
    bytes.extend_from_slice(b"\r\n\r\n");
    bytes
}

fn http(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

const RESP: &str = "application/http; msgtype=response";

fn article_html(title: &str, date: Option<&str>, para: &str) -> String {
    let date = date.map_or(String::new(), |d| {
        format!("<meta property=\"article:published_time\" content=\"{d}\">")
    });
    format!(
        "<html><head><title>{title}</title>{date}</head><body><nav><a href=\"/\">Home</a> <a href=\"/about\">About us</a></nav>\
         <article><h1>{title}</h1><p>{para}</p><p>{para} Again, in other words.</p></article>\
         <footer>Footer text here</footer></body></html>"
    )
}

fn build_warc() -> Vec<u8> {
    let d1 = "2024-05-01T10:00:00Z";
    let d2 = "2024-05-01T10:00:05Z";
    let records = [
        warc_record(
            "warcinfo",
            None,
            d1,
            "application/warc-fields",
            b"software: chorus-test\r\nformat: WARC File Format 1.0\r\n",
        ),
        warc_record(
            "request",
            Some("http://one.example/a"),
            d1,
            "application/http; msgtype=request",
            b"GET /a HTTP/1.1\r\nHost: one.example\r\n\r\n",
        ),
        warc_record(
            "response",
            Some("http://one.example/a"),
            d1,
            RESP,
            &http(
                "200 OK",
                "Content-Type: text/html; charset=utf-8\r\n",
                article_html(
                    "Page A",
                    Some("2023-12-24T09:00:00Z"),
                    "The first page speaks of rivers and of mills along their banks.",
                )
                .as_bytes(),
            ),
        ),
        warc_record(
            "response",
            Some("http://two.example/img.png"),
            d1,
            RESP,
            &http(
                "200 OK",
                "Content-Type: image/png\r\n",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01",
            ),
        ),
        warc_record(
            "response",
            Some("http://two.example/old"),
            d2,
            RESP,
            &http("301 Moved Permanently", "Location: /new\r\n", b""),
        ),
        warc_record(
            "response",
            Some("http://two.example/new"),
            d2,
            RESP,
            &http(
                "200 OK",
                "Content-Type: text/html; charset=ISO-8859-1\r\n",
                &article_html(
                    "Page B",
                    None,
                    "The second page is about a caf\u{e9} near the station and its owner.",
                )
                .chars()
                .map(|c| c as u32 as u8)
                .collect::<Vec<u8>>(),
            ),
        ),
        warc_record(
            "resource",
            Some("file:///notes/c.html"),
            d2,
            "text/html",
            article_html(
                "Page C",
                None,
                "A stored resource page about the lighthouse keeper and his lamp.",
            )
            .as_bytes(),
        ),
        warc_record(
            "metadata",
            Some("http://one.example/a"),
            d2,
            "application/warc-fields",
            b"fetchTimeMs: 120\r\n",
        ),
    ];
    records.iter().flat_map(|r| gzip(r)).collect()
}

#[test]
fn warc_round_trips_urls_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crawl.warc.gz");
    fs::write(&path, build_warc()).unwrap();
    let (docs, problems) = read(&[path], &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    let got: Vec<(&str, Option<&str>, Option<&str>)> = docs
        .iter()
        .map(|d| (d.id.as_str(), d.meta.url.as_deref(), d.meta.date.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "http://one.example/a",
                Some("http://one.example/a"),
                Some("2023-12-24T09:00:00Z")
            ),
            (
                "http://two.example/new",
                Some("http://two.example/new"),
                Some("2024-05-01T10:00:05Z")
            ),
            (
                "file:///notes/c.html",
                Some("file:///notes/c.html"),
                Some("2024-05-01T10:00:05Z")
            ),
        ]
    );
    assert_eq!(docs[0].meta.extra["warc_date"], "2024-05-01T10:00:00Z");
    assert_eq!(docs[0].meta.title.as_deref(), Some("Page A"));
    assert!(docs[0].text.contains("rivers and of mills"));
    assert!(!docs[0].text.contains("About us"));
    assert!(
        docs[1].text.contains("a café near the station"),
        "{}",
        docs[1].text
    );
    assert!(docs[2].text.contains("lighthouse keeper"));

    // The same archive uncompressed, detected by content without an extension.
    let mut plain = Vec::new();
    flate2::read::MultiGzDecoder::new(&build_warc()[..])
        .read_to_end(&mut plain)
        .unwrap();
    let path = dir.path().join("crawl");
    fs::write(&path, plain).unwrap();
    let (again, problems) = read(&[path], &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(again, docs);
}

#[test]
fn broken_warcs_report_records_and_keep_the_rest() {
    let good = |uri: &str, para: &str| {
        warc_record(
            "response",
            Some(uri),
            "2024-01-01T00:00:00Z",
            RESP,
            &http(
                "200 OK",
                "Content-Type: text/html\r\n",
                article_html("T", None, para).as_bytes(),
            ),
        )
    };
    let mut bytes = good(
        "http://a.example/1",
        "One good page about the orchard and its apples.",
    );
    bytes.extend_from_slice(b"GARBAGE LINE\r\nMore: junk\r\n\r\nnot a record\r\n");
    bytes.extend(good(
        "http://a.example/2",
        "Two good pages about the orchard and its pears.",
    ));
    bytes.extend_from_slice(
        b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: lots\r\n\r\nxx\r\n\r\n",
    );
    bytes.extend(good(
        "http://a.example/3",
        "Three good pages about the orchard and its plums.",
    ));
    let mut cut = good(
        "http://a.example/4",
        "The fourth page is cut short by the end of the file.",
    );
    cut.truncate(cut.len() - 60);
    bytes.extend(cut);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.warc");
    fs::write(&path, &bytes).unwrap();
    let (docs, problems) = read(std::slice::from_ref(&path), &ReadOptions::default());
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "http://a.example/1",
            "http://a.example/2",
            "http://a.example/3"
        ]
    );
    let file = path.display().to_string();
    assert_problems(
        &problems,
        &[
            format!("{file}:2: broken WARC header: expected a `WARC/1.x` version line"),
            format!("{file}:4: broken WARC header: no valid Content-Length"),
            format!("{file}:6: record cut short"),
        ],
    );

    // Truncated gzip: the records before the damage are kept.
    let gz: Vec<u8> = (1..=3)
        .flat_map(|i| {
            gzip(&good(
                &format!("http://b.example/{i}"),
                "Some page text about the weather at sea today.",
            ))
        })
        .collect();
    let path = dir.path().join("cut.warc.gz");
    fs::write(&path, &gz[..gz.len() - 30]).unwrap();
    let (docs, problems) = read(&[path], &ReadOptions::default());
    assert_eq!(docs.len(), 2);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].kind, ProblemKind::Decompression);
}

// ---------------------------------------------------------------------------------------
// Feeds

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>River Town News</title><link>http://rivertown.example/</link>
<item><title>Flood defences finished</title><link>http://rivertown.example/flood</link>
<guid>urn:rt:1</guid><pubDate>Tue, 02 Apr 2024 09:30:00 GMT</pubDate>
<description>&lt;p&gt;The new flood wall along the quay was finished on Monday.&lt;/p&gt;&lt;p&gt;It cost two million pounds.&lt;/p&gt;</description></item>
<item><title>No link here</title><guid isPermaLink="false">urn:rt:2</guid><pubDate>Wed, 03 Apr 2024 10:00:00 GMT</pubDate>
<description>The ferry timetable changes next week.</description></item>
<item><title>Empty item</title><link>http://rivertown.example/empty</link></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Hill Post</title><id>urn:hp</id><updated>2024-04-05T00:00:00Z</updated>
<entry><title>Snow on the pass</title><id>urn:hp:snow</id><link href="http://hillpost.example/snow"/>
<published>2024-04-04T06:00:00Z</published><updated>2024-04-04T07:00:00Z</updated>
<content type="html">&lt;p&gt;Snow closed the mountain pass overnight.&lt;/p&gt;</content></entry>
</feed>"#;

#[test]
fn feeds_from_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.rss"), RSS).unwrap();
    fs::write(dir.path().join("b.xml"), ATOM).unwrap();
    fs::write(dir.path().join("c.atom"), "<feed><entry><title>x</title").unwrap();
    let (docs, problems) = read(&[dir.path().to_path_buf()], &ReadOptions::default());
    type Row<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let got: Vec<Row<'_>> = docs
        .iter()
        .map(|d| {
            (
                d.id.as_str(),
                d.text.as_str(),
                d.meta.date.as_deref(),
                d.meta.source.as_deref(),
                d.meta.title.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "http://rivertown.example/flood",
                "The new flood wall along the quay was finished on Monday.\n\nIt cost two million pounds.",
                Some("2024-04-02T09:30:00+00:00"),
                Some("River Town News"),
                Some("Flood defences finished"),
            ),
            (
                "urn:rt:2",
                "The ferry timetable changes next week.",
                Some("2024-04-03T10:00:00+00:00"),
                Some("River Town News"),
                Some("No link here"),
            ),
            (
                "http://hillpost.example/snow",
                "Snow closed the mountain pass overnight.",
                Some("2024-04-04T06:00:00+00:00"),
                Some("Hill Post"),
                Some("Snow on the pass"),
            ),
        ]
    );
    assert_problems(
        &problems,
        &[
            "a.rss:3: item `http://rivertown.example/empty` has no content or summary".into(),
            "c.atom: not a readable RSS or Atom feed".into(),
        ],
    );
}

/// Serves `body` for `/feed` and 404 for anything else, for `requests` requests.
fn serve(body: &'static str, requests: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&buf[..n]);
            }
            let req = String::from_utf8_lossy(&req);
            let response = if req.starts_with("GET /feed ") {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_owned()
            };
            stream.write_all(response.as_bytes()).unwrap();
        }
    });
    (format!("http://{addr}"), handle)
}

#[test]
fn feeds_from_a_local_http_server() {
    let (base, server) = serve(RSS, 2);
    let inputs = [
        PathBuf::from(format!("{base}/feed")),
        PathBuf::from(format!("{base}/missing")),
    ];
    let (docs, problems) = read(&inputs, &ReadOptions::default());
    server.join().unwrap();
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["http://rivertown.example/flood", "urn:rt:2"]);
    assert_eq!(
        docs[0].meta.date.as_deref(),
        Some("2024-04-02T09:30:00+00:00")
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].file, format!("{base}/feed"));
    assert_eq!(problems[0].line, Some(3));
    assert_eq!(
        problems[1].to_string(),
        format!("{base}/missing: cannot fetch: HTTP status 404")
    );
}

// ---------------------------------------------------------------------------------------
// CSV and TSV

#[test]
fn csv_and_tsv_with_named_columns() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("letters.csv"),
        "\u{feff}Letter,Body,Paper,Printed,page\n\
         L1,\"Sir, the harvest\nwas good.\",Gazette,1851-07-01,4\n\
         L2,,Gazette,1851-07-02,5\n\
         ,\"He said \"\"no\"\".\",Courier,1851-07-03,6\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("more.tsv"),
        "Letter\tBody\tPaper\nT1\tA \"quoted\" tab text\tHerald\n",
    )
    .unwrap();
    fs::write(dir.path().join("wrong.csv"), "a,b\n1,2\n").unwrap();
    let cols = Columns {
        id: "letter".into(),
        text: "body".into(),
        source: "paper".into(),
        date: "printed".into(),
        ..Columns::default()
    };
    let opts = ReadOptions::default().columns(cols);
    let (docs, problems) = read(&[dir.path().to_path_buf()], &opts);
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    let letters = dir.path().join("letters.csv").display().to_string();
    assert_eq!(ids, ["L1", "letters.csv:5", "T1"]);
    assert_eq!(docs[0].text, "Sir, the harvest\nwas good.");
    assert_eq!(docs[0].meta.source.as_deref(), Some("Gazette"));
    assert_eq!(docs[0].meta.date.as_deref(), Some("1851-07-01"));
    assert_eq!(docs[0].meta.extra["page"], "4");
    assert_eq!(docs[1].text, "He said \"no\".");
    assert_eq!(docs[2].text, "A \"quoted\" tab text");
    assert_eq!(docs[2].meta.source.as_deref(), Some("Herald"));
    let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert_eq!(shown[0], format!("{letters}:4: row `L2` has empty text"));
    assert!(shown[1].ends_with("wrong.csv: no `body` column in the header (a, b); file skipped"));

    // A semicolon-separated file read with a forced format and delimiter.
    let path = dir.path().join("semi.txt");
    fs::write(&path, "id;text\nx;semi text\n").unwrap();
    let opts = ReadOptions::default()
        .format(InputFormat::Csv)
        .delimiter(Some(b';'));
    let (docs, problems) = read(&[path], &opts);
    assert!(problems.is_empty());
    assert_eq!(
        (docs[0].id.as_str(), docs[0].text.as_str()),
        ("x", "semi text")
    );
}

// ---------------------------------------------------------------------------------------
// A folder of bad input

#[test]
fn a_folder_of_bad_input() {
    let good_page = article_html(
        "Fine",
        None,
        "A perfectly fine page about the town clock and its bells.",
    );
    let gz = gzip(good_page.as_bytes());
    let mut wrong_encoding = b"<html><head><meta charset=\"utf-8\"></head><body><p>Le caf\xe9 de la gare est tr\xe8s connu, d\xe9j\xe0 depuis cent ans.</p></body></html>".to_vec();
    wrong_encoding.extend_from_slice(b"\n");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("empty.txt", vec![]),
        ("empty.html", vec![]),
        ("good.html", good_page.clone().into_bytes()),
        ("good.html.gz", gz.clone()),
        ("truncated.html.gz", gz[..gz.len() / 2].to_vec()),
        (
            "headonly.html",
            b"<html><head><title>Nothing here</title></head></html>".to_vec(),
        ),
        ("wrong-encoding.html", wrong_encoding),
        (
            "binary.html",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\x00\x01\x02".to_vec(),
        ),
        (
            "broken.warc",
            b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nshort".to_vec(),
        ),
        ("notes.txt", b"Some plain notes that are fine.".to_vec()),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in &files {
        fs::write(dir.path().join(name), bytes).unwrap();
    }
    let (docs, problems) = read(&[dir.path().to_path_buf()], &ReadOptions::default());
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "good.html",
            "good.html.gz",
            "notes.txt",
            "wrong-encoding.html"
        ]
    );
    assert!(
        docs[3]
            .text
            .contains("Le café de la gare est très connu, déjà"),
        "{}",
        docs[3].text
    );
    let kinds: Vec<(String, ProblemKind)> = problems
        .iter()
        .map(|p| (p.location().rsplit('/').next().unwrap().to_owned(), p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("binary.html".to_owned(), ProblemKind::Binary),
            ("broken.warc:1".to_owned(), ProblemKind::BadRecord),
            ("empty.html".to_owned(), ProblemKind::EmptyFile),
            ("empty.txt".to_owned(), ProblemKind::EmptyFile),
            ("headonly.html".to_owned(), ProblemKind::EmptyText),
            ("truncated.html.gz".to_owned(), ProblemKind::Decompression),
        ],
        "{problems:#?}"
    );
}

/// A JSON Lines file whose second line, and a text file, are `line_bytes` of words: both
/// are reported as over `opts`' record limit and skipped, and the records around them read.
fn huge_single_line_is_reported_and_skipped(line_bytes: usize, opts: &ReadOptions) {
    let dir = tempfile::tempdir().unwrap();
    let line: Vec<u8> = std::iter::repeat_n(b"word ".as_slice(), line_bytes / 5)
        .flatten()
        .copied()
        .collect();
    assert_eq!(line.len(), line_bytes);
    let mut jsonl = b"{\"id\":\"a\",\"text\":\"before\"}\n{\"id\":\"big\",\"text\":\"".to_vec();
    jsonl.extend_from_slice(&line);
    jsonl.extend_from_slice(b"\"}\n{\"id\":\"b\",\"text\":\"after\"}\n");
    // the line with its newline
    let record_bytes = jsonl.split(|&b| b == b'\n').nth(1).unwrap().len() + 1;
    fs::write(dir.path().join("big.jsonl"), &jsonl).unwrap();
    drop(jsonl);
    fs::write(dir.path().join("big.txt"), &line).unwrap();
    drop(line);
    let start = std::time::Instant::now();
    let (docs, problems) = read(&[dir.path().to_path_buf()], opts);
    let elapsed = start.elapsed();
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    let limit = opts.record_limit();
    assert_problems(
        &problems,
        &[
            format!(
                "big.jsonl:2: line of {record_bytes} bytes is longer than the limit of {limit} bytes; skipped"
            ),
            format!("big.txt: file of {line_bytes} bytes is larger than the limit"),
        ],
    );
    eprintln!("{line_bytes}-byte line read past in {elapsed:?}");
}

#[test]
fn a_huge_single_line_is_reported_and_skipped() {
    huge_single_line_is_reported_and_skipped(
        5 * 1024 * 1024,
        &ReadOptions::default().max_record_bytes(1024 * 1024),
    );
}

#[test]
#[ignore = "writes and reads 400 MB (a 200 MB line, twice) against the default 64 MiB limit; \
            run with `cargo test -p chorus-input --test formats -- --ignored`"]
fn a_200_mb_single_line_is_reported_and_skipped_at_the_default_limit() {
    huge_single_line_is_reported_and_skipped(200 * 1024 * 1024, &ReadOptions::default());
}
