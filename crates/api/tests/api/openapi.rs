//! The OpenAPI document as the server serves it, kept as a snapshot
//! (`snapshots/api__openapi__document.snap`): every change to the API's paths, parameters or
//! objects shows up in review as a diff of that file. To accept a change, run
//! `cargo insta review` (or the test with `INSTA_UPDATE=always`) and commit the snapshot; with
//! `CI` set, a mismatch fails and nothing is written. See docs/API.md.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::TestApp;

async fn document() -> Value {
    let app = TestApp::spawn().await;
    let r = app.get("/v1/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    r.body
}

#[tokio::test]
async fn the_document_is_the_reviewed_one() {
    let doc = document().await;
    let mut settings = insta::Settings::clone_current();
    // Object keys in one order whatever the generator's maps do.
    settings.set_sort_maps(true);
    settings.bind(|| insta::assert_json_snapshot!("document", doc));
}

#[tokio::test]
async fn every_statistic_answers_a_described_object() {
    let doc = document().await;
    let paths = doc["paths"].as_object().unwrap();
    let stats: Vec<&String> = paths
        .keys()
        .filter(|p| p.starts_with("/v1/me/stats/") || p.starts_with("/v1/me/top/"))
        .collect();
    assert_eq!(stats.len(), 10, "{stats:?}");
    for path in stats {
        let schema =
            &paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        let name = schema["$ref"].as_str().unwrap_or_default();
        let name = name
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| {
                panic!("{path} answers a named object, not {schema}");
            });
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{path}: {name} is described"
        );
    }
}
