use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{assert_problem, TestApp};

#[tokio::test]
async fn create_list_read_and_change_details() {
    let app = TestApp::spawn().await;
    let (me, token) = app.user("ana").await;
    let r = app
        .post(
            "/v1/me/playlists",
            Some(&token),
            json!({"name": "Road Trip", "description": "for the car"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["public"], true, "public by default, as on Spotify");
    assert_eq!(r.body["owner"]["id"], me);
    assert_eq!(r.body["items"]["total"], 0);
    let first_snapshot = r.body["snapshot_id"].as_str().unwrap().to_owned();

    let list = app.get("/v1/me/playlists", Some(&token)).await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["id"], id);
    assert_eq!(
        list.body["items"][0]["tracks"]["href"],
        format!("{}/v1/playlists/{id}/items", app.base)
    );

    let r = app
        .put(
            &format!("/v1/playlists/{id}"),
            Some(&token),
            json!({"name": "Road Trip 2", "public": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let got = app.get(&format!("/v1/playlists/{id}"), Some(&token)).await;
    assert_eq!(
        (got.body["name"].as_str(), got.body["public"].as_bool()),
        (Some("Road Trip 2"), Some(false))
    );
    assert_eq!(got.body["description"], "for the car");
    assert_ne!(
        got.body["snapshot_id"],
        first_snapshot.as_str(),
        "details changes give a new snapshot"
    );

    assert_problem(
        &app.put(
            &format!("/v1/playlists/{id}"),
            Some(&token),
            json!({"name": ""}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "`name`",
    );
    assert_problem(
        &app.put(
            &format!("/v1/playlists/{id}"),
            Some(&token),
            json!({"collaborative": true, "public": true}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "collaborative",
    );
    assert_problem(
        &app.post(
            "/v1/me/playlists",
            Some(&token),
            json!({"description": "no name"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "name",
    );
    assert_problem(
        &app.get("/v1/playlists/0000000000000000000000", Some(&token))
            .await,
        StatusCode::NOT_FOUND,
        "playlist",
    );
    let older = app
        .post(
            &format!("/v1/users/{me}/playlists"),
            Some(&token),
            json!({"name": "Via the old path"}),
        )
        .await;
    assert_eq!(older.status, StatusCode::CREATED);
}

#[tokio::test]
async fn private_playlists_are_invisible_and_public_ones_read_only_to_others() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("admin").await;
    let tracks = app.tracks(&admin, 2).await;
    let (_, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let private = app
        .playlist(&ana, json!({"name": "Secret", "public": false}))
        .await;
    let public = app.playlist(&ana, json!({"name": "Open"})).await;
    let add = json!({"uris": [tracks[0]]});
    assert_eq!(
        app.post(
            &format!("/v1/playlists/{private}/items"),
            Some(&ana),
            add.clone()
        )
        .await
        .status,
        StatusCode::CREATED
    );

    for path in [
        format!("/v1/playlists/{private}"),
        format!("/v1/playlists/{private}/items"),
    ] {
        assert_problem(
            &app.get(&path, Some(&bob)).await,
            StatusCode::NOT_FOUND,
            "not visible",
        );
        assert_problem(
            &app.get(&path, None).await,
            StatusCode::NOT_FOUND,
            "not visible",
        );
    }
    assert_problem(
        &app.post(
            &format!("/v1/playlists/{private}/items"),
            Some(&bob),
            add.clone(),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not visible",
    );
    assert_eq!(
        app.get(&format!("/v1/playlists/{public}"), Some(&bob))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/v1/playlists/{public}/items"), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_problem(
        &app.post(
            &format!("/v1/playlists/{public}/items"),
            Some(&bob),
            add.clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
        "owner",
    );
    assert_problem(
        &app.put(
            &format!("/v1/playlists/{public}"),
            Some(&bob),
            json!({"name": "Mine now"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "owner",
    );
    assert_problem(
        &app.put(
            &format!("/v1/playlists/{public}/items"),
            Some(&bob),
            json!({"uris": []}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "owner",
    );
    assert_problem(
        &app.delete(
            &format!("/v1/playlists/{public}/items"),
            Some(&bob),
            Some(json!({"items": [{"uri": tracks[0]}]})),
        )
        .await,
        StatusCode::FORBIDDEN,
        "owner",
    );
    assert_eq!(
        app.get(&format!("/v1/playlists/{public}"), Some(&ana))
            .await
            .body["name"],
        "Open",
        "unchanged"
    );
    assert_eq!(
        app.item_uris(&ana, &private).await,
        vec![tracks[0].clone()],
        "unchanged"
    );
    let bobs = app.get("/v1/me/playlists", Some(&bob)).await;
    assert_eq!(
        bobs.body["total"], 0,
        "others' playlists are not in my list"
    );
}

#[tokio::test]
async fn collaborators_edit_collaborative_playlists_only() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("admin").await;
    let tracks = app.tracks(&admin, 2).await;
    let (_, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let id = app
        .playlist(&ana, json!({"name": "Together", "collaborative": true}))
        .await;
    let add = json!({"uris": [tracks[1]]});
    assert_problem(
        &app.post(
            &format!("/v1/playlists/{id}/items"),
            Some(&bob),
            add.clone(),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not visible",
    );
    assert_problem(
        &app.put(
            &format!("/v1/playlists/{id}/collaborators"),
            Some(&bob),
            json!({"ids": [bob_id]}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not visible",
    );
    let r = app
        .put(
            &format!("/v1/playlists/{id}/collaborators"),
            Some(&ana),
            json!({"ids": [bob_id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_problem(
        &app.put(
            &format!("/v1/playlists/{id}/collaborators"),
            Some(&ana),
            json!({"ids": ["0000000000000000000000"]}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "not a user",
    );
    let r = app
        .post(
            &format!("/v1/playlists/{id}/items"),
            Some(&bob),
            add.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let items = app
        .get(&format!("/v1/playlists/{id}/items"), Some(&ana))
        .await;
    assert_eq!(items.body["items"][0]["added_by"]["id"], bob_id);
    assert_eq!(
        app.get("/v1/me/playlists", Some(&bob)).await.body["total"],
        1,
        "collaborations are listed"
    );
    assert_problem(
        &app.put(
            &format!("/v1/playlists/{id}"),
            Some(&bob),
            json!({"name": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "owner",
    );
    let r = app
        .put(
            &format!("/v1/playlists/{id}"),
            Some(&ana),
            json!({"collaborative": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_problem(
        &app.post(&format!("/v1/playlists/{id}/items"), Some(&bob), add)
            .await,
        StatusCode::FORBIDDEN,
        "collaborative",
    );
}

#[tokio::test]
async fn following_a_playlist_lists_it_and_counts_the_follower() {
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let id = app.playlist(&ana, json!({"name": "Shared"})).await;
    let r = app
        .call(
            Method::PUT,
            &format!("/v1/playlists/{id}/followers"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/v1/playlists/{id}"), None).await.body["followers"]["total"],
        1
    );
    assert_eq!(
        app.get(
            &format!("/v1/playlists/{id}/followers/contains?ids={bob_id}"),
            None
        )
        .await
        .body,
        json!([true])
    );
    assert_eq!(
        app.get("/v1/me/playlists", Some(&bob)).await.body["items"][0]["id"],
        id
    );
    app.delete(&format!("/v1/playlists/{id}/followers"), Some(&bob), None)
        .await;
    assert_eq!(
        app.get("/v1/me/playlists", Some(&bob)).await.body["total"],
        0
    );
}
