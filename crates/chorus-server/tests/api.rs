//! The API in-process: requests through the router (`tower::ServiceExt::oneshot`), every
//! response checked against the OpenAPI document, key responses snapshotted as
//! `(status, json)`.

mod openapi_check;

use axum::body::Body;
use axum::http::{Request, header};
use chorus_server::{AppState, ServerConfig, router};
use http_body_util::BodyExt;
use openapi_check::Spec;
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;

const TOKEN: &str = "s3cret-token";

const STATEMENT: &str = "The regional transport board confirmed on Friday that the night ferry \
    will stop running at the end of October because of rising fuel costs and falling demand.";

struct Harness {
    app: axum::Router,
    spec: Spec,
    dir: tempfile::TempDir,
}

/// A path's template in the OpenAPI document.
fn template(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    for (prefix, t) in [
        ("/v1/documents/", "/v1/documents/{id}"),
        ("/v1/clusters/", "/v1/clusters/{id}"),
    ] {
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return t.to_owned();
        }
    }
    path.to_owned()
}

impl Harness {
    fn new(f: impl FnOnce(&mut ServerConfig)) -> Harness {
        Harness::build(f, false)
    }

    /// With the server's background work running ([`chorus_server::spawn_background`]).
    fn with_background(f: impl FnOnce(&mut ServerConfig)) -> Harness {
        Harness::build(f, true)
    }

    fn build(f: impl FnOnce(&mut ServerConfig), background: bool) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = ServerConfig::new(dir.path().join("index"));
        cfg.cluster_wait = Duration::from_secs(30);
        f(&mut cfg);
        let state = AppState::new(cfg).unwrap();
        if background {
            chorus_server::spawn_background(&state);
        }
        let app = router(state);
        Harness {
            app,
            spec: Spec::load(),
            dir,
        }
    }

    async fn raw(&self, req: Request<Body>) -> axum::response::Response {
        self.app.clone().oneshot(req).await.unwrap()
    }

    /// `GET /metrics`: checks status and content type, returns the text.
    async fn metrics(&self) -> String {
        let resp = self
            .raw(Request::get("/metrics").body(Body::empty()).unwrap())
            .await;
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    /// Sends `req`; returns the status and the JSON body, checked against the OpenAPI
    /// document.
    async fn send(&self, req: Request<Body>) -> (u16, Value) {
        let (method, path) = (req.method().to_string(), req.uri().to_string());
        let resp = self.raw(req).await;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {bytes:?}"));
        self.conforms(&method, &path, status, &v);
        (status, v)
    }

    /// Checks a response against the OpenAPI document (errors against `Error` when the
    /// status is not documented for the path, e.g. 404 for an unknown path).
    fn conforms(&self, method: &str, path: &str, status: u16, v: &Value) {
        let t = template(path);
        let schema = match self.spec.response_schema(method, &t, status) {
            Some(s) => s.clone(),
            None => {
                assert!(
                    status >= 400,
                    "{method} {t} {status} is not documented in openapi.json"
                );
                json!({"$ref": "#/components/schemas/Error"})
            }
        };
        let mut errs = Vec::new();
        self.spec.check(&schema, v, "$", &mut errs);
        assert!(
            errs.is_empty(),
            "{method} {path} {status} does not match openapi.json:\n{}\n{v:#}",
            errs.join("\n")
        );
    }

    async fn add(&self, docs: Value) -> (u16, Value) {
        self.call(
            "POST",
            "/v1/documents",
            Some(json!({ "documents": docs })),
            Some(TOKEN),
        )
        .await
    }
}

fn corpus() -> Value {
    json!([
        {"id": "wire-1", "text": format!("Ferry news. {STATEMENT} Timetables follow next week."),
         "source": "Wire", "date": "2024-03-01T09:00:00Z", "title": "Night ferry to stop"},
        {"id": "gazette-7", "text": format!("Islanders were angry on Saturday. {STATEMENT} The mayor said nothing."),
         "source": "Gazette", "date": "2024-03-01T11:30:00Z", "url": "https://gazette.example/7"},
        {"id": "herald-3", "text": format!("Herald: {STATEMENT} Letters to the editor, page 4."),
         "source": "Herald", "date": "2024-03-02", "section": "local"},
        {"id": "garden", "text": "A story about the harvest festival, prize marrows and a very large pumpkin.",
         "source": "Gazette", "date": "2024-02-01"}
    ])
}

/// `v` with every `computed_at_ms` (the time clusters were published) replaced.
fn redact_times(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| {
                    let x = if k == "computed_at_ms" {
                        assert!(x.as_u64().is_some_and(|t| t > 0), "{x}");
                        json!("[ms]")
                    } else {
                        redact_times(x)
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact_times).collect()),
        x => x.clone(),
    }
}

fn redact(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut()
        && o.contains_key("version")
    {
        o.insert("version".into(), json!("[version]"));
    }
    v
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let h = Harness::new(|_| {});
    let (s, v) = h.call("GET", "/healthz", None, None).await;
    insta::assert_json_snapshot!("healthz_empty", (s, redact(&v)));
    let (s, v) = h.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["openapi"], "3.1.0");
    let text = h.metrics().await;
    assert!(
        text.contains(
            "chorus_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("# TYPE chorus_http_request_duration_seconds histogram"));
    assert!(text.contains("chorus_index_documents 0"));
    assert!(text.contains("chorus_index_segments 0"), "{text}");
    assert!(text.contains("\nchorus_jobs_waiting 0\n"), "{text}");
}

#[tokio::test]
async fn writes_need_the_token() {
    let ro = Harness::new(|_| {});
    let (s, v) = ro.add(corpus()).await;
    insta::assert_json_snapshot!("add_read_only", (s, v));
    let (s, _) = ro
        .call("DELETE", "/v1/documents/wire-1", None, Some(TOKEN))
        .await;
    assert_eq!(s, 403);

    let rw = Harness::new(|c| c.token = Some(TOKEN.into()));
    let (s, v) = rw
        .call(
            "POST",
            "/v1/documents",
            Some(json!({"documents": corpus()})),
            None,
        )
        .await;
    insta::assert_json_snapshot!("add_without_token", (s, v));
    let (s, _) = rw
        .call(
            "POST",
            "/v1/documents",
            Some(json!({"documents": corpus()})),
            Some("wrong"),
        )
        .await;
    assert_eq!(s, 401);
    let (s, _) = rw.call("DELETE", "/v1/documents/x", None, None).await;
    assert_eq!(s, 401);
    // the token is checked before the body is read: a malformed body without it is a 401
    for (body, token) in [("{not json", None), ("[1, 2", Some("wrong"))] {
        let mut req =
            Request::post("/v1/documents").header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let (s, v) = rw.send(req.body(Body::from(body)).unwrap()).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (401, Some("unauthorized")),
            "{body}: {v}"
        );
    }
    // with the token, the same body is a 400
    let req = Request::post("/v1/documents")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::from("{not json"))
        .unwrap();
    assert_eq!(rw.send(req).await.0, 400);
    // ids have a length limit
    let long = "x".repeat(chorus_input::MAX_ID_BYTES + 1);
    let (s, v) = rw.add(json!([{"id": long, "text": STATEMENT}])).await;
    assert_eq!(s, 400, "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains("over the limit of 4096 bytes"), "{msg}");
    let (s, v) = rw
        .add(json!([{"id": "y".repeat(chorus_input::MAX_ID_BYTES), "text": STATEMENT}]))
        .await;
    assert_eq!(s, 200, "{v}");
}

/// Waits until `ready` holds, for at most 20 s.
async fn wait_for<F: std::future::Future<Output = bool>>(mut ready: impl FnMut() -> F) {
    let started = std::time::Instant::now();
    while !ready().await {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not ready after 20 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The segment count and merged-segment counter in `/metrics`.
fn segments(metrics: &str) -> (u64, u64) {
    let value = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {metrics}"))
    };
    (
        value("chorus_index_segments"),
        value("chorus_segments_merged_total"),
    )
}

#[tokio::test]
async fn segments_of_writes_are_merged_once_writes_pause() {
    let h = Harness::with_background(|c| {
        c.token = Some(TOKEN.into());
        c.merge_after = Some(Duration::from_millis(300));
    });
    // a write of four documents, then two of one: three segments (a size tier merges four)
    let (s, v) = h.add(corpus()).await;
    assert_eq!(s, 200, "{v}");
    for i in 0..2 {
        let extra =
            json!({"id": format!("extra-{i}"), "text": format!("Late edition {i}. {STATEMENT}")});
        let (s, v) = h.add(json!([extra])).await;
        assert_eq!(s, 200, "{v}");
    }
    assert_eq!(segments(&h.metrics().await), (3, 0));
    // once writes pause, the two small segments are merged into one
    wait_for(|| async { segments(&h.metrics().await) == (2, 2) }).await;
    // nothing lost: every document is still found
    for id in [
        "wire-1",
        "gazette-7",
        "herald-3",
        "garden",
        "extra-0",
        "extra-1",
    ] {
        let (s, v) = h
            .call("GET", &format!("/v1/documents/{id}"), None, None)
            .await;
        assert_eq!(s, 200, "{id}: {v}");
    }
    let article = format!("Breaking. {STATEMENT} More to come.");
    let (s, v) = h
        .call("POST", "/v1/query", Some(json!({"text": article})), None)
        .await;
    assert_eq!((s, v["stats"]["matches"].clone()), (200, json!(5)), "{v}");
    // and a quiet read-only server never writes: once its background work has started
    // (its clusters are computed), twenty merge checks pass without one
    let r = Harness::with_background(|c| c.merge_after = Some(Duration::from_millis(40)));
    wait_for(|| async { r.metrics().await.contains("chorus_clusters_generation 0\n") }).await;
    tokio::time::sleep(Duration::from_millis(20 * 10)).await;
    assert!(!r.dir.path().join("index").exists());
}

#[tokio::test]
async fn add_query_clusters_remove() {
    let h = Harness::new(|c| c.token = Some(TOKEN.into()));
    let (s, v) = h.add(corpus()).await;
    insta::assert_json_snapshot!("add", (s, v));
    let (s, v) = h.add(json!([corpus()[3].clone()])).await;
    assert_eq!(
        (s, v["added"].clone(), v["replaced"].clone()),
        (200, json!(1), json!(1))
    );

    let (s, v) = h.call("GET", "/v1/documents/herald-3", None, None).await;
    insta::assert_json_snapshot!("get_document", (s, v));
    // two writes: two segments, until a tier fills
    let text = h.metrics().await;
    assert!(text.contains("chorus_index_segments 2\n"), "{text}");

    // query: the statement inside a new article
    let article = format!("Breaking. {STATEMENT} More to come.");
    let (s, v) = h
        .call("POST", "/v1/query", Some(json!({"text": article})), None)
        .await;
    insta::assert_json_snapshot!("query", (s, redact_times(&v)));
    let m = &v["matches"][0];
    let q = &m["passages"][0]["query"];
    let (b, e) = (
        q["begin"].as_u64().unwrap() as usize,
        q["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&article[b..e], STATEMENT);
    assert_eq!(v["provenance"]["earliest"]["id"], "wire-1");
    assert_eq!(v["provenance"]["clusters_ready"], true);
    assert_eq!(v["provenance"]["clusters"][0]["size"], 3);

    // same model as `chorus query --json`: each match deserialises as a QueryMatch
    let report: chorus_core::query::QueryReport = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(report.matches.len(), 3);

    let (s, v) = h.call("GET", "/v1/clusters", None, None).await;
    insta::assert_json_snapshot!("clusters", (s, redact_times(&v)));
    let id = v["clusters"][0]["id"].as_u64().unwrap();
    let (s, v) = h
        .call("GET", &format!("/v1/clusters/{id}"), None, None)
        .await;
    insta::assert_json_snapshot!("cluster", (s, redact_times(&v)));
    assert_eq!(v["members"][0]["doc"], "wire-1");
    assert_eq!(v["members"][0]["text"], STATEMENT);
    assert_eq!(v["earliest"]["doc"], "wire-1");

    // filters
    for (q, n) in [
        ("source=herald", 1),
        ("source=nobody", 0),
        ("since=2024-03-02", 1),
        ("since=2024-03-03", 0),
        ("since=1709251200", 1),
        ("limit=0", 1),
    ] {
        let (s, v) = h
            .call("GET", &format!("/v1/clusters?{q}"), None, None)
            .await;
        assert_eq!((s, v["total"].as_u64().unwrap()), (200, n), "{q}");
    }
    let (s, v) = h
        .call("GET", "/v1/clusters?coordinated=true", None, None)
        .await;
    assert_eq!(s, 200);
    let coordinated = v["total"].as_u64().unwrap();
    let (_, all) = h
        .call("GET", "/v1/clusters?coordinated=false", None, None)
        .await;
    assert_eq!(coordinated + all["total"].as_u64().unwrap(), 1);

    // remove, then it is gone everywhere
    let (s, v) = h
        .call("DELETE", "/v1/documents/herald-3", None, Some(TOKEN))
        .await;
    insta::assert_json_snapshot!("remove", (s, v));
    let (s, _) = h
        .call("DELETE", "/v1/documents/herald-3", None, Some(TOKEN))
        .await;
    assert_eq!(s, 404);
    let (s, v) = h.call("GET", "/v1/documents/herald-3", None, None).await;
    insta::assert_json_snapshot!("get_missing", (s, v));
    let (_, v) = h
        .call("POST", "/v1/query", Some(json!({"text": article})), None)
        .await;
    assert_eq!(v["matches"].as_array().unwrap().len(), 2);
    wait_for(|| async {
        h.call("GET", "/v1/clusters", None, None).await.1["clusters"][0]["size"] == json!(2)
    })
    .await;
}

/// Dividend notices of one template, each of another company and outlet, and the first
/// reprinted: only the reprint is reuse.
fn notices() -> Value {
    let companies = [
        ("Meadow Co", 59, "January", 27),
        ("Harbor Mills Inc", 12, "April", 30),
        ("Copperfield Holdings", 31, "March", 18),
        ("Northgate Foods Corp", 8, "June", 22),
        ("Bellweather Rail Ltd", 44, "September", 29),
    ];
    let notice = |k: usize| {
        let (company, cents, month, day) = companies[k];
        format!(
            "{company} said its board declared a quarterly dividend of {cents} cts per share, \
             payable {month} {day} to holders of record {month} {}. The company said the \
             dividend is in line with the payout of the previous quarter.",
            day - 10
        )
    };
    let mut docs: Vec<Value> = (0..companies.len())
        .map(|k| {
            json!({"id": format!("notice-{k}"), "source": format!("outlet{k}"),
            "date": format!("2024-03-01T{:02}:00:00Z", 8 + k), "text": notice(k)})
        })
        .collect();
    docs.push(
        json!({"id": "reprint-0", "source": "outlet9", "date": "2024-03-01T20:00:00Z",
        "text": format!("Company news. {}", notice(0))}),
    );
    Value::Array(docs)
}

#[tokio::test]
async fn notices_of_one_template_make_no_cluster_and_no_hit() {
    let h = Harness::new(|c| c.token = Some(TOKEN.into()));
    let docs = notices();
    assert_eq!(h.add(docs.clone()).await.0, 200);
    let (s, v) = h.call("GET", "/v1/clusters", None, None).await;
    assert_eq!((s, v["total"].as_u64()), (200, Some(1)), "{v}");
    let id = v["clusters"][0]["id"].as_u64().unwrap();
    let (_, v) = h
        .call("GET", &format!("/v1/clusters/{id}"), None, None)
        .await;
    let mut members: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["doc"].as_str().unwrap())
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["notice-0", "reprint-0"], "{v}");
    let text = docs[0]["text"].as_str().unwrap();
    let (_, v) = h
        .call("POST", "/v1/query", Some(json!({"text": text})), None)
        .await;
    assert_eq!(v["matches"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["stats"]["formula_matches"], 4, "{v}");
    // listed on request, marked, after the reuse
    let (s, v) = h
        .call(
            "POST",
            "/v1/query",
            Some(json!({"text": text, "formulas": true})),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let matches = v["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 6, "{v}");
    assert!(matches[..2].iter().all(|m| m.get("formula").is_none()));
    assert!(matches[2..].iter().all(|m| m["formula"] == true));
}

#[tokio::test]
async fn errors_come_from_one_table() {
    let h = Harness::new(|c| {
        c.token = Some(TOKEN.into());
        c.max_body_bytes = 64 * 1024;
        c.max_query_bytes = 1024;
    });
    let mut out = Vec::new();
    let cases: Vec<(&str, &str, Option<Value>)> = vec![
        ("GET", "/nowhere", None),
        ("PUT", "/v1/query", None),
        (
            "POST",
            "/v1/query",
            Some(json!({"text": "a", "url": "http://x"})),
        ),
        ("POST", "/v1/query", Some(json!({}))),
        ("POST", "/v1/query", Some(json!({"txt": "typo"}))),
        ("POST", "/v1/query", Some(json!({"text": "  "}))),
        ("POST", "/v1/query", Some(json!({"text": "x".repeat(2000)}))),
        (
            "POST",
            "/v1/query",
            Some(json!({"url": "http://example.com/"})),
        ),
        (
            "POST",
            "/v1/query",
            Some(json!({"text": "some words", "min_words": 0})),
        ),
        ("GET", "/v1/clusters?since=yesterday", None),
        ("GET", "/v1/clusters?coordinated=maybe", None),
        ("GET", "/v1/clusters/abc", None),
        ("GET", "/v1/clusters/999", None),
        ("GET", "/v1/documents/none", None),
    ];
    for (m, p, b) in cases {
        let (s, v) = h.call(m, p, b, None).await;
        out.push(json!({"request": format!("{m} {p}"), "status": s, "body": v}));
    }
    // bad additions, with the token
    let additions = [
        (
            "100 KB",
            json!({"documents": [{"id": "big", "text": "word ".repeat(20_000)}]}),
        ),
        ("empty", json!({"documents": []})),
        ("no text", json!({"documents": [{"id": "x"}]})),
    ];
    for (what, body) in additions {
        let (s, v) = h
            .call("POST", "/v1/documents", Some(body), Some(TOKEN))
            .await;
        out.push(
            json!({"request": format!("POST /v1/documents ({what})"), "status": s, "body": v}),
        );
    }
    // malformed JSON and a wrong content type
    let (s, v) = h
        .send(
            Request::post("/v1/query")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
    out.push(json!({"request": "POST /v1/query (bad JSON)", "status": s, "body": v}));
    let (s, v) = h
        .send(
            Request::post("/v1/query")
                .body(Body::from("text=hello"))
                .unwrap(),
        )
        .await;
    out.push(json!({"request": "POST /v1/query (form body)", "status": s, "body": v}));
    insta::assert_json_snapshot!("errors", out);
}

#[tokio::test]
async fn document_text_is_data_and_the_page_forbids_inline_scripts() {
    let h = Harness::new(|c| c.token = Some(TOKEN.into()));
    let evil = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned=2\">";
    let (s, _) = h
        .add(json!([{"id": "<b>evil</b>", "text": format!("{evil} {STATEMENT}"), "source": "<i>x</i>"}]))
        .await;
    assert_eq!(s, 200);
    let (_, v) = h
        .call("GET", "/v1/documents/%3Cb%3Eevil%3C%2Fb%3E", None, None)
        .await;
    assert_eq!(v["text"], format!("{evil} {STATEMENT}"));
    let resp = h.raw(Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(resp.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let js = h
        .raw(Request::get("/assets/app.js").body(Body::empty()).unwrap())
        .await
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    let js = String::from_utf8(js.to_vec()).unwrap();
    assert!(
        !js.contains("innerHTML") && !js.contains("insertAdjacentHTML") && !js.contains("eval(")
    );
}

#[tokio::test]
async fn cors_is_off_unless_configured() {
    let req = || {
        Request::get("/healthz")
            .header(header::ORIGIN, "https://elsewhere.example")
            .body(Body::empty())
            .unwrap()
    };
    let off = Harness::new(|_| {});
    let resp = off.raw(req()).await;
    assert!(
        resp.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    let on = Harness::new(|c| c.cors_origins = vec!["https://elsewhere.example".into()]);
    let resp = on.raw(req()).await;
    assert_eq!(
        resp.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://elsewhere.example"
    );
}

#[tokio::test]
async fn commits_by_another_writer_are_seen() {
    let h = Harness::new(|c| c.index_recheck = Duration::from_millis(20));
    let (_, v) = h.call("GET", "/healthz", None, None).await;
    assert_eq!(v["documents"], 0);
    {
        let mut w = chorus_store::IndexWriter::open(h.dir.path().join("index"), Default::default())
            .unwrap();
        w.add(vec![chorus_core::Document::new("outside", STATEMENT)])
            .unwrap();
    }
    wait_for(|| async { h.call("GET", "/healthz", None, None).await.1["documents"] == 1 }).await;
    let (s, v) = h.call("GET", "/v1/documents/outside", None, None).await;
    assert_eq!((s, v["text"].as_str()), (200, Some(STATEMENT)));
}

/// Between two checks for commits ([`ServerConfig::index_recheck`]) requests are served
/// from the snapshot the server has, without looking at the disk.
#[tokio::test]
async fn between_checks_the_snapshot_is_kept() {
    let h = Harness::new(|c| c.index_recheck = Duration::from_secs(3600));
    let (_, v) = h.call("GET", "/healthz", None, None).await;
    assert_eq!(v["documents"], 0);
    chorus_store::IndexWriter::open(h.dir.path().join("index"), Default::default())
        .unwrap()
        .add(vec![chorus_core::Document::new("outside", STATEMENT)])
        .unwrap();
    let (_, v) = h.call("GET", "/healthz", None, None).await;
    assert_eq!(v["documents"], 0);
    let (s, _) = h.call("GET", "/v1/documents/outside", None, None).await;
    assert_eq!(s, 404);
}

/// A long query text finds what a short one finds, at the offsets of its own text.
#[tokio::test]
async fn long_queries_match_like_short_ones() {
    let h = Harness::new(|c| c.token = Some(TOKEN.into()));
    h.add(corpus()).await;
    let short = format!("Breaking. {STATEMENT}");
    let filler = "Weather, tides and the price of fish along the coast today. ".repeat(700);
    let long = format!("{filler}{short}");
    assert!(long.len() > 40 << 10);
    let mut found = Vec::new();
    for text in [&short, &long] {
        let (s, v) = h
            .call("POST", "/v1/query", Some(json!({"text": text})), None)
            .await;
        assert_eq!(s, 200, "{v}");
        let q = &v["matches"][0]["passages"][0]["query"];
        let (b, e) = (
            q["begin"].as_u64().unwrap() as usize,
            q["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[b..e], STATEMENT);
        let ids: Vec<&str> = v["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        found.push(ids.join(","));
    }
    assert_eq!(found[0], found[1]);
}

/// Cluster requests made while the index keeps changing all get answers (the first waits
/// for the first computation, later ones get the published clusters), and the clusters
/// soon served are those of the last commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_requests_during_writes_all_get_answers() {
    let h = Harness::new(|c| c.token = Some(TOKEN.into()));
    let mut waiting = Vec::new();
    for i in 0..6 {
        let doc = json!([{"id": format!("w{i}"), "text": format!("Bulletin {i}. {STATEMENT}"),
                          "source": format!("Outlet {i}")}]);
        let (s, v) = h.add(doc).await;
        assert_eq!(s, 200, "{v}");
        let app = h.app.clone();
        waiting.push(tokio::spawn(async move {
            let req = Request::get("/v1/clusters").body(Body::empty()).unwrap();
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status().as_u16();
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }));
    }
    for w in waiting {
        let (s, v) = w.await.unwrap();
        assert_eq!(s, 200, "{v}");
    }
    // the clusters follow the writes
    let (_, health) = h.call("GET", "/healthz", None, None).await;
    wait_for(|| async {
        h.call("GET", "/v1/clusters", None, None).await.1["generation"] == health["generation"]
    })
    .await;
    let (s, v) = h.call("GET", "/v1/clusters", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["total"], 1);
    assert_eq!(v["clusters"][0]["size"], 6);
}

/// Once clusters are published, each write brings them up to date right after it answers
/// (reads soon see the written documents joined to or gone from their clusters, `as_of`
/// saying the clusters are not a full recompute's); once writes pause, the full recompute
/// in the background publishes the same clusters, exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_update_the_clusters_and_the_full_recompute_agrees() {
    let h = Harness::with_background(|c| {
        c.token = Some(TOKEN.into());
        c.cluster_exact_after = Duration::from_millis(300);
        c.merge_after = None;
    });
    let (s, v) = h.add(corpus()).await;
    assert_eq!(s, 200, "{v}");
    let exact = |v: &Value| v["as_of"]["exact"] == json!(true);
    let clusters = || async { h.call("GET", "/v1/clusters", None, None).await.1 };
    // exact clusters of the write's generation (the empty index's first computation is
    // exact too, and may still be the one published)
    let (_, health) = h.call("GET", "/healthz", None, None).await;
    wait_for(|| async {
        let v = clusters().await;
        exact(&v) && v["generation"] == health["generation"]
    })
    .await;
    let v = clusters().await;
    assert_eq!(
        (v["total"].clone(), v["clusters"][0]["size"].clone()),
        (json!(1), json!(3))
    );
    let g = v["generation"].as_u64().unwrap();
    // a new reprint joins the cluster at once
    let (s, _) = h
        .add(
            json!([{"id": "late", "text": format!("Late edition. {STATEMENT}"),
                     "source": "Echo", "date": "2024-03-03"}]),
        )
        .await;
    assert_eq!(s, 200);
    wait_for(|| async { clusters().await["clusters"][0]["size"] == json!(4) }).await;
    let v = clusters().await;
    assert!(v["generation"].as_u64().unwrap() > g);
    assert_eq!(v["as_of"]["generation"], v["generation"]);
    assert_eq!(v["as_of"]["exact"], false);
    assert_eq!(v["as_of"]["exact_generation"], g);
    let (_, q) = h
        .call("POST", "/v1/query", Some(json!({"text": STATEMENT})), None)
        .await;
    assert_eq!(q["provenance"]["clusters"][0]["size"], 4, "{q}");
    assert_eq!(q["provenance"]["clusters_as_of"], v["as_of"]);
    // a removal takes its member out at once
    let (s, _) = h
        .call("DELETE", "/v1/documents/wire-1", None, Some(TOKEN))
        .await;
    assert_eq!(s, 200);
    wait_for(|| async { clusters().await["clusters"][0]["size"] == json!(3) }).await;
    let incremental = clusters().await;
    assert_eq!(incremental["as_of"]["exact"], false);
    let id = incremental["clusters"][0]["id"].as_u64().unwrap();
    let (_, detail) = h
        .call("GET", &format!("/v1/clusters/{id}"), None, None)
        .await;
    let docs: Vec<&str> = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["doc"].as_str().unwrap())
        .collect();
    assert_eq!(docs, ["gazette-7", "herald-3", "late"]);
    // then the full recompute, with the same clusters
    wait_for(|| async { exact(&clusters().await) }).await;
    let full = clusters().await;
    assert_eq!(full["as_of"]["exact_generation"], incremental["generation"]);
    assert_eq!(full["clusters"], incremental["clusters"]);
    let (_, full_detail) = h
        .call("GET", &format!("/v1/clusters/{id}"), None, None)
        .await;
    assert_eq!(full_detail["members"], detail["members"]);
}

/// A one-route HTTP server on loopback for the fetch tests: `/page` gives an article,
/// `/loop` redirects to itself, `/big` is 2 MiB, `/hop` redirects to `/page`.
async fn page_server() -> std::net::SocketAddr {
    use axum::response::{Html, Redirect};
    use axum::routing::get;
    let app = axum::Router::new()
        .route(
            "/page",
            get(|| async {
                Html(format!(
                    "<html><head><title>Ferry</title></head><body><article><h1>Ferry</h1>\
                     <p>Islanders on the north coast reacted with dismay this week.</p>\
                     <p>{STATEMENT}</p><p>The board will meet again in November to \
                     review the decision and its effect on local businesses.</p></article>\
                     </body></html>"
                ))
            }),
        )
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route("/hop", get(|| async { Redirect::temporary("/page") }))
        .route("/big", get(|| async { "x".repeat(2 << 20) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn fetching_urls_is_guarded() {
    let addr = page_server().await;
    let guarded = Harness::new(|c| c.allow_fetch = true);
    let mut out = Vec::new();
    for url in [
        format!("http://{addr}/page"),
        format!("http://localhost:{}/page", addr.port()),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]/".to_owned(),
        "http://10.0.0.1/".to_owned(),
        "file:///etc/passwd".to_owned(),
        "gopher://example.com/".to_owned(),
    ] {
        let (s, v) = guarded
            .call("POST", "/v1/query", Some(json!({"url": url})), None)
            .await;
        out.push(
            json!({"url": url.replace(&addr.port().to_string(), "PORT"), "status": s,
                        "code": v["code"]}),
        );
    }
    insta::assert_json_snapshot!("fetch_refused", out);
    // IPv6 forms that embed an internal IPv4 address, and IPv4 spelled unusually: refused
    // at connection time, before any packet leaves (issue 24)
    for url in [
        "http://[::127.0.0.1]/",
        "http://[::a00:1]/",
        "http://[2002:7f00:1::1]/",
        "http://[::ffff:7f00:1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2001::1]/",
        "http://[fd12:3456::1]/",
        "http://[fe80::1]/",
        "http://[ff02::1]/",
        "http://[2001:db8::1]/",
        "http://[::]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0.0.0.0/",
    ] {
        let (s, v) = guarded
            .call("POST", "/v1/query", Some(json!({"url": url})), None)
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("fetch_refused")),
            "{url}: {v}"
        );
    }

    let open = Harness::new(|c| {
        c.allow_fetch = true;
        c.allow_private_fetch = true;
        c.token = Some(TOKEN.into());
        c.fetch_max_bytes = 1 << 20;
        c.fetch_max_redirects = 3;
    });
    open.add(json!([corpus()[0].clone()])).await;
    // a page (directly or after a redirect) is fetched and queried; a redirect loop, a page
    // over the size limit and a missing page fail
    for (path, fetched) in [
        ("/page", true),
        ("/hop", true),
        ("/loop", false),
        ("/big", false),
        ("/missing", false),
    ] {
        let (s, v) = open
            .call(
                "POST",
                "/v1/query",
                Some(json!({"url": format!("http://{addr}{path}")})),
                None,
            )
            .await;
        if fetched {
            assert_eq!(s, 200, "{path}: {v}");
            assert!(v["fetched"]["text"].as_str().unwrap().contains(STATEMENT));
            assert_eq!(v["matches"][0]["id"], "wire-1");
        } else {
            assert_eq!(
                (s, v["code"].as_str().unwrap()),
                (502, "fetch_failed"),
                "{path}: {v}"
            );
        }
    }
}

/// `"paraphrase": true` finds a stored rewording the exact query misses, says how each
/// match was found, and `lang` is checked.
#[tokio::test]
async fn query_paraphrase_finds_reworded_documents() {
    let story = "The harbour committee announced on Tuesday that the Brennick bridge will \
        close for structural repairs until the end of September. Engineers found corrosion \
        in the steel cables during an inspection carried out in March. Ferry operators will \
        add extra crossings between Ostvik and Lemmer while the bridge stays closed. The \
        repairs are expected to cost about forty million crowns, paid from the regional \
        transport fund.";
    // one five-word run kept ("Ostvik and Lemmer while the")
    let reworded = "On Tuesday the committee of the harbour said the Brennick bridge is \
        closing until late September for repairs to its structure. Corrosion of the steel \
        cables was found by engineers inspecting the bridge in March. Ferry operators are \
        adding crossings between Ostvik and Lemmer while the bridge is shut. Paid by the \
        transport fund of the region, the repair work should cost around forty million \
        crowns.";
    let h = Harness::new(|c| c.token = Some(TOKEN.into()));
    let (s, _) = h
        .add(json!([
            {"id": "rewrite", "text": format!("Morning digest. {reworded} More later.")},
            {"id": "garden", "text": "Tomatoes, compost and a late frost in the valley."},
        ]))
        .await;
    assert_eq!(s, 200);
    let article = format!("Local news. {story} Weather is fine.");
    let (s, v) = h
        .call("POST", "/v1/query", Some(json!({"text": article})), None)
        .await;
    assert_eq!((s, v["matches"].as_array().unwrap().len()), (200, 0), "{v}");
    assert!(!v.to_string().contains("\"match\""), "{v}");
    let (s, v) = h
        .call(
            "POST",
            "/v1/query",
            Some(json!({"text": article, "paraphrase": true, "lang": "en"})),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let m = &v["matches"][0];
    assert_eq!(
        (&m["id"], &m["match"]),
        (&json!("rewrite"), &json!("reworded"))
    );
    assert_eq!(m["passages"][0]["match"], "reworded");
    assert_eq!(v["stats"]["reworded_passages"], 1);
    let q = &m["passages"][0]["query"];
    let (b, e) = (
        q["begin"].as_u64().unwrap() as usize,
        q["end"].as_u64().unwrap() as usize,
    );
    assert!(
        article[b..e].contains("Brennick bridge"),
        "{}",
        &article[b..e]
    );

    // an unknown language, or a language without paraphrase, is a 400 saying why
    let (s, v) = h
        .call(
            "POST",
            "/v1/query",
            Some(json!({"text": article, "paraphrase": true, "lang": "klingon"})),
            None,
        )
        .await;
    assert_eq!((s, &v["code"]), (400, &json!("bad_request")), "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("`klingon`") && msg.contains("fr (french)"),
        "{msg}"
    );
    let (s, v) = h
        .call(
            "POST",
            "/v1/query",
            Some(json!({"text": article, "lang": "en"})),
            None,
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("paraphrase"), "{v}");
}
