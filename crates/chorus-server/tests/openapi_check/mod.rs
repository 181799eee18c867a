//! A small JSON Schema checker for the subset the OpenAPI document uses: `$ref`, `type`
//! (one or a list), `enum`, `required`, `properties`, `additionalProperties: false`,
//! `items`, `allOf`, `oneOf`, `minimum`, `maximum`, `minLength`, `minItems`, `maxItems`
//! (and the annotations `description`, `default`). A module of the `api` tests (a folder,
//! so that Cargo does not build it as a test target of its own); its own tests check that
//! the document uses no keyword the checker would pass over, and that the checker rejects
//! what the document forbids.

use serde_json::Value;

pub struct Spec {
    pub doc: Value,
}

impl Spec {
    pub fn load() -> Spec {
        Spec {
            doc: serde_json::from_str(chorus_server_openapi()).expect("openapi.json parses"),
        }
    }

    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let path = r.strip_prefix("#/").expect("local $ref");
            let mut cur = &self.doc;
            for part in path.split('/') {
                cur = cur.get(part).unwrap_or_else(|| panic!("dangling $ref {r}"));
            }
            v = cur;
        }
        v
    }

    /// The response schema for `method path status`, with the path given as its template.
    pub fn response_schema(&self, method: &str, template: &str, status: u16) -> Option<&Value> {
        let op = self.doc["paths"]
            .get(template)?
            .get(method.to_lowercase())?;
        let resp = self.resolve(op["responses"].get(status.to_string())?);
        let content = resp.get("content")?;
        let media = content
            .get("application/json")
            .or_else(|| content.get("text/plain"))?;
        Some(self.resolve(&media["schema"]))
    }

    /// Errors of `v` against `schema`, each with its JSON path.
    pub fn check(&self, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
        let s = self.resolve(schema);
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check(sub, v, at, errs);
            }
        }
        if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
            let ok = one
                .iter()
                .filter(|sub| {
                    let mut e = Vec::new();
                    self.check(sub, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if ok != 1 {
                errs.push(format!("{at}: matches {ok} of the oneOf schemas"));
            }
        }
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let ok = types.iter().any(|t| match *t {
                "object" => v.is_object(),
                "array" => v.is_array(),
                "string" => v.is_string(),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                "null" => v.is_null(),
                _ => false,
            });
            if !ok {
                errs.push(format!("{at}: {v} is not of type {types:?}"));
                return;
            }
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array)
            && !e.contains(v)
        {
            errs.push(format!("{at}: {v} not in {e:?}"));
        }
        if let Some(n) = v.as_f64() {
            if let Some(min) = s.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                errs.push(format!("{at}: {n} < minimum {min}"));
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                errs.push(format!("{at}: {n} > maximum {max}"));
            }
        }
        if let (Some(st), Some(min)) = (v.as_str(), s.get("minLength").and_then(Value::as_u64))
            && (st.chars().count() as u64) < min
        {
            errs.push(format!("{at}: shorter than {min}"));
        }
        if let Some(obj) = v.as_object() {
            if let Some(req) = s.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        errs.push(format!("{at}: missing required `{r}`"));
                    }
                }
            }
            let props = s.get("properties").and_then(Value::as_object);
            for (k, val) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => self.check(ps, val, &format!("{at}.{k}"), errs),
                    None => {
                        if s.get("additionalProperties") == Some(&Value::Bool(false)) {
                            errs.push(format!("{at}: unexpected property `{k}`"));
                        }
                    }
                }
            }
        }
        if let Some(arr) = v.as_array() {
            if let Some(min) = s.get("minItems").and_then(Value::as_u64)
                && (arr.len() as u64) < min
            {
                errs.push(format!("{at}: fewer than {min} items"));
            }
            if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
                && (arr.len() as u64) > max
            {
                errs.push(format!("{at}: more than {max} items"));
            }
            if let Some(items) = s.get("items") {
                for (i, item) in arr.iter().enumerate() {
                    self.check(items, item, &format!("{at}[{i}]"), errs);
                }
            }
        }
    }
}

fn chorus_server_openapi() -> &'static str {
    include_str!("../../assets/openapi.json")
}

/// The schema keywords [`Spec::check`] checks, and the annotations it may ignore.
const KEYWORDS: [&str; 16] = [
    "$ref",
    "type",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "allOf",
    "oneOf",
    "minimum",
    "maximum",
    "minLength",
    "minItems",
    "maxItems",
    "description",
    "default",
];

/// Every keyword of `schema` and of the schemas inside it.
fn keywords<'a>(schema: &'a Value, out: &mut Vec<&'a str>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    for (k, v) in obj {
        out.push(k);
        match k.as_str() {
            "properties" => v
                .as_object()
                .into_iter()
                .flatten()
                .for_each(|(_, p)| keywords(p, out)),
            "items" | "additionalProperties" => keywords(v, out),
            "allOf" | "oneOf" => v
                .as_array()
                .into_iter()
                .flatten()
                .for_each(|s| keywords(s, out)),
            _ => {}
        }
    }
}

#[test]
fn the_document_uses_only_keywords_the_checker_checks() {
    /// The named schemas, and those given inline (`"schema": {...}`) anywhere.
    fn schemas<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        match v {
            Value::Object(obj) => {
                for (k, v) in obj {
                    match k.as_str() {
                        "schema" => out.push(v),
                        "schemas" => {
                            out.extend(v.as_object().into_iter().flatten().map(|(_, s)| s))
                        }
                        _ => schemas(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| schemas(v, out)),
            _ => {}
        }
    }
    let spec = Spec::load();
    let mut all = Vec::new();
    schemas(&spec.doc, &mut all);
    assert!(all.len() > 20, "{} schemas", all.len());
    let mut found = Vec::new();
    for s in all {
        keywords(s, &mut found);
    }
    for k in ["properties", "required", "maxItems", "oneOf"] {
        assert!(
            found.contains(&k),
            "{k} not found: the walk missed the schemas"
        );
    }
    let unknown: Vec<_> = found.iter().filter(|k| !KEYWORDS.contains(k)).collect();
    assert!(unknown.is_empty(), "not checked: {unknown:?}");
}

#[test]
fn the_checker_rejects_what_the_document_forbids() {
    let spec = Spec::load();
    let errors = |schema: Value, v: Value| {
        let mut errs = Vec::new();
        spec.check(&schema, &v, "$", &mut errs);
        errs
    };
    let object = serde_json::json!({
        "type": "object",
        "required": ["id"],
        "additionalProperties": false,
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "n": {"type": "integer", "minimum": 0, "maximum": 9},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 1, "maxItems": 2},
            "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]}
        }
    });
    let good = serde_json::json!({"id": "x", "n": 3, "tags": ["a"], "either": 1});
    assert_eq!(errors(object.clone(), good), Vec::<String>::new());
    for bad in [
        serde_json::json!({"n": 3}),
        serde_json::json!({"id": ""}),
        serde_json::json!({"id": 1}),
        serde_json::json!({"id": "x", "extra": true}),
        serde_json::json!({"id": "x", "n": 10}),
        serde_json::json!({"id": "x", "n": -1}),
        serde_json::json!({"id": "x", "n": 1.5}),
        serde_json::json!({"id": "x", "tags": []}),
        serde_json::json!({"id": "x", "tags": ["a", "b", "a"]}),
        serde_json::json!({"id": "x", "tags": ["c"]}),
        serde_json::json!({"id": "x", "either": true}),
    ] {
        assert!(
            !errors(object.clone(), bad.clone()).is_empty(),
            "{bad} passed"
        );
    }
    // a response the document describes, and the same with a field missing
    let error = serde_json::json!({"$ref": "#/components/schemas/Error"});
    let mut e = serde_json::json!({"code": "not_found", "message": "no such endpoint"});
    assert_eq!(errors(error.clone(), e.clone()), Vec::<String>::new());
    e.as_object_mut().unwrap().remove("code");
    assert!(!errors(error, e).is_empty());
}
