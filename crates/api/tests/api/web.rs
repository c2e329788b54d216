//! The web app as the server ships it (shell, assets, headers), and browser sessions: the
//! HttpOnly cookie with its CSRF token, beside the unchanged Bearer API.

use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::TestApp;

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
}

fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_shell_and_its_assets_are_served_with_their_headers() {
    let app = TestApp::spawn().await;
    for path in ["/", "/search", "/playlists/abc", "/stats"] {
        let res = fetch(&app, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&res, CONTENT_TYPE), "text/html; charset=utf-8");
        let csp = header(&res, CONTENT_SECURITY_POLICY);
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(header(&res, CACHE_CONTROL), "no-cache");
    }
    let res = fetch(&app, "/").await;
    let etag = header(&res, reqwest::header::ETAG);
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    let start = 5 + html
        .find("src=\"/assets/")
        .expect("the shell links its script");
    let script = &html[start..start + html[start..].find('"').unwrap()];
    assert!(script.ends_with("/js/app.js"), "{script}");

    let again = app
        .http
        .get(format!("{}/", app.base))
        .header(reqwest::header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let js = fetch(&app, script).await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(header(&js, CONTENT_TYPE), "text/javascript; charset=utf-8");
    assert!(header(&js, CACHE_CONTROL).contains("immutable"));
    let css = fetch(&app, &script.replace("js/app.js", "app.css")).await;
    assert_eq!(header(&css, CONTENT_TYPE), "text/css; charset=utf-8");
    // Gzipped for a browser that takes it (compressed once: the same bytes every time),
    // the same file when unpacked, with its own ETag; plain for a client that does not.
    let plain = fetch(&app, script).await.bytes().await.unwrap();
    let gzip = |path: String| {
        app.http
            .get(format!("{}{path}", app.base))
            .header(reqwest::header::ACCEPT_ENCODING, "gzip, deflate, br")
            .send()
    };
    let packed = gzip(script.to_owned()).await.unwrap();
    assert_eq!(header(&packed, reqwest::header::CONTENT_ENCODING), "gzip");
    assert_eq!(header(&packed, reqwest::header::VARY), "accept-encoding");
    let packed_etag = header(&packed, reqwest::header::ETAG);
    assert_ne!(packed_etag, header(&js, reqwest::header::ETAG));
    let packed = packed.bytes().await.unwrap();
    assert!(
        packed.len() * 2 < plain.len(),
        "{} of {}",
        packed.len(),
        plain.len()
    );
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&packed[..]),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked, plain);
    let shell = gzip("/".to_owned()).await.unwrap();
    assert_eq!(header(&shell, reqwest::header::CONTENT_ENCODING), "gzip");
    assert_eq!(header(&js, reqwest::header::CONTENT_ENCODING), "");
    let old_page = fetch(&app, "/assets/000000000000/js/app.js").await;
    assert_eq!(
        old_page.status(),
        StatusCode::OK,
        "a page from before an upgrade still loads"
    );
    assert_eq!(
        header(&old_page, CACHE_CONTROL),
        "no-cache",
        "but is not kept"
    );
    let missing = fetch(&app, &script.replace("app.js", "nope.js")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // The API, its docs and operations keep their own answers.
    for path in ["/v1/nope", "/v1", "/1/nope", "/healthzz/x", "/metrics/x"] {
        let res = fetch(&app, path).await;
        let json = header(&res, CONTENT_TYPE).contains("json");
        let html = header(&res, CONTENT_TYPE).contains("html");
        if path.starts_with("/healthzz") {
            assert!(html, "{path} is not reserved: the app answers it");
            continue;
        }
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(json, "{path} answers problem+json");
    }
    assert_eq!(fetch(&app, "/healthz").await.status(), StatusCode::OK);
    let post = app.post("/somewhere", None, json!({})).await;
    assert_eq!(
        post.status,
        StatusCode::NOT_FOUND,
        "only GET gets the shell"
    );
}

/// A browser: the session cookie, and the CSRF token when it has one to send.
struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: Option<String>,
}

impl Browser<'_> {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self
            .app
            .http
            .request(method, format!("{}{path}", self.app.base))
            .header(COOKIE, &self.cookie);
        if let Some(csrf) = &self.csrf {
            req = req.header("X-CSRF-Token", csrf);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn a_cookie_session_needs_its_csrf_token_to_change_anything() {
    let app = TestApp::spawn().await;
    let (_, bearer) = app.user("ada").await;
    let wrong = app
        .post(
            "/v1/web/session",
            None,
            json!({"username": "ada", "password": "nope-nope-nope"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let res = app
        .http
        .post(format!("{}/v1/web/session", app.base))
        .json(&json!({"username": "ada", "password": "ada-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let set = header(&res, SET_COOKIE);
    assert!(set.starts_with("medley_session="), "{set}");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(part), "{set} has {part}");
    }
    assert!(!set.contains("Secure"), "plain http: no Secure flag");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["username"], "ada");
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let cookie = set.split(';').next().unwrap().to_owned();

    let plain = Browser {
        app: &app,
        cookie: cookie.clone(),
        csrf: None,
    };
    let (status, me) = plain.send(Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK, "the cookie is enough to read");
    assert_eq!(me["username"], "ada");
    let (status, session) = plain.send(Method::GET, "/v1/web/session", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        session["csrf_token"],
        csrf.as_str(),
        "a reloaded page gets it back"
    );

    let create = json!({"name": "Morning"});
    let (status, err) = plain
        .send(Method::POST, "/v1/me/playlists", Some(create.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    assert!(
        err["detail"].as_str().unwrap().contains("X-CSRF-Token"),
        "{err}"
    );
    let forged = Browser {
        app: &app,
        cookie: cookie.clone(),
        csrf: Some("0".repeat(64)),
    };
    let (status, _) = forged
        .send(Method::POST, "/v1/me/playlists", Some(create.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = plain.send(Method::DELETE, "/v1/web/session", None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "signing out needs the token too"
    );

    let browser = Browser {
        app: &app,
        cookie: cookie.clone(),
        csrf: Some(csrf),
    };
    let (status, made) = browser
        .send(Method::POST, "/v1/me/playlists", Some(create))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");

    // The Bearer API is unchanged, and needs no CSRF token.
    let r = app
        .post("/v1/me/playlists", Some(&bearer), json!({"name": "Bus"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    let (status, _) = browser.send(Method::DELETE, "/v1/web/session", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = plain.send(Method::GET, "/v1/me", None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "signed out: the cookie's token is revoked"
    );
    let (status, _) = plain.send(Method::GET, "/v1/web/session", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/v1/me", Some(&bearer)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn behind_https_the_cookie_is_secure_and_signing_out_clears_it() {
    let db = medley_store::testing::TestDb::sqlite();
    let app = TestApp::spawn_full(db, Default::default(), |state, _| {
        std::sync::Arc::make_mut(&mut state.config).public_url = "https://music.example.org".into();
    })
    .await;
    app.user("ada").await;
    let res = app
        .http
        .post(format!("{}/v1/web/session", app.base))
        .json(&json!({"username": "ada", "password": "ada-password"}))
        .send()
        .await
        .unwrap();
    let set = header(&res, SET_COOKIE);
    assert!(set.ends_with("; Secure"), "{set}");
    let csrf = res.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = app
        .http
        .delete(format!("{}/v1/web/session", app.base))
        .header(COOKIE, set.split(';').next().unwrap())
        .header("X-CSRF-Token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let cleared = header(&out, SET_COOKIE);
    assert!(
        cleared.starts_with("medley_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}

#[tokio::test]
async fn a_browser_session_without_a_cookie_is_told_how_to_sign_in() {
    let app = TestApp::spawn().await;
    let r = app.get("/v1/web/session", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("POST /v1/web/session"),
        "{}",
        r.body
    );
    let bad = app
        .post("/v1/web/session", None, json!({"username": "ada"}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let stale = app
        .http
        .get(format!("{}/v1/me", app.base))
        .header(COOKIE, "medley_session=not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
}
