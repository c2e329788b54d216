//! Composite playlists in the browser: sources picked, included and excluded, a filter set,
//! the preview read before saving; after saving, where each song came from; a song removed
//! shows among "Removed by you" and comes back when restored. And a collaborator's edit appears
//! on an open playlist page without a reload.

use serde_json::json;

use super::{chromium, looks_right, sign_in};
use crate::cdp::Browser;
use crate::harness::TestApp;

/// Adds songs to the catalog as the administrator; their URIs by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_builds_a_composite_with_a_preview_and_restores_a_removed_song() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let uris = app
        .add_tracks(
            &ana,
            json!([
                {"name": "Amber", "artists": ["Kite"], "album": "Lights", "duration_ms": 180000},
                {"name": "Basalt", "artists": ["Kite"], "album": "Lights", "duration_ms": 250000},
                {"name": "Cinder", "artists": ["Moth"], "album": "Dusk", "duration_ms": 200000},
            ]),
        )
        .await;
    let rock = app.playlist(&ana, json!({"name": "Rock"})).await;
    app.add_items(&ana, &rock, &uris).await;
    let skip = app.playlist(&ana, json!({"name": "Skip"})).await;
    app.add_items(&ana, &skip, [&uris[2]]).await;
    let mix = app.playlist(&ana, json!({"name": "Mix"})).await;

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = browser
        .open(&format!("{}/sign-in?next=/playlists/{mix}", app.base))
        .await;
    sign_in(&tab, "ana", &format!("/playlists/{mix}")).await;
    tab.click(&format!("a[href='/playlists/{mix}/sources']"))
        .await;
    tab.see("h1", "Sources of Mix").await;
    tab.see("#preview", "Add a source").await;

    // Include Rock: the preview says what would come, before anything is saved.
    tab.choose("#add-source", "Rock").await;
    tab.click(".row:has(#add-source) > button").await;
    tab.see("#preview", "would add 3 and remove 0").await;
    tab.see("#preview ul[aria-label='Would be added']", "Basalt · Kite")
        .await;
    // Exclude Skip: Cinder would not come.
    tab.choose("#add-source", "Skip").await;
    tab.click(".row:has(#add-source) > button").await;
    tab.choose("select[aria-label='Mode of Skip']", "Exclude its songs")
        .await;
    tab.see("#preview", "would add 2 and remove 0").await;
    // Nothing longer than four minutes: Basalt would not come either.
    tab.type_into("#flt-max", "240").await;
    tab.see("#preview", "would add 1 and remove 0").await;
    tab.see("#preview", "Amber").await;
    looks_right(&tab, "composite-editor").await;
    assert_eq!(
        app.item_uris(&ana, &mix).await.len(),
        0,
        "a preview changes nothing"
    );

    tab.click("form button[type=submit]").await;
    tab.see("h1", "Mix").await;
    tab.see("#items", "Amber").await;
    tab.see("#items", "from Rock").await;
    tab.see("main", "1 songs").await;
    assert_eq!(app.item_uris(&ana, &mix).await, [uris[0].clone()]);

    // Removed by the owner, it stays out; restored, it is back.
    tab.click("button[aria-label='Remove Amber']").await;
    tab.see("main", "0 songs").await;
    // The composite learns the owner's edit in the background: wait for it.
    let deadline = std::time::Instant::now() + crate::cdp::DEADLINE;
    while app
        .get(&format!("/v1/playlists/{mix}/suppressed"), Some(&ana))
        .await
        .body["total"]
        != 1
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the removal was learned"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tab.click(&format!("a[href='/playlists/{mix}/sources']"))
        .await;
    tab.see("h1", "Sources of Mix").await;
    tab.see("ul[aria-label='Removed by you']", "Amber").await;
    tab.see("ul[aria-label=Sources]", "healthy").await;
    tab.see("#preview", "would add 0 and remove 0").await;
    looks_right(&tab, "composite-sources").await;
    tab.click("button[aria-label='Restore Amber']").await;
    tab.see("#status", "Restored Amber").await;
    tab.see("section[aria-labelledby=suppressed-h]", "Nothing")
        .await;
    assert_eq!(app.item_uris(&ana, &mix).await, [uris[0].clone()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collaborators_edit_appears_without_a_reload() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let uris = app
        .add_tracks(
            &ana,
            json!([
                {"name": "Opening", "artists": ["Kite"], "album": "Lights", "duration_ms": 180000},
                {"name": "Closing", "artists": ["Moth"], "album": "Dusk", "duration_ms": 200000},
            ]),
        )
        .await;
    let shared = app
        .playlist(&ana, json!({"name": "Shared", "collaborative": true}))
        .await;
    let r = app
        .put(
            &format!("/v1/playlists/{shared}/collaborators"),
            Some(&ana),
            json!({"ids": [bob_id]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    app.add_items(&ana, &shared, [&uris[0]]).await;

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = browser
        .open(&format!("{}/sign-in?next=/playlists/{shared}", app.base))
        .await;
    sign_in(&tab, "ana", &format!("/playlists/{shared}")).await;
    tab.see("#items", "Opening").await;
    tab.eval("window.stillHere = true").await.unwrap();

    // Bob adds a song from elsewhere; Ana's open page shows it, the page not reloaded.
    app.add_items(&bob, &shared, [&uris[1]]).await;
    tab.see("#items", "Closing").await;
    tab.see("main", "2 songs").await;
    assert_eq!(tab.eval("window.stillHere").await.unwrap(), json!(true));
    tab.see("#status", "Shared was changed").await;
}
