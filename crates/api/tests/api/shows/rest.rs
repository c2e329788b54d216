//! `/v1/shows` over HTTP on both backends: the show object, precise 4xx answers, the
//! creator's rights, and visibility (followers, invite) on REST and on the WebSocket.

use medley_app::shows::live::LiveConfig;
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use super::client::{server, Client};
use crate::harness::assert_problem;
use crate::on_both_backends;

on_both_backends!(shows_over_rest, visibility_on_rest_and_websocket);

async fn shows_over_rest(backend: Backend) {
    let app = server(backend, LiveConfig::default()).await.unwrap();
    let (ana_id, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let private = app
        .playlist(&bob, json!({"name": "Bob's", "public": false}))
        .await;
    let mine = app.playlist(&ana, json!({"name": "Ana's"})).await;

    let r = app
        .post(
            "/v1/shows",
            Some(&ana),
            json!({"title": "  Morning  ", "description": "Coffee", "scheduled_for": "2026-12-24T09:00:00Z",
                "playlist": format!("medley:playlist:{mine}")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let show = r.body["id"].as_str().unwrap().to_owned();
    let b = &r.body;
    assert_eq!(b["uri"], format!("medley:show:{show}"));
    assert_eq!(b["title"], "Morning");
    assert_eq!(
        (b["state"].as_str(), b["visibility"].as_str()),
        (Some("scheduled"), Some("public"))
    );
    assert_eq!(b["creator"]["id"], ana_id.as_str());
    assert_eq!(b["creator"]["display_name"], "ana");
    assert_eq!(b["playlist"]["id"], mine.as_str());
    assert_eq!(b["scheduled_for"], "2026-12-24T09:00:00Z");
    assert_eq!(
        (b["started_at"].is_null(), b["audience"].as_u64()),
        (true, Some(0))
    );
    assert_eq!(b["href"], format!("{}/v1/shows/{show}", app.base));
    assert!(b["live_url"].as_str().unwrap().starts_with("ws://"));

    for (body, needle) in [
        (json!({"title": ""}), "`title` must be 1 to 200"),
        (
            json!({"title": "x", "visibility": "friends"}),
            "`visibility` must be",
        ),
        (
            json!({"title": "x", "scheduled_for": "tomorrow"}),
            "RFC 3339",
        ),
        (
            json!({"title": "x", "playlist": format!("medley:playlist:{private}")}),
            "not visible to you",
        ),
        (
            json!({"title": "x", "playlist": "spotify:playlist:abc"}),
            "Medley playlist",
        ),
        (
            json!({"title": "x", "colour": "red"}),
            "unknown field `colour`",
        ),
    ] {
        let r = app.post("/v1/shows", Some(&ana), body).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, needle);
    }
    let r = app.post("/v1/shows", None, json!({"title": "x"})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_problem(
        &app.get("/v1/shows?state=paused", Some(&ana)).await,
        StatusCode::BAD_REQUEST,
        "`state` must be",
    );

    // Only the creator edits, starts and ends.
    let path = format!("/v1/shows/{show}");
    let r = app.put(&path, Some(&bob), json!({"title": "Mine"})).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "only the show's creator");
    let r = app
        .put(
            &path,
            Some(&ana),
            json!({"title": "Brunch", "description": null, "scheduled_for": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["title"], "Brunch");
    assert!(r.body["description"].is_null() && r.body["scheduled_for"].is_null());
    assert_eq!(r.body["playlist"]["id"], mine.as_str(), "kept");
    let start = format!("{path}/start");
    assert_problem(
        &app.post(&start, Some(&bob), json!({})).await,
        StatusCode::FORBIDDEN,
        "creator",
    );
    assert_problem(
        &app.post(&format!("{path}/end"), Some(&ana), json!({}))
            .await,
        StatusCode::CONFLICT,
        "has not started",
    );
    let r = app.post(&start, Some(&ana), json!({})).await;
    assert_eq!(
        (r.status, r.body["state"].as_str()),
        (StatusCode::OK, Some("live"))
    );
    assert!(r.body["started_at"].is_string());
    assert_problem(
        &app.post(&start, Some(&ana), json!({})).await,
        StatusCode::CONFLICT,
        "starts once",
    );
    let r = app.put(&path, Some(&ana), json!({"playlist": null})).await;
    assert_problem(&r, StatusCode::CONFLICT, "only before it starts");
    let r = app.get("/v1/shows?state=live", Some(&bob)).await;
    assert_eq!(
        (r.body["total"].as_i64(), r.body["items"][0]["id"].as_str()),
        (Some(1), Some(show.as_str()))
    );
    assert_eq!(
        app.get("/v1/shows?state=scheduled", Some(&bob)).await.body["total"],
        0
    );

    // Ending over REST closes everyone with 4010, even with the creator away.
    let (mut listener, _) = Client::join(&app, &show, &bob).await;
    let r = app
        .post(&format!("{path}/end"), Some(&ana), json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["state"].as_str()),
        (StatusCode::OK, Some("ended")),
        "{}",
        r.body
    );
    listener.expect("show.ended").await;
    assert_eq!(listener.closed().await, Some(4010));
    assert_problem(
        &app.post(&format!("{path}/end"), Some(&ana), json!({}))
            .await,
        StatusCode::CONFLICT,
        "ended already",
    );
    let r = app.put(&path, Some(&ana), json!({"title": "Late"})).await;
    assert_problem(&r, StatusCode::CONFLICT, "ended");
    let r = app.get(&format!("{path}/history"), Some(&bob)).await;
    let ops: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["show.ended"], "a listener's coming is not history");
    assert_eq!(
        app.get(&format!("{path}/comments"), Some(&bob)).await.body["total"],
        0
    );
    assert_eq!(
        app.get("/v1/shows/nope", Some(&bob)).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn visibility_on_rest_and_websocket(backend: Backend) {
    let app = server(backend, LiveConfig::default()).await.unwrap();
    let (ana_id, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let (_, cyd) = app.user("cyd").await;
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/v1/me/following?type=user&ids={ana_id}"),
            Some(&bob),
            None,
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let mut ids = Vec::new();
    for visibility in ["followers", "invite"] {
        let r = app
            .post(
                "/v1/shows",
                Some(&ana),
                json!({"title": visibility, "visibility": visibility}),
            )
            .await;
        let id = r.body["id"].as_str().unwrap().to_owned();
        app.post(&format!("/v1/shows/{id}/start"), Some(&ana), json!({}))
            .await;
        ids.push(id);
    }
    let (followers, invite) = (&ids[0], &ids[1]);

    // Followers: bob follows ana, cyd does not.
    assert_eq!(
        app.get(&format!("/v1/shows/{followers}"), Some(&bob))
            .await
            .status,
        StatusCode::OK
    );
    for path in ["", "/comments", "/history"] {
        let r = app
            .get(&format!("/v1/shows/{followers}{path}"), Some(&cyd))
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not visible to you");
    }
    let listed = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        listed(&app.get("/v1/shows?state=live", Some(&bob)).await.body),
        std::slice::from_ref(followers)
    );
    assert!(listed(&app.get("/v1/shows", Some(&cyd)).await.body).is_empty());
    let refused = |token: String, show: String| {
        let base = app.base.clone();
        async move {
            let mut c = Client::open_on(&base, &show).await;
            c.send(json!({"op": "hello", "d": {"v": 1, "token": token}}))
                .await;
            c.closed().await
        }
    };
    assert_eq!(refused(cyd.clone(), followers.clone()).await, Some(4004));
    Client::join(&app, followers, &bob).await;

    // Invite: only guests, who redeemed a code the creator made.
    assert_eq!(refused(bob.clone(), invite.clone()).await, Some(4004));
    let r = app
        .post(
            &format!("/v1/shows/{invite}/invites"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not visible");
    let r = app
        .post(
            &format!("/v1/shows/{followers}/invites"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "creator");
    let r = app
        .post(
            &format!("/v1/shows/{invite}/invites"),
            Some(&ana),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = r.body["code"].as_str().unwrap().to_owned();
    let guests = format!("/v1/shows/{invite}/guests");
    assert_eq!(
        r.body["href"],
        format!("{}/v1{}", app.base, guests.trim_start_matches("/v1"))
    );
    let r = app
        .post(&guests, Some(&cyd), json!({"invite": "wrong"}))
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "with this invite");
    let r = app.post(&guests, Some(&cyd), json!({"invite": code})).await;
    assert_eq!(
        (r.status, r.body["id"].as_str()),
        (StatusCode::OK, Some(invite.as_str())),
        "{}",
        r.body
    );
    assert_eq!(
        app.get(&format!("/v1/shows/{invite}"), Some(&cyd))
            .await
            .status,
        StatusCode::OK
    );
    let (_, welcome) = Client::join(&app, invite, &cyd).await;
    assert_eq!(welcome["d"]["show"]["id"], invite.as_str());
    assert_eq!(
        refused(bob.clone(), invite.clone()).await,
        Some(4004),
        "still not bob"
    );
    // A scheduled show is not joinable yet, even for its creator.
    let r = app
        .post("/v1/shows", Some(&ana), json!({"title": "Later"}))
        .await;
    let later = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(refused(ana.clone(), later).await, Some(4004));
}
