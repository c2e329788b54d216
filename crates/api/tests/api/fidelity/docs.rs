//! `/docs` is served whole by this server: the page and every file it references answer 200,
//! none is elsewhere, and each carries the page's Content-Security-Policy. With
//! `MEDLEY_TEST_CHROMIUM`, the page is also opened in Chromium, which must render the
//! operations loading nothing from another host.

use reqwest::StatusCode;

use crate::harness::TestApp;

/// The `src` and `href` values of an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            out.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    out
}

#[tokio::test]
async fn the_documentation_page_needs_nothing_from_elsewhere() {
    let app = TestApp::spawn().await;
    let page = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    let refs = references(&html);
    assert!(refs.len() >= 3, "{refs:?}");
    for r in &refs {
        assert!(
            r.starts_with('/') && !r.starts_with("//"),
            "{r} points off this host"
        );
        let got = app
            .http
            .get(format!("{}{r}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), StatusCode::OK, "{r}");
        assert_eq!(
            got.headers()["content-security-policy"],
            csp.as_str(),
            "{r}"
        );
        assert!(!got.bytes().await.unwrap().is_empty(), "{r}");
    }
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style"
    );
    let init = app
        .http
        .get(format!("{}/docs/init.js", app.base))
        .send()
        .await
        .unwrap();
    assert!(init.text().await.unwrap().contains("\"/v1/openapi.json\""));

    let Some(chromium) = crate::browser::chromium() else {
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let browser = crate::cdp::Browser::launch(&chromium, profile.path()).await;
    let tab = browser.open(&format!("{}/docs", app.base)).await;
    tab.wait(
        "Swagger UI to render the operations",
        "document.querySelectorAll('.opblock').length > 50",
    )
    .await;
    let elsewhere = tab
        .eval(&format!(
            "performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith('{}'))",
            app.base
        ))
        .await
        .unwrap();
    assert_eq!(elsewhere, serde_json::json!([]), "loaded from elsewhere");
}
