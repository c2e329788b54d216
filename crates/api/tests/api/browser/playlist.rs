//! A playlist edited in the browser by its owner: renamed, made public and collaborative, its
//! songs reordered by dragging them; each change checked through the API. Then from a song to
//! its artist's page and on to an album's.

use serde_json::json;

use super::{chromium, looks_right, open_signed_in};
use crate::cdp::Browser;
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_renames_shares_and_reorders_a_playlist_by_dragging() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let songs = json!([
        {"name": "Amber", "artists": ["Kite"], "album": "Lights", "duration_ms": 180000},
        {"name": "Basalt", "artists": ["Kite"], "album": "Lights", "duration_ms": 250000},
        {"name": "Cinder", "artists": ["Moth"], "album": "Dusk", "duration_ms": 200000},
        {"name": "Dune", "artists": ["Moth"], "album": "Dusk", "duration_ms": 210000},
    ]);
    let uris = app.add_tracks(&ana, songs).await;
    let list = app.playlist(&ana, json!({"name": "Draft"})).await;
    app.add_items(&ana, &list, &uris).await;
    let order = |names: &[&str]| {
        let by_name = ["Amber", "Basalt", "Cinder", "Dune"];
        names
            .iter()
            .map(|n| uris[by_name.iter().position(|b| b == n).unwrap()].clone())
            .collect::<Vec<_>>()
    };

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let page = format!("/playlists/{list}");
    let tab = open_signed_in(&browser, &app.base, "ana", &page).await;
    tab.see("h1", "Draft").await;
    tab.see("main", "4 songs").await;

    // Rename.
    tab.type_into("#pl-name", "Late night").await;
    tab.click("form.card button[type=submit]").await;
    tab.see("h1", "Late night").await;
    tab.see("#status", "Renamed.").await;
    let got = app.get(&format!("/v1/playlists/{list}"), Some(&ana)).await;
    assert_eq!(got.body["name"], json!("Late night"));

    // Public (as new playlists are) to private, then collaborative: each box says it held,
    // and the API agrees. Public again while collaborative is refused in words and undone.
    let got = app.get(&format!("/v1/playlists/{list}"), Some(&ana)).await;
    assert_eq!(
        (&got.body["public"], &got.body["collaborative"]),
        (&json!(true), &json!(false))
    );
    tab.click("label[for=pl-public]").await;
    tab.see("#status", "Public (listed on your profile): off")
        .await;
    let got = app.get(&format!("/v1/playlists/{list}"), Some(&ana)).await;
    assert_eq!(got.body["public"], json!(false), "{}", got.body);
    tab.click("label[for=pl-collaborative]").await;
    tab.see("#status", "Collaborative (people you invite can edit): on")
        .await;
    let got = app.get(&format!("/v1/playlists/{list}"), Some(&ana)).await;
    assert_eq!(got.body["collaborative"], json!(true), "{}", got.body);
    tab.click("label[for=pl-public]").await;
    tab.see("#status", "cannot be public").await;
    tab.wait(
        "the public box unticked again",
        "!document.querySelector('#pl-public').checked && !document.querySelector('#pl-public').disabled",
    )
    .await;
    let got = app.get(&format!("/v1/playlists/{list}"), Some(&ana)).await;
    assert_eq!(
        (&got.body["public"], &got.body["collaborative"]),
        (&json!(false), &json!(true))
    );
    tab.click("label[for=pl-collaborative]").await;
    tab.see("#status", "Collaborative (people you invite can edit): off")
        .await;
    let got = app.get(&format!("/v1/playlists/{list}"), Some(&ana)).await;
    assert_eq!(got.body["collaborative"], json!(false), "{}", got.body);

    // Drag the last song onto the first: it comes first; then the first onto the third.
    let row = |n: usize| format!("#items li:nth-child({n}) .time");
    let names =
        "[...document.querySelectorAll('#items li .what > a')].map(a => a.innerText).join(',')";
    tab.drag(&row(4), &row(1)).await;
    tab.wait(
        "Dune dragged to the top",
        &format!("{names} === 'Dune,Amber,Basalt,Cinder'"),
    )
    .await;
    assert_eq!(
        app.item_uris(&ana, &list).await,
        order(&["Dune", "Amber", "Basalt", "Cinder"])
    );
    // A reload that lands mid-drag (here a rename's) waits for the drop: the rows under the
    // pointer stay, and the drop still moves the song.
    tab.drag_while(&row(1), &row(3), async {
        tab.eval(
            "document.querySelector('#pl-name').value = 'Later night'; \
             document.querySelector('form.card button[type=submit]').click()",
        )
        .await
        .unwrap();
        tab.see("h1", "Later night").await;
    })
    .await;
    tab.wait(
        "Dune dragged down to third",
        &format!("{names} === 'Amber,Basalt,Dune,Cinder'"),
    )
    .await;
    assert_eq!(
        app.item_uris(&ana, &list).await,
        order(&["Amber", "Basalt", "Dune", "Cinder"])
    );
    looks_right(&tab, "playlist-edited").await;

    // From a song to its artist, and on to the artist's album.
    tab.click("#items li:nth-child(3) .what a[href^='/tracks/']")
        .await;
    tab.see("h1", "Dune").await;
    tab.click("main a[href^='/artists/']").await;
    tab.see("h1", "Moth").await;
    tab.see("main ul.grid", "Dusk").await;
    looks_right(&tab, "artist").await;
    tab.click("main ul.grid a[href^='/albums/']").await;
    tab.see("h1", "Dusk").await;
    tab.see("main", "Moth").await;
    tab.see("ol[aria-label='Songs on Dusk']", "Cinder").await;
    tab.see("ol[aria-label='Songs on Dusk']", "Dune").await;
    looks_right(&tab, "album").await;
}
