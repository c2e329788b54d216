//! Spotify's own OpenAPI description (`shared/spotify/openapi.yml`, beside the repository) as
//! JSON Schemas that `jsonschema` checks answers against.
//!
//! OpenAPI 3.0 schemas become JSON Schema: `$ref`s point into a `definitions` copy of
//! `components.schemas`, `nullable: true` adds `null`. Every property the spec lists is
//! required (except deprecated ones and [`OPTIONAL`]), so a field Spotify clients read that is
//! missing fails, and so does a `null` where the spec has a string. Properties the spec does
//! not list (Medley's own) are allowed. [`DEVIATIONS`] patches the few places where the spec
//! says less than what Spotify itself sends.

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/spotify/openapi.yml"
);

/// (schema, property, why): properties made nullable because Spotify sends `null` there.
const DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "CursorPagingObject",
        "next",
        "the spec's own description: null if none",
    ),
    ("CursorPagingObject", "cursors", "null on an empty page"),
    (
        "PlayHistoryObject",
        "context",
        "null when played outside a playlist, album or artist",
    ),
];

/// Properties that may be absent: they describe what Medley has no data for (market
/// restrictions, relinking, codes only some records carry, the Spotify page of an object that
/// is not on Spotify: `external_urls` is then `{}`) or what Spotify itself leaves out (`total`
/// of cursor pages).
const OPTIONAL: &[&str] = &[
    "spotify",
    "restrictions",
    "linked_from",
    "resume_point",
    "isrc",
    "ean",
    "upc",
    "total",
    // A cursor page of followed artists goes forward only.
    "before",
];

fn spec() -> &'static Value {
    static SPEC_JSON: OnceLock<Value> = OnceLock::new();
    SPEC_JSON.get_or_init(|| {
        let text = std::fs::read_to_string(SPEC)
            .unwrap_or_else(|e| panic!("{SPEC} (shared/spotify beside the repository): {e}"));
        let mut spec: Value = serde_yaml_ng::from_str(&text).expect("valid YAML");
        for (schema, property, _why) in DEVIATIONS {
            let p = &mut spec["components"]["schemas"][schema]["properties"][property];
            assert!(p.is_object(), "{schema}.{property} is in the spec");
            p["nullable"] = json!(true);
        }
        spec
    })
}

/// The spec's paths and their methods, e.g. `("GET", "/albums/{id}")`.
pub fn operations() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in spec()["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

fn convert(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "nullable" | "example" | "discriminator" | "deprecated" => {}
            k if k.starts_with("x-") => {}
            "$ref" => {
                let target = value
                    .as_str()
                    .unwrap()
                    .replace("#/components/schemas/", "#/definitions/");
                out.insert(key.clone(), json!(target));
            }
            "properties" => {
                let props = value.as_object().unwrap();
                let converted = props.iter().map(|(k, v)| (k.clone(), convert(v))).collect();
                out.insert(key.clone(), Value::Object(converted));
                let mut required: Vec<Value> = map
                    .get("required")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for (name, prop) in props {
                    let deprecated = prop.get("deprecated") == Some(&json!(true));
                    if !deprecated
                        && !OPTIONAL.contains(&name.as_str())
                        && !required.contains(&json!(name))
                    {
                        required.push(json!(name));
                    }
                }
                out.insert("required".into(), Value::Array(required));
            }
            "required" if map.contains_key("properties") => {}
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), convert(value));
            }
            "allOf" | "oneOf" | "anyOf" => {
                let list = value.as_array().unwrap().iter().map(convert).collect();
                out.insert(key.clone(), Value::Array(list));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if map.get("nullable") == Some(&json!(true)) {
        return json!({ "anyOf": [Value::Object(out), { "type": "null" }] });
    }
    Value::Object(out)
}

/// The JSON Schema of the `status` answer of `method path` (a path of the spec), or `None`
/// when the spec describes that answer without a body.
pub fn response_schema(method: &str, path: &str, status: u16) -> Option<Value> {
    let spec = spec();
    let operation = &spec["paths"][path][method.to_lowercase()];
    assert!(operation.is_object(), "{method} {path} is not in the spec");
    let mut response = operation["responses"][status.to_string()].clone();
    assert!(
        response.is_object(),
        "the spec has no {status} answer for {method} {path}"
    );
    if let Some(r) = response.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/responses/");
        response = spec["components"]["responses"][name].clone();
    }
    let schema = response
        .get("content")?
        .get("application/json")?
        .get("schema")?;
    let mut root = convert(schema);
    let definitions: Map<String, Value> = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), convert(v)))
        .collect();
    root["definitions"] = Value::Object(definitions);
    Some(root)
}

/// The problems of `body` against `schema` (at most five), empty when it conforms.
pub fn problems(schema: &Value, body: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("the spec's schema compiles");
    validator
        .iter_errors(body)
        .map(|e| {
            let mut text = format!("{e}");
            text.truncate(300);
            format!("{text} at {}", e.instance_path())
        })
        .take(5)
        .collect()
}
