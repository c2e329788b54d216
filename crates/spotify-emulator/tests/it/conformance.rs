//! Schema conformance: real responses of every emulated endpoint are validated against the
//! response schemas of Spotify's own OpenAPI description (`shared/spotify/openapi.yml`).
//!
//! The OpenAPI 3.0 schemas become JSON Schema: `$ref`s point into a `definitions` copy of
//! `components.schemas`, `nullable: true` adds `null`. In strict mode every property the spec
//! lists (except deprecated ones and [`OPTIONAL`]) is also required, so missing fields fail.
//! Where NOTES.md (what Spotify really does) disagrees with the spec, [`DEVIATIONS`] patches
//! the spec; the README lists the same.

use std::sync::OnceLock;

use medley_spotify_emulator::control::{ItemsEdit, NewEpisode, NewPlay};
use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};

use crate::support::*;

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/spotify/openapi.yml"
);

/// (schema, property, why): properties made nullable because Spotify sends `null` there.
const DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "PlaylistTrackObject",
        "item",
        "unavailable tracks, and episodes without additional_types, are null (NOTES)",
    ),
    (
        "PlaylistTrackObject",
        "track",
        "the deprecated twin of item",
    ),
    ("TrackObject", "id", "local files have no id"),
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

/// Properties that may be absent even in strict mode.
const OPTIONAL: &[&str] = &[
    "restrictions",
    "is_playable",
    "linked_from",
    "resume_point",
    "items",
    "tracks",
    "total",
    "ean",
    "upc",
];

fn spec() -> &'static Value {
    static SPEC_JSON: OnceLock<Value> = OnceLock::new();
    SPEC_JSON.get_or_init(|| {
        let text =
            std::fs::read_to_string(SPEC).expect("shared/spotify/openapi.yml beside the repo");
        let mut spec: Value = serde_yaml_ng::from_str(&text).expect("valid YAML");
        for (schema, property, _why) in DEVIATIONS {
            let p = &mut spec["components"]["schemas"][schema]["properties"][property];
            assert!(p.is_object(), "{schema}.{property} is in the spec");
            p["nullable"] = json!(true);
        }
        spec
    })
}

fn convert(schema: &Value, strict: bool) -> Value {
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
                let converted = props
                    .iter()
                    .map(|(k, v)| (k.clone(), convert(v, strict)))
                    .collect();
                out.insert(key.clone(), Value::Object(converted));
                if strict {
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
            }
            "required" if strict && map.contains_key("properties") => {}
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), convert(value, strict));
            }
            "allOf" | "oneOf" | "anyOf" => {
                let list = value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| convert(v, strict))
                    .collect();
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

/// The JSON Schema of one response of the spec: `paths[path][method].responses[status]`,
/// or a `components.responses` entry when `path` is `None`.
fn response_schema(path: Option<&str>, method: &str, status: &str, strict: bool) -> Value {
    let spec = spec();
    let mut response = match path {
        Some(path) => spec["paths"][path][method]["responses"][status].clone(),
        None => spec["components"]["responses"][status].clone(),
    };
    if let Some(r) = response.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/responses/");
        response = spec["components"]["responses"][name].clone();
    }
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "no schema for {method} {path:?} {status}"
    );
    let mut root = convert(schema, strict);
    let definitions: Map<String, Value> = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), convert(v, strict)))
        .collect();
    root["definitions"] = Value::Object(definitions);
    root
}

fn check_with(schema: &Value, body: &Value, what: &str) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the spec:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Local files carry Spotify's minimal track object: they are checked leniently only, so the
/// strict pass sees them as null.
fn mask_local_items(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("is_local") == Some(&json!(true)) && map.contains_key("item") {
                map.insert("item".into(), Value::Null);
                map.insert("track".into(), Value::Null);
            }
            map.values_mut().for_each(mask_local_items);
        }
        Value::Array(list) => list.iter_mut().for_each(mask_local_items),
        _ => {}
    }
}

/// Validates `a` as the spec's `status` response of `method path`: leniently as it is, and
/// strictly with local files masked.
fn conforms(a: &Answer, path: &str, method: &str, status: u16) {
    assert_eq!(a.status.as_u16(), status, "{method} {path}: {}", a.body);
    let what = format!("{method} {path} {status}");
    check_with(
        &response_schema(Some(path), method, &status.to_string(), false),
        &a.body,
        &what,
    );
    let mut masked = a.body.clone();
    mask_local_items(&mut masked);
    check_with(
        &response_schema(Some(path), method, &status.to_string(), true),
        &masked,
        &what,
    );
}

fn error_conforms(a: &Answer, component: &str, status: u16) {
    assert_eq!(a.status.as_u16(), status, "{}", a.body);
    let schema = response_schema(None, "", component, true);
    check_with(&schema, &a.body, component);
}

#[tokio::test]
async fn every_endpoint_answers_in_the_spec_shapes() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let bob = env.user_with_token("bob").await;
    let (id, uris) = env.playlist_with("alice", 6, 20).await;
    let ids: Vec<String> = uris
        .iter()
        .map(|u| u.trim_start_matches("spotify:track:").to_string())
        .collect();
    let stand_in = env.control.generate(1, 21).await.unwrap();
    env.control.make_unavailable(&ids[0]).await.unwrap();
    env.control.relink(&ids[1], &stand_in.ids[0]).await.unwrap();
    let episode = env
        .control
        .add_episodes(&[NewEpisode {
            name: "Ep".into(),
            show: "Show".into(),
            duration_ms: 60_000,
            ..Default::default()
        }])
        .await
        .unwrap();
    let local = "spotify:local:Artist:Album:Title:200";
    let edit = ItemsEdit {
        uris: vec![local.into(), episode.uris[0].clone()],
        ..Default::default()
    };
    env.control
        .edit_items(Method::POST, &id, &edit)
        .await
        .unwrap();
    env.control.like("alice", &ids[2..5]).await.unwrap();
    env.control.like("alice", &ids[1..2]).await.unwrap();
    let playlist_uri = format!("spotify:playlist:{id}");
    let plays: Vec<NewPlay> = ids[1..5]
        .iter()
        .enumerate()
        .map(|(n, t)| NewPlay {
            track_id: t.clone(),
            played_at_ms: None,
            context_uri: (n % 2 == 0).then(|| playlist_uri.clone()),
        })
        .collect();
    env.control.record_plays("alice", &plays).await.unwrap();

    conforms(&env.get(&alice, "/me").await, "/me", "get", 200);
    conforms(
        &env.get(&alice, "/me/playlists").await,
        "/me/playlists",
        "get",
        200,
    );
    conforms(
        &env.get(&bob, "/me/playlists").await,
        "/me/playlists",
        "get",
        200,
    );
    let created = env
        .call(
            &alice,
            Method::POST,
            "/me/playlists",
            Some(json!({"name": "New", "public": false})),
        )
        .await;
    conforms(&created, "/me/playlists", "post", 201);
    conforms(
        &env.get(&alice, &format!("/playlists/{id}")).await,
        "/playlists/{playlist_id}",
        "get",
        200,
    );
    conforms(
        &env.get(&bob, &format!("/playlists/{id}")).await,
        "/playlists/{playlist_id}",
        "get",
        200,
    );

    // Items: relinked, plain, null, local and (on request) episode entries.
    for (path, template) in [
        ("items", "/playlists/{playlist_id}/items"),
        ("tracks", "/playlists/{playlist_id}/tracks"),
    ] {
        for types in ["", "&additional_types=track,episode"] {
            let page = env
                .get(&alice, &format!("/playlists/{id}/{path}?limit=50{types}"))
                .await;
            conforms(&page, template, "get", 200);
        }
    }
    let snapshot_of = |a: &Answer, template: &str, method: &str, status: u16| {
        conforms(a, template, method, status)
    };
    let items = format!("/playlists/{id}/items");
    let add = env
        .call(
            &alice,
            Method::POST,
            &items,
            Some(json!({"uris": [&uris[2]]})),
        )
        .await;
    snapshot_of(&add, "/playlists/{playlist_id}/items", "post", 201);
    let reorder = env
        .call(
            &alice,
            Method::PUT,
            &items,
            Some(json!({"range_start": 0, "insert_before": 2})),
        )
        .await;
    snapshot_of(&reorder, "/playlists/{playlist_id}/items", "put", 200);
    let remove = env
        .call(
            &alice,
            Method::DELETE,
            &items,
            Some(json!({"items": [{"uri": &uris[2]}]})),
        )
        .await;
    snapshot_of(&remove, "/playlists/{playlist_id}/items", "delete", 200);
    let old = env
        .call(
            &alice,
            Method::POST,
            &format!("/playlists/{id}/tracks"),
            Some(json!({"uris": [&uris[3]]})),
        )
        .await;
    snapshot_of(&old, "/playlists/{playlist_id}/tracks", "post", 201);
    let details = env
        .call(
            &alice,
            Method::PUT,
            &format!("/playlists/{id}"),
            Some(json!({"description": "d"})),
        )
        .await;
    assert_eq!(details.status, StatusCode::OK);

    conforms(
        &env.get(&alice, "/me/tracks").await,
        "/me/tracks",
        "get",
        200,
    );
    conforms(
        &env.get(&alice, "/me/player/recently-played?limit=3").await,
        "/me/player/recently-played",
        "get",
        200,
    );
    for t in [&ids[1], &ids[0], &ids[2]] {
        conforms(
            &env.get(&alice, &format!("/tracks/{t}")).await,
            "/tracks/{id}",
            "get",
            200,
        );
    }

    // Errors in Spotify's error shape.
    error_conforms(&env.get("nope", "/me").await, "Unauthorized", 401);
    error_conforms(
        &env.get(&bob, &format!("/playlists/{id}/items")).await,
        "Forbidden",
        403,
    );
    error_conforms(
        &env.get(&alice, "/tracks/0000000000000000000000").await,
        "NotFound",
        404,
    );
    error_conforms(
        &env.get(&alice, "/me/tracks?limit=99").await,
        "BadRequest",
        400,
    );
}

#[tokio::test]
async fn rate_limit_and_quota_errors_match_the_spec() {
    let env = start_with(medley_spotify_emulator::Config {
        rate_limit_per_30s: 1,
        daily_quota: Some(2),
        ..Default::default()
    })
    .await;
    let alice = env.user_with_token("alice").await;
    env.get(&alice, "/me").await;
    error_conforms(&env.get(&alice, "/me").await, "TooManyRequests", 429);
    env.control.advance(60).await.unwrap();
    env.get(&alice, "/me").await;
    env.control.advance(60).await.unwrap();
    let quota = env.get(&alice, "/me").await;
    error_conforms(&quota, "TooManyRequests", 429);
    assert_eq!(quota.body["error"]["reason"], "QUOTA_EXCEEDED");
}

#[tokio::test]
async fn the_checker_catches_missing_and_mistyped_fields() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let me = env.get(&alice, "/me").await.body;
    let schema = response_schema(Some("/me"), "get", "200", true);
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&me));
    let mut missing = me.clone();
    missing.as_object_mut().unwrap().remove("uri");
    assert!(!validator.is_valid(&missing));
    let mut mistyped = me;
    mistyped["images"] = json!("none");
    assert!(!validator.is_valid(&mistyped));
}
