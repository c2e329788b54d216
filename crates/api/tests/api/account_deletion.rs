//! Deleting an account through the API: by its user with their password (the browser's cookie
//! cleared), by an administrator; everything of it goes and nothing of anyone else does; a
//! composite of another user that read one of its playlists keeps what it had and reports
//! the source gone; its live show ends for its listeners, and it leaves other people's shows; the username is free again; the
//! last administrator, a wrong password and a wrong kind of confirmation are refused in words.

use std::time::Duration;

use medley_app::shows::live::LiveConfig;
use medley_domain::{PlaylistId, UserId};
use medley_events::Event;
use medley_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{assert_problem, TestApp};
use crate::on_both_backends;
use crate::shows::client::{live_show, server, Client};

on_both_backends!(
    deleting_your_account_takes_everything_of_it_and_nothing_else,
    administrators_delete_accounts_but_a_server_keeps_one,
    a_deleted_hosts_live_show_ends_for_its_listeners,
);

fn bare(uri: &str) -> &str {
    uri.rsplit(':').next().unwrap()
}

async fn delete_me(app: &TestApp, token: &str, body: Value) -> crate::harness::Reply {
    app.delete("/v1/me", Some(token), Some(body)).await
}

/// Waits until the composition of `playlist` reports its first source unhealthy.
async fn wait_unhealthy(app: &TestApp, token: &str, playlist: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let r = app
            .get(
                &format!("/v1/playlists/{playlist}/composition"),
                Some(token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if r.body["sources"][0]["healthy"] == false {
            return r.body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the composite never noticed its source was deleted: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn deleting_your_account_takes_everything_of_it_and_nothing_else(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (_, root) = app.user("root").await;
    let (ana_id, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let t = app.tracks(&root, 4).await;

    // Ana's things: a public playlist, a like, follows both ways, an API token, a Subsonic key,
    // a play, a sync job.
    let mix = app.playlist(&ana, json!({"name": "Ana's mix"})).await;
    let r = app
        .post(
            &format!("/v1/playlists/{mix}/items"),
            Some(&ana),
            json!({"uris": [t[0], t[1]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let archive = app.playlist(&ana, json!({"name": "Archive"})).await;
    let r = app
        .post(
            "/v1/sync-jobs",
            Some(&ana),
            json!({"source": format!("medley:playlist:{mix}"),
                   "target": format!("medley:playlist:{archive}"),
                   "schedule": "0 9 * * MON", "timezone": "UTC"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let likes = format!("/v1/me/tracks?ids={}", bare(&t[0]));
    assert!(app
        .call(Method::PUT, &likes, Some(&ana), None)
        .await
        .status
        .is_success());
    for (token, id) in [(&ana, &bob_id), (&bob, &ana_id)] {
        let r = app
            .call(
                Method::PUT,
                &format!("/v1/me/following?type=user&ids={id}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let r = app
        .post("/v1/me/tokens", Some(&ana), json!({"name": "script"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let script = r.body["token"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/v1/me/subsonic/api-keys",
            Some(&ana),
            json!({"name": "phone"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let subsonic_key = r.body["key"].as_str().unwrap().to_owned();
    let r = app
        .post("/v1/me/player/plays", Some(&ana), json!({"track": t[0]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Bob's things: he follows Ana's playlist, blends it into a composite with his own
    // addition, and keeps a playlist of his own.
    let r = app
        .call(
            Method::PUT,
            &format!("/v1/playlists/{mix}/followers"),
            Some(&bob),
            None,
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let blend = app
        .playlist(
            &bob,
            json!({"name": "Blend", "composition": {"sources": [{"uri": format!("medley:playlist:{mix}")}]}}),
        )
        .await;
    app.wait_for_items(&bob, &blend, &[t[0].clone(), t[1].clone()])
        .await;
    let r = app
        .post(
            &format!("/v1/playlists/{blend}/items"),
            Some(&bob),
            json!({"uris": [t[3]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let own = app.playlist(&bob, json!({"name": "Bob's own"})).await;
    let r = app
        .post(
            &format!("/v1/playlists/{own}/items"),
            Some(&bob),
            json!({"uris": [t[2]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Refusals change nothing.
    let r = app.delete("/v1/me", Some(&ana), None).await;
    assert!(r.status.is_client_error(), "no body: {}", r.status);
    assert_problem(
        &delete_me(&app, &ana, json!({})).await,
        StatusCode::BAD_REQUEST,
        "confirm with your current password",
    );
    assert_problem(
        &delete_me(&app, &ana, json!({"username": "ana"})).await,
        StatusCode::BAD_REQUEST,
        "confirm with your current password",
    );
    assert_problem(
        &delete_me(&app, &ana, json!({"password": "not-her-password"})).await,
        StatusCode::FORBIDDEN,
        "`password` is wrong",
    );
    let r = app.get("/v1/me", Some(&ana)).await;
    assert_eq!(r.status, StatusCode::OK, "still there: {}", r.body);
    assert_eq!(r.body["has_password"], true);

    // Deleted.
    let r = delete_me(&app, &ana, json!({"password": "ana-password"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // Her tokens and keys are refused, her account and playlists are gone for everyone.
    for token in [&ana, &script] {
        assert_eq!(
            app.get("/v1/me", Some(token)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app
        .get(&format!("/rest/ping?f=json&apiKey={subsonic_key}"), None)
        .await;
    assert_eq!(
        r.body["subsonic-response"]["error"]["code"], 44,
        "{}",
        r.body
    );
    assert_eq!(
        app.get(&format!("/v1/users/{ana_id}"), Some(&bob))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for playlist in [&mix, &archive] {
        assert_eq!(
            app.get(&format!("/v1/playlists/{playlist}"), Some(&bob))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    let sessions = json!({"username": "ana", "password": "ana-password"});
    assert_eq!(
        app.post("/v1/sessions", None, sessions).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Bob's composite reports its source gone and keeps what it gave, and his own addition.
    let composition = wait_unhealthy(&app, &bob, &blend).await;
    assert!(
        composition["sources"][0]["last_error"].is_string(),
        "{composition}"
    );
    assert_eq!(
        app.item_uris(&bob, &blend).await,
        [t[0].clone(), t[1].clone(), t[3].clone()]
    );
    let r = app
        .post(
            &format!("/v1/playlists/{blend}/composition/sync"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["removed"], json!([]), "a gone source is not empty");
    assert_eq!(app.item_uris(&bob, &blend).await.len(), 3);

    // The rest of Bob's things are untouched; Ana is no longer among whom he follows or is
    // followed by, nor among his playlists' followers.
    assert_eq!(app.item_uris(&bob, &own).await, [t[2].clone()]);
    let r = app.get(&format!("/v1/users/{bob_id}"), Some(&bob)).await;
    assert_eq!(r.body["followers"]["total"], 0, "{}", r.body);
    let r = app.get("/v1/me/playlists", Some(&bob)).await;
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bob's own", "Blend"], "{}", r.body);

    // The username is free again: a new account, with nothing of the old one.
    let (new_id, new_ana) = app.user("ana").await;
    assert_ne!(new_id, ana_id);
    let r = app.get("/v1/me/playlists", Some(&new_ana)).await;
    assert_eq!(r.body["total"], 0, "{}", r.body);
    let r = app.get("/v1/me/tracks", Some(&new_ana)).await;
    assert_eq!(r.body["total"], 0, "{}", r.body);
    let r = app
        .get("/v1/me/player/recently-played", Some(&new_ana))
        .await;
    assert_eq!(r.body["items"], json!([]), "{}", r.body);
    let r = app.get("/v1/sync-jobs", Some(&new_ana)).await;
    assert_eq!(r.body["items"], json!([]), "{}", r.body);
}

async fn administrators_delete_accounts_but_a_server_keeps_one(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (root_id, root) = app.user("root").await;
    let (bob_id, bob) = app.user("bob").await;
    let (carl_id, carl) = app.user("carl").await;
    let admin_delete = |token: String, id: String| {
        let app = &app;
        async move {
            app.delete(&format!("/v1/admin/users/{id}"), Some(&token), None)
                .await
        }
    };

    assert_problem(
        &admin_delete(bob.clone(), carl_id.clone()).await,
        StatusCode::FORBIDDEN,
        "only an administrator",
    );
    assert_problem(
        &admin_delete(root.clone(), root_id.clone()).await,
        StatusCode::CONFLICT,
        "your own account",
    );
    assert_problem(
        &admin_delete(root.clone(), "nobody".into()).await,
        StatusCode::NOT_FOUND,
        "no user `nobody`",
    );
    assert_problem(
        &delete_me(&app, &root, json!({"password": "root-password"})).await,
        StatusCode::CONFLICT,
        "only administrator account",
    );
    assert_eq!(
        app.get("/v1/me", Some(&root)).await.status,
        StatusCode::OK,
        "the refusals deleted nothing"
    );

    // An administrator deletes another account; the other nodes are told, with its playlists.
    let carls = app.playlist(&carl, json!({"name": "Carl's"})).await;
    let mut events = app.bus.subscribe();
    let r = admin_delete(root.clone(), carl_id.clone()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let told = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Event::UserDeleted { user_id, playlists } = &*events.next().await.unwrap() {
                return (user_id.clone(), playlists.clone());
            }
        }
    })
    .await
    .expect("user_deleted published within the deadline");
    assert_eq!(
        told,
        (UserId::from(carl_id.clone()), vec![PlaylistId::from(carls)])
    );
    assert_eq!(
        app.get("/v1/me", Some(&carl)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app.get("/v1/admin/users", Some(&root)).await;
    assert_eq!(r.body["total"], 2, "{}", r.body);

    // With another administrator, the first may go; the browser's cookie goes with it.
    let r = app
        .call(
            Method::PATCH,
            &format!("/v1/admin/users/{bob_id}"),
            Some(&root),
            Some(json!({"is_admin": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let browser = reqwest::Client::new();
    let (cookie, csrf) = app.browser_session("root").await;
    let r = browser
        .delete(format!("{}/v1/me", app.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"password": "root-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let cleared = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cleared.starts_with("medley_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let r = browser
        .get(format!("{}/v1/web/session", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app.get("/v1/admin/users", Some(&bob)).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["username"], "bob");
}

async fn a_deleted_hosts_live_show_ends_for_its_listeners(backend: Backend) {
    let Some(app) = server(backend, LiveConfig::default()).await else {
        return;
    };
    let (_, _root) = app.user("root").await;
    let (ana_id, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let (_, carl) = app.user("carl").await;
    let show = live_show(&app, &ana, json!({"title": "Late night"})).await;
    let (mut listener, _) = Client::join(&app, &show, &bob).await;
    // Ana also listens to Bob's show, with Carl.
    let bobs = live_show(&app, &bob, json!({"title": "Morning"})).await;
    let (mut ana_there, _) = Client::join(&app, &bobs, &ana).await;
    let (mut carl_there, _) = Client::join(&app, &bobs, &carl).await;

    let r = delete_me(&app, &ana, json!({"password": "ana-password"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    listener.expect("show.ended").await;
    assert_eq!(listener.closed().await, Some(4010));
    // In Bob's show she is gone: her connection closes with 4001, Carl sees her leave.
    assert_eq!(ana_there.closed().await, Some(4001));
    carl_there.expect_with("left", "user", &ana_id).await;
    assert_eq!(
        app.get(&format!("/v1/shows/{show}"), Some(&bob))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app.get("/v1/shows?state=live", Some(&bob)).await;
    assert_eq!(r.body["total"], 1, "only Bob's is live: {}", r.body);
    assert_eq!(r.body["items"][0]["id"], bobs.as_str());
    assert_eq!(r.body["items"][0]["audience"], 1, "Carl: {}", r.body);
}
