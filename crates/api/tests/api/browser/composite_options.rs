//! A composite's options in the browser, each seen to matter in the preview before saving:
//! identity (the same song from two sources counted once), a source dropped (its songs would
//! be removed) and archive (they would stay), the cap (what would not fit), the ordering; then
//! saved, checked through the API, and made a plain playlist again.

use serde_json::json;

use super::{chromium, looks_right, open_signed_in};
use crate::cdp::Browser;
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_sets_a_composites_options_and_makes_it_plain_again() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    // The same recording twice in the catalog: another album, a second longer.
    let uris = app
        .add_tracks(
            &ana,
            json!([
                {"name": "Amber", "artists": ["Kite"], "album": "Lights", "duration_ms": 180000},
                {"name": "Basalt", "artists": ["Kite"], "album": "Lights", "duration_ms": 250000},
                {"name": "Cinder", "artists": ["Moth"], "album": "Dusk", "duration_ms": 200000},
                {"name": "Amber", "artists": ["Kite"], "album": "Singles", "duration_ms": 181000},
            ]),
        )
        .await;
    assert_eq!(uris.len(), 4);
    let rock = app.playlist(&ana, json!({"name": "Rock"})).await;
    let singles = app.playlist(&ana, json!({"name": "Singles"})).await;
    for (list, items) in [(&rock, &uris[..3]), (&singles, &uris[3..])] {
        app.add_items(&ana, list, items).await;
    }
    let source = json!({"sources": [{"uri": format!("medley:playlist:{rock}")}]});
    let mix = app
        .playlist(&ana, json!({"name": "Mix", "composition": source}))
        .await;
    assert_eq!(app.item_uris(&ana, &mix).await, uris[..3]);

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let sources = format!("/playlists/{mix}/sources");
    let tab = open_signed_in(&browser, &app.base, "ana", &sources).await;
    tab.see("h1", "Sources of Mix").await;
    tab.see("#preview", "would add 0 and remove 0").await;

    // Identity: by catalog track, the single's Amber is another song; by title, artist and
    // length it is the Amber already there.
    tab.choose("#add-source", "Singles").await;
    tab.click(".row:has(#add-source) > button").await;
    tab.see("#preview", "would add 1 and remove 0").await;
    tab.see("#preview ul[aria-label='Would be added']", "Amber · Kite")
        .await;
    tab.choose("#opt-identity", "same title, artist and length")
        .await;
    tab.see("#preview", "would add 0 and remove 0").await;
    tab.choose("#opt-identity", "the same catalog track").await;
    tab.see("#preview", "would add 1 and remove 0").await;

    // Rock dropped: its three songs would go; archived, they would stay.
    tab.click("button[aria-label='Remove source Rock']").await;
    tab.see("#preview", "would add 1 and remove 3").await;
    tab.see(
        "#preview ul[aria-label='Would be removed']",
        "Cinder · Moth",
    )
    .await;
    tab.click("label[for=opt-archive]").await;
    tab.see("#preview", "would add 1 and remove 0").await;

    // At most three songs: the newcomer would not fit.
    tab.type_into("#opt-cap", "3").await;
    tab.see("#preview", "would add 0 and remove 0").await;
    tab.see("#preview", "1 songs would not fit under the limit of 3")
        .await;
    tab.type_into("#opt-cap", "10").await;
    tab.see("#preview", "would add 1 and remove 0").await;
    tab.choose("#opt-ordering", "where their source has them")
        .await;
    looks_right(&tab, "composite-options").await;

    tab.click("form button[type=submit]").await;
    tab.see("h1", "Mix").await;
    tab.see("main", "4 songs").await;
    tab.see("#items", "from Singles").await;
    let composition = app
        .get(&format!("/v1/playlists/{mix}/composition"), Some(&ana))
        .await
        .body;
    let options = &composition["options"];
    assert_eq!(
        (
            &options["identity"],
            &options["archive"],
            &options["cap"],
            &options["ordering"]
        ),
        (
            &json!("id"),
            &json!(true),
            &json!(10),
            &json!("source_order")
        ),
        "{composition}"
    );
    assert_eq!(
        composition["sources"].as_array().unwrap().len(),
        1,
        "{composition}"
    );
    let mut held = app.item_uris(&ana, &mix).await;
    held.sort();
    let mut all = uris.clone();
    all.sort();
    assert_eq!(held, all, "the archived songs stay beside the new one");

    // A plain playlist again: its songs stay, it follows nothing.
    tab.click(&format!("a[href='{sources}']")).await;
    tab.see("h1", "Sources of Mix").await;
    tab.click("section[aria-labelledby=plain-h] button").await;
    tab.see("#status", "It is a plain playlist now").await;
    tab.see("h1", "Mix").await;
    tab.see("main", "Build it from other playlists").await;
    let gone = app
        .get(&format!("/v1/playlists/{mix}/composition"), Some(&ana))
        .await;
    assert_eq!(gone.status, reqwest::StatusCode::NOT_FOUND, "{}", gone.body);
    assert_eq!(app.item_uris(&ana, &mix).await.len(), 4);
}
