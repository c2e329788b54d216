//! The player's other controls, clicked: a song added to the queue from its page, pause and
//! play by the button, the volume slider, next and previous (back to the start of a song that
//! has played a while, else to the song before).
//!
//! The Media Session's action handlers (lock-screen buttons, media keys) are called in
//! `media_keys.rs`; `player.rs` checks the metadata and state the page gives the Media Session.

use medley_store::Backend;

use super::chromium;
use super::open_signed_in;
use super::player::upload_dawn;
use crate::audio_harness::AudioApp;
use crate::cdp::Browser;

const AUDIO: &str = "document.querySelector('#audio')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_queues_a_song_and_uses_the_players_buttons() {
    let Some(chromium) = chromium() else { return };
    let a = AudioApp::spawn(Backend::Sqlite).await.unwrap();
    upload_dawn(
        &a,
        [
            ("First Light", 30_000, 440.0),
            ("Second Wind", 30_000, 330.0),
        ],
    )
    .await;

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = open_signed_in(&browser, &a.base, "admin", "/").await;
    tab.see("h1", "Search").await;
    tab.type_into("#q", "first light").await;
    tab.click("#results a[href^='/tracks/']").await;
    tab.see("h1", "First Light").await;

    // Played from its page: a queue of one, nothing next.
    tab.click("main button:not(.secondary)").await;
    tab.wait(
        "the audio to play",
        &format!("{AUDIO}.currentTime > 0.5 && !{AUDIO}.paused"),
    )
    .await;
    tab.wait(
        "nothing next yet",
        "document.querySelector(\"#player button[aria-label='Next']\").disabled",
    )
    .await;

    // The other song added to the queue from its page: it is next.
    tab.click("nav a[href='/search']").await;
    tab.see("h1", "Search").await;
    tab.type_into("#q", "second wind").await;
    tab.click("#results a[href^='/tracks/']").await;
    tab.see("h1", "Second Wind").await;
    tab.click("main button.secondary").await;
    tab.see("#status", "Added Second Wind to the queue").await;
    tab.see("#player .now-title", "First Light").await;
    tab.click("#player button[aria-controls=queue]").await;
    tab.see("#queue li:nth-child(2)", "Second Wind").await;
    tab.click("#player button[aria-controls=queue]").await;
    tab.wait(
        "the queue closed",
        "document.querySelector('#queue').hidden",
    )
    .await;

    // Pause by the button, and play again.
    tab.click("#player button[aria-label='Pause']").await;
    tab.wait("a pause", &format!("{AUDIO}.paused")).await;
    let at = tab
        .eval(&format!("{AUDIO}.currentTime"))
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    tab.click("#player button[aria-label='Play']").await;
    tab.wait(
        "playing on from where it paused",
        &format!("!{AUDIO}.paused && {AUDIO}.currentTime > {at} + 0.3"),
    )
    .await;

    // The volume slider, clicked in its middle.
    tab.click_at("#volume", 0.5).await;
    tab.wait(
        "the volume at about a half",
        &format!(
            "{AUDIO}.volume > 0.3 && {AUDIO}.volume < 0.7 && \
             Math.abs({AUDIO}.volume * 100 - Number(document.querySelector('#volume').value)) < 1"
        ),
    )
    .await;

    // Next plays the queued song; Previous at once goes back to the song before.
    tab.click("#player button[aria-label='Next']").await;
    tab.see("#player .now-title", "Second Wind").await;
    tab.wait(
        "the queued song to play",
        &format!("{AUDIO}.currentTime > 0.2 && !{AUDIO}.paused"),
    )
    .await;
    tab.click("#player button[aria-label='Previous']").await;
    tab.see("#player .now-title", "First Light").await;
    tab.wait(
        "the first song from its start",
        &format!("{AUDIO}.currentTime > 0.2 && {AUDIO}.currentTime < 3 && !{AUDIO}.paused"),
    )
    .await;
    // Some seconds in, Previous starts the same song again.
    tab.click_at("#seek", 0.5).await;
    tab.wait("the seek", &format!("{AUDIO}.currentTime > 10"))
        .await;
    tab.click("#player button[aria-label='Previous']").await;
    tab.wait(
        "the same song from its start",
        &format!("{AUDIO}.currentTime < 5 && !{AUDIO}.paused"),
    )
    .await;
    tab.see("#player .now-title", "First Light").await;
}
