//! A host's side of a live show, in the browser: scheduled for later it waits under "Coming
//! up" until she goes live; her playback buttons move the listener's room; a listener's
//! reaction reaches her; and her moderator controls (mute, make moderator, remove, ban) are
//! felt in the listener's browser.

use serde_json::json;

use super::{chromium, looks_right, open_signed_in};
use crate::cdp::Browser;
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_schedules_a_show_goes_live_plays_it_and_moderates() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    app.user("ben").await;
    let uris = app
        .add_tracks(
            &ana,
            json!([
                {"name": "Amber", "artists": ["Kite"], "album": "Lights", "duration_ms": 180000},
                {"name": "Basalt", "artists": ["Kite"], "album": "Lights", "duration_ms": 250000},
            ]),
        )
        .await;
    let set = app.playlist(&ana, json!({"name": "Friday set"})).await;
    app.add_items(&ana, &set, &uris).await;
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (host_browser, guest_browser) = (
        Browser::launch(&chromium, one.path()).await,
        Browser::launch(&chromium, two.path()).await,
    );

    // Scheduled for tomorrow evening: not live, but coming up.
    let host = open_signed_in(&host_browser, &app.base, "ana", "/shows").await;
    host.see("#coming-up + p", "No shows are scheduled").await;
    let tomorrow = (chrono::Local::now() + chrono::Duration::days(1)).date_naive();
    host.type_into("#show-title", "Saturday session").await;
    host.choose("#show-playlist", "Friday set").await;
    host.type_date("#show-when", &format!("{tomorrow}T20:30"))
        .await;
    host.wait(
        "the time typed to be the field's value",
        &format!("document.querySelector('#show-when').value === '{tomorrow}T20:30'"),
    )
    .await;
    host.click("form button[type=submit]").await;
    host.see("h1", "Saturday session").await;
    host.see("dl.facts", "starts").await;
    host.click("nav a[href='/shows']").await;
    host.see("#coming-up + ul", "Saturday session").await;
    host.see("#live-now + p", "Nobody is live right now").await;
    let shows = app.get("/v1/shows?state=scheduled", Some(&ana)).await.body;
    let show = &shows["items"][0];
    let at: chrono::DateTime<chrono::Utc> =
        show["scheduled_for"].as_str().unwrap().parse().unwrap();
    assert!(
        at > chrono::Utc::now() + chrono::Duration::hours(3),
        "{shows}"
    );
    let id = show["id"].as_str().unwrap().to_owned();

    // Go live from the show's page.
    host.click(&format!("#coming-up + ul a[href='/shows/{id}']"))
        .await;
    host.click("#start-show").await;
    host.see("#live-status", "Connected").await;
    let guest = open_signed_in(&guest_browser, &app.base, "ben", "/shows").await;
    guest.see("#live-now + ul", "Saturday session").await;
    guest.click(&format!("a[href='/shows/{id}']")).await;
    guest.see("#live-status", "Connected").await;
    host.see("#people [data-role=listener]", "ben").await;

    // The host's own buttons play, pause and skip for everyone. (Each click waits for her
    // room to have redrawn after the one before: a button replaced under the pointer between
    // press and release is no click.)
    host.click("#show-play[aria-label='Play the show']").await;
    guest.see("#now-playing", "Playing: Amber").await;
    host.click("#show-play[aria-label='Pause the show']").await;
    guest.see("#now-playing", "Paused: Amber").await;
    host.see("#now-playing", "Paused: Amber").await;
    host.wait(
        "the play button back",
        "document.querySelector(\"#show-play[aria-label='Play the show']\")",
    )
    .await;
    host.click("#show-controls button[aria-label='Next song']")
        .await;
    guest.see("#now-playing", "Basalt").await;
    host.see("#now-playing", "Basalt").await;

    // A reaction from the listener reaches the host.
    guest.click("button[aria-label='React 🔥']").await;
    host.see("#reactions", "🔥").await;

    // Muted, the listener cannot comment; unmuted, they can.
    host.click("button[aria-label='Mute: ben']").await;
    guest
        .wait(
            "the comment field closed",
            "document.querySelector('#comment-text').disabled && \
             document.querySelector('#comment-text').placeholder === 'A moderator muted you'",
        )
        .await;
    host.see("#people [data-role=listener]", "muted").await;
    host.click("button[aria-label='Unmute: ben']").await;
    guest
        .wait(
            "the comment field open again",
            "!document.querySelector('#comment-text').disabled",
        )
        .await;
    host.wait(
        "ben no longer shown muted",
        "!document.querySelector('#people').innerText.includes('muted')",
    )
    .await;

    // Made a moderator: the listener's room gives them the moderators' tools.
    host.click("button[aria-label='Make moderator: ben']").await;
    guest
        .see("#people [data-role=moderator]", "ben (you)")
        .await;
    guest
        .wait(
            "the slow mode picker shown",
            "!document.querySelector('#slow-mode').hidden",
        )
        .await;
    host.see("#people [data-role=moderator]", "ben").await;
    looks_right(&host, "show-room-moderating").await;

    // Removed, they may come back; banned, they may not.
    host.click("button[aria-label='Remove: ben']").await;
    host.wait(
        "ben gone from the people",
        "!document.querySelector('#people').innerText.includes('ben')",
    )
    .await;
    guest
        .see("#live-status", "A moderator removed you from the show")
        .await;
    guest.click("#my-actions a").await;
    guest.see("#live-status", "Connected").await;
    host.see("#people", "ben").await;
    host.click("button[aria-label='Ban: ben']").await;
    guest
        .see("#live-status", "You are banned from this show")
        .await;
    guest.click("#my-actions a").await;
    guest
        .see("#live-status", "You are banned from this show")
        .await;
    looks_right(&guest, "show-room-banned").await;
}
