use reqwest::StatusCode;

use crate::harness::TestApp;

#[tokio::test]
async fn health_readiness_metrics_and_docs() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
    app.get("/v1/search?q=x&type=track", None).await;
    let metrics = app.metrics().await;
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/v1/search\""), "{metrics}");

    let doc = app.get("/v1/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with('3'));
    for path in [
        "/v1/me",
        "/v1/playlists/{id}/items",
        "/v1/search",
        "/v1/library/tracks",
    ] {
        assert!(
            doc.body["paths"].get(path).is_some(),
            "OpenAPI documents {path}"
        );
    }
    let page = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text().await.unwrap().contains("/docs/init.js"),
        "the docs page loads its script from this server"
    );
    let init = app
        .http
        .get(format!("{}/docs/init.js", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        init.contains("/v1/openapi.json"),
        "the docs page shows this server's document"
    );

    let res = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers().contains_key("x-request-id"),
        "every response carries a request id"
    );
    let r = app.call(reqwest::Method::PATCH, "/v1/me", None, None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}
