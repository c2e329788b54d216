//! What one node writes, the others show within a deadline shorter than their caches' lifetimes
//! (so only the events carried by NATS can explain it); and the cross-node delay benchmark.

use super::*;

#[tokio::test]
async fn a_write_through_one_node_is_seen_through_the_others() {
    let Some(cluster) = Cluster::start(3, 120).await else {
        return;
    };
    let http = reqwest::Client::new();
    let token = common::sign_up(&http, &cluster.nodes[0].base, "ana").await;
    let a = Client::new(&cluster.nodes[0].base, &token);
    let b = a.on(&cluster.nodes[1]);
    let c = a.on(&cluster.nodes[2]);

    // Search: each node has its own index; tracks added on A are indexed on B and C.
    let uris = a.tracks("Zephyrine Quasar", 3).await;
    for other in [&b, &c] {
        let took = within(SOON, "tracks added on A found by search elsewhere", || {
            let other = other.clone();
            async move {
                let r = other.get("/v1/search?q=zephyrine&type=track").await;
                r["tracks"]["total"].as_i64() == Some(3)
            }
        })
        .await;
        eprintln!("search on another node: {took:?}");
    }

    // Playlist details: B caches them; a rename through C reaches B before the cache expires.
    let p = a.playlist("Road trip").await;
    assert_eq!(
        b.get(&format!("/v1/playlists/{p}")).await["name"],
        "Road trip"
    );
    c.put(
        &format!("/v1/playlists/{p}"),
        json!({"name": "Night drive"}),
    )
    .await;
    within(SOON, "a rename through C shown by B", || {
        let b = b.clone();
        let path = format!("/v1/playlists/{p}");
        async move { b.get(&path).await["name"] == "Night drive" }
    })
    .await;

    // Playlist pages: B renders the empty page; items added through A show on B.
    assert!(b.items(&p).await.is_empty());
    a.post(
        &format!("/v1/playlists/{p}/items"),
        json!({"uris": [uris[0], uris[1]]}),
    )
    .await;
    let want = vec![id_of(&uris[0]), id_of(&uris[1])];
    within(SOON, "items added through A listed by B", || {
        let (b, p, want) = (b.clone(), p.clone(), want.clone());
        async move { b.items(&p).await == want }
    })
    .await;

    // Composites: configured on B, its source edited through C, the result read on A.
    let source = a.playlist("source").await;
    let composite = b.playlist("composite").await;
    b.put(
        &format!("/v1/playlists/{composite}/composition"),
        json!({"sources": [{"uri": format!("medley:playlist:{source}"), "mode": "include"}]}),
    )
    .await;
    c.post(
        &format!("/v1/playlists/{source}/items"),
        json!({"uris": [uris[2]]}),
    )
    .await;
    let took = within(
        WORK,
        "a source edited through C followed by the composite, read on A",
        || {
            let (a, composite, want) = (a.clone(), composite.clone(), vec![id_of(&uris[2])]);
            async move { a.items(&composite).await == want }
        },
    )
    .await;
    eprintln!("composite followed its source across nodes: {took:?}");

    // Statistics: C has the (empty) history in memory; a play recorded through B counts there.
    assert_eq!(c.get("/v1/me/stats/totals").await["plays"], 0);
    b.post("/v1/me/player/plays", json!({"track": uris[0]}))
        .await;
    within(SOON, "a play recorded through B counted by C", || {
        let c = c.clone();
        async move { c.get("/v1/me/stats/totals").await["plays"] == 1 }
    })
    .await;

    // Tokens: B has a second session cached (for 30 s); a password change through C ends it
    // on B at once.
    let second = common::sign_in(&http, &cluster.nodes[0].base, "ana", "ana-password").await;
    let second_on_b = Client::new(&cluster.nodes[1].base, &second);
    assert_eq!(
        second_on_b.send(Method::GET, "/v1/me", None).await.0,
        StatusCode::OK
    );
    let (status, body) = c
        .send(
            Method::PUT,
            "/v1/me/password",
            Some(json!({"current_password": "ana-password", "new_password": "a-new-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    within(SOON, "a session ended through C refused by B", || {
        let s = second_on_b.clone();
        async move { s.send(Method::GET, "/v1/me", None).await.0 == StatusCode::UNAUTHORIZED }
    })
    .await;
    // The session that changed the password goes on everywhere.
    assert_eq!(b.send(Method::GET, "/v1/me", None).await.0, StatusCode::OK);

    cluster.stop().await;
}
