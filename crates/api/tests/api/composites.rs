use medley_domain::PlaylistId;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{assert_problem, TestApp};

fn pl(id: &str) -> String {
    format!("medley:playlist:{id}")
}

struct Setup {
    app: TestApp,
    token: String,
    t: Vec<String>,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 8).await;
    Setup { app, token, t }
}

impl Setup {
    async fn add(&self, playlist: &str, uris: &[&String]) {
        let r = self
            .app
            .post(
                &format!("/v1/playlists/{playlist}/items"),
                Some(&self.token),
                json!({"uris": uris}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    async fn remove(&self, playlist: &str, uri: &str) {
        let r = self
            .app
            .delete(
                &format!("/v1/playlists/{playlist}/items"),
                Some(&self.token),
                Some(json!({"items": [{"uri": uri}]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    async fn compose(&self, playlist: &str, body: Value) -> crate::harness::Reply {
        self.app
            .put(
                &format!("/v1/playlists/{playlist}/composition"),
                Some(&self.token),
                body,
            )
            .await
    }

    async fn expect(&self, playlist: &str, uris: &[&String]) {
        let expected: Vec<String> = uris.iter().map(|u| (*u).clone()).collect();
        self.app
            .wait_for_items(&self.token, playlist, &expected)
            .await;
    }
}

#[tokio::test]
async fn a_composite_follows_its_sources_and_respects_the_owner() {
    let s = setup().await;
    let t = &s.t;
    let a = s.app.playlist(&s.token, json!({"name": "A"})).await;
    let b = s.app.playlist(&s.token, json!({"name": "B"})).await;
    s.add(&a, &[&t[0], &t[1]]).await;
    s.add(&b, &[&t[1], &t[2]]).await;
    let c = s.app.playlist(&s.token, json!({"name": "C"})).await;
    let r = s
        .compose(
            &c,
            json!({"sources": [{"uri": pl(&a), "mode": "include"}, {"uri": pl(&b)}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["sync"]["added"],
        json!([t[0], t[1], t[2]]),
        "a track in two sources appears once"
    );
    assert_eq!(r.body["composition"]["sources"][0]["healthy"], true);
    s.expect(&c, &[&t[0], &t[1], &t[2]]).await;

    // Rule 1: a track added to a source appears, through the bus, without a timer.
    s.add(&a, &[&t[3]]).await;
    s.expect(&c, &[&t[0], &t[1], &t[2], &t[3]]).await;
    // Rule 2: it leaves only when no source holds it.
    s.remove(&a, &t[1]).await;
    s.remove(&a, &t[0]).await;
    s.expect(&c, &[&t[1], &t[2], &t[3]]).await;
    // Rule 4: the owner's own additions stay whatever the sources do.
    s.add(&c, &[&t[5]]).await;
    s.expect(&c, &[&t[1], &t[2], &t[3], &t[5]]).await;
    // Rule 3: the owner's removal stays, though a source still holds it...
    s.remove(&c, &t[2]).await;
    s.add(&b, &[&t[4]]).await;
    s.expect(&c, &[&t[1], &t[3], &t[5], &t[4]]).await;
    let tombs = s
        .app
        .get(&format!("/v1/playlists/{c}/suppressed"), Some(&s.token))
        .await;
    assert_eq!(tombs.body["total"], 1);
    assert_eq!(tombs.body["items"][0]["uri"], t[2]);
    // ...until the owner restores it.
    let r = s
        .app
        .delete(
            &format!("/v1/playlists/{c}/suppressed"),
            Some(&s.token),
            Some(json!({"uris": [t[2]]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["added"], json!([t[2]]));
    s.expect(&c, &[&t[1], &t[3], &t[5], &t[4], &t[2]]).await;

    // Items say where they came from.
    let items = s
        .app
        .get(&format!("/v1/playlists/{c}/items"), Some(&s.token))
        .await;
    let origin = |uri: &str| {
        items.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["item"]["uri"] == uri)
            .unwrap()["origin"]
            .clone()
    };
    assert_eq!(origin(&t[1]), json!({"sources": [pl(&b)], "direct": false}));
    assert_eq!(origin(&t[5]), json!({"sources": [], "direct": true}));
    assert!(
        s.app
            .get(&format!("/v1/playlists/{a}/items"), Some(&s.token))
            .await
            .body["items"][0]
            .get("origin")
            .is_none(),
        "plain playlists carry no origin"
    );

    // A forced resync with nothing new changes nothing.
    let r = s
        .app
        .post(
            &format!("/v1/playlists/{c}/composition/sync"),
            Some(&s.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["added"].clone(), r.body["removed"].clone()),
        (json!([]), json!([]))
    );

    // Back to a plain playlist, items kept; sources no longer drive it.
    assert_eq!(
        s.app
            .delete(
                &format!("/v1/playlists/{c}/composition"),
                Some(&s.token),
                None
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.app
            .get(&format!("/v1/playlists/{c}/composition"), Some(&s.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    s.add(&a, &[&t[6]]).await;
    s.expect(&c, &[&t[1], &t[3], &t[5], &t[4], &t[2]]).await;
}

#[tokio::test]
async fn nested_composites_propagate_and_cycles_are_refused_by_name() {
    let s = setup().await;
    let t = &s.t;
    let src = s.app.playlist(&s.token, json!({"name": "Source"})).await;
    let mid = s
        .app
        .playlist(
            &s.token,
            json!({"name": "Mid", "composition": {"sources": [{"uri": pl(&src)}]}}),
        )
        .await;
    let top = s
        .app
        .playlist(
            &s.token,
            json!({"name": "Top", "composition": {"sources": [{"uri": pl(&mid)}]}}),
        )
        .await;
    s.add(&src, &[&t[0]]).await;
    s.expect(&top, &[&t[0]]).await;
    let r = s
        .compose(&src, json!({"sources": [{"uri": pl(&top)}]}))
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "cycle");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains(&pl(&mid)) && detail.contains(&pl(&top)),
        "the cycle is named: {detail}"
    );
    assert_problem(
        &s.compose(&mid, json!({"sources": [{"uri": pl(&mid)}]}))
            .await,
        StatusCode::CONFLICT,
        "cycle",
    );
    assert_eq!(
        s.app
            .get(&format!("/v1/playlists/{src}/composition"), Some(&s.token))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "nothing was configured"
    );
}

#[tokio::test]
async fn exclude_sources_archive_mode_and_preview() {
    let s = setup().await;
    let t = &s.t;
    let inc = s.app.playlist(&s.token, json!({"name": "In"})).await;
    let exc = s.app.playlist(&s.token, json!({"name": "Out"})).await;
    s.add(&inc, &[&t[0], &t[1], &t[2]]).await;
    s.add(&exc, &[&t[1]]).await;
    let c = s.app.playlist(&s.token, json!({"name": "C"})).await;
    let proposal = json!({"sources": [{"uri": pl(&inc)}, {"uri": pl(&exc), "mode": "exclude"}]});
    let r = s
        .app
        .post(
            &format!("/v1/playlists/{c}/composition/preview"),
            Some(&s.token),
            proposal.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["added"], json!([t[0], t[2]]));
    assert!(
        s.app.item_uris(&s.token, &c).await.is_empty(),
        "a preview changes nothing"
    );
    assert_eq!(
        s.app
            .get(&format!("/v1/playlists/{c}/composition"), Some(&s.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.compose(&c, proposal).await.status, StatusCode::OK);
    s.expect(&c, &[&t[0], &t[2]]).await;

    let archive = s.app.playlist(&s.token, json!({"name": "Archive", "composition": {"sources": [{"uri": pl(&inc)}], "options": {"archive": true}}})).await;
    s.expect(&archive, &[&t[0], &t[1], &t[2]]).await;
    s.remove(&inc, &t[0]).await;
    s.add(&inc, &[&t[3]]).await;
    s.expect(&archive, &[&t[0], &t[1], &t[2], &t[3]]).await;
    let view = s
        .app
        .get(
            &format!("/v1/playlists/{archive}/composition"),
            Some(&s.token),
        )
        .await;
    assert_eq!(view.body["options"]["archive"], true);
    assert!(view.body["sources"][0]["last_read_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
}

#[tokio::test]
async fn bad_compositions_are_refused_precisely() {
    let s = setup().await;
    let c = s.app.playlist(&s.token, json!({"name": "C"})).await;
    let (_, bob) = s.app.user("bob").await;
    let secret = s
        .app
        .playlist(&bob, json!({"name": "Bob's", "public": false}))
        .await;
    let bobs_public = s.app.playlist(&bob, json!({"name": "Bob's public"})).await;
    let cases = [
        (
            json!({"sources": [{"uri": pl("0000000000000000000000")}]}),
            StatusCode::NOT_FOUND,
            "not visible",
        ),
        (
            json!({"sources": [{"uri": pl(&secret)}]}),
            StatusCode::NOT_FOUND,
            "not visible",
        ),
        (
            json!({"sources": [{"uri": "spotify:playlist:37i9dQZF1DXcBWIGoYBM5M"}]}),
            StatusCode::BAD_REQUEST,
            "Spotify",
        ),
        (
            json!({"sources": [{"uri": "medley:track:0000000000000000000000"}]}),
            StatusCode::BAD_REQUEST,
            "only playlist URIs",
        ),
        (
            json!({"sources": [{"uri": pl(&bobs_public)}, {"uri": pl(&bobs_public)}]}),
            StatusCode::BAD_REQUEST,
            "twice",
        ),
        (
            json!({"sources": [], "options": {"cap": 20000}}),
            StatusCode::BAD_REQUEST,
            "cap",
        ),
        (
            json!({"sources": [], "options": {"ordering": "random"}}),
            StatusCode::BAD_REQUEST,
            "ordering",
        ),
        (
            json!({"sources": [], "options": {"colour": 1}}),
            StatusCode::BAD_REQUEST,
            "unknown field",
        ),
        (
            json!({"sources": [{"uri": pl(&bobs_public), "mode": "maybe"}]}),
            StatusCode::BAD_REQUEST,
            "mode",
        ),
        (
            json!({"source": []}),
            StatusCode::BAD_REQUEST,
            "unknown field",
        ),
    ];
    for (body, status, needle) in cases {
        assert_problem(&s.compose(&c, body).await, status, needle);
    }
    assert_eq!(
        s.compose(&c, json!({"sources": [{"uri": pl(&bobs_public)}]}))
            .await
            .status,
        StatusCode::OK,
        "public playlists of others are readable sources"
    );
    let theirs = s
        .app
        .put(
            &format!("/v1/playlists/{bobs_public}/composition"),
            Some(&s.token),
            json!({"sources": []}),
        )
        .await;
    assert_problem(&theirs, StatusCode::FORBIDDEN, "owner");
    assert_problem(
        &s.app
            .get(&format!("/v1/playlists/{c}/composition"), Some(&bob))
            .await,
        StatusCode::FORBIDDEN,
        "owner",
    );
    let before = s.app.get("/v1/me/playlists", Some(&s.token)).await.body["total"].clone();
    let refused = s
        .app
        .post(
            "/v1/me/playlists",
            Some(&s.token),
            json!({"name": "X", "composition": {"sources": [{"uri": pl(&secret)}]}}),
        )
        .await;
    assert_problem(&refused, StatusCode::NOT_FOUND, "not visible");
    assert_eq!(
        s.app.get("/v1/me/playlists", Some(&s.token)).await.body["total"],
        before,
        "no playlist was half-created"
    );
}

/// The ledger the node's last sync wrote, if it holds it for the version the store holds,
/// and the stored ledger (read again if a sync wrote while it was read).
async fn kept_and_stored(
    app: &TestApp,
    id: &PlaylistId,
) -> (Option<medley_compose::Ledger>, medley_compose::Ledger) {
    loop {
        let stored = app.store.composite(id).await.unwrap().unwrap();
        let head = app.store.composite_head(id).await.unwrap().unwrap();
        if head.ledger_version == stored.ledger_version {
            let kept = app
                .state
                .app
                .caches
                .ledger(id, stored.ledger_version, stored.created_at_ms);
            return (kept, stored.ledger);
        }
    }
}

/// Waits (10 s at most) until the stored ledger of `id` holds `tombstones` tombstones.
async fn until_tombstones(app: &TestApp, id: &PlaylistId, tombstones: usize) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while kept_and_stored(app, id).await.1.suppressed().count() != tombstones {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the sync never learned the owner's removal"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_node_syncs_from_the_ledger_it_wrote_only_while_the_store_holds_that_version() {
    let s = setup().await;
    let t = &s.t;
    let a = s.app.playlist(&s.token, json!({"name": "A"})).await;
    s.add(&a, &[&t[0], &t[1]]).await;
    let c = PlaylistId::from(s.app.playlist(&s.token, json!({"name": "C"})).await);
    let composition = json!({"sources": [{"uri": pl(&a)}]});
    let r = s.compose(&c, composition.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (kept, stored) = kept_and_stored(&s.app, &c).await;
    assert_eq!(kept.as_ref(), Some(&stored), "the sync kept what it wrote");

    // The next syncs start from it, and keep what they write.
    s.add(&a, &[&t[2]]).await;
    s.expect(&c, &[&t[0], &t[1], &t[2]]).await;
    s.remove(&c, &t[0]).await;
    until_tombstones(&s.app, &c, 1).await;
    let (kept, stored) = kept_and_stored(&s.app, &c).await;
    assert_eq!(
        kept.as_ref(),
        Some(&stored),
        "the owner's removal is in both"
    );

    // Another writer (here: the composition written again, as another node would) moves the
    // version on: the kept ledger no longer counts, and the next sync reads the stored one.
    let head = s.app.store.composite_head(&c).await.unwrap().unwrap();
    s.app
        .store
        .put_composite(&c, &head.composite, 1)
        .await
        .unwrap();
    let (kept, _) = kept_and_stored(&s.app, &c).await;
    assert_eq!(kept, None);
    s.add(&a, &[&t[3]]).await;
    s.expect(&c, &[&t[1], &t[2], &t[3]]).await;
    let (kept, stored) = kept_and_stored(&s.app, &c).await;
    assert_eq!(kept.as_ref(), Some(&stored));

    // A composite deleted and made again starts from an empty ledger, not the kept one.
    let r = s
        .app
        .delete(
            &format!("/v1/playlists/{c}/composition"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = s.compose(&c, composition).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (kept, stored) = kept_and_stored(&s.app, &c).await;
    assert_eq!(kept.as_ref(), Some(&stored));
    assert_eq!(
        stored.suppressed().count(),
        0,
        "the new composite knows nothing of the old one's tombstones"
    );
}
