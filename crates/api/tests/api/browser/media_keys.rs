//! The Media Session's action handlers: what the lock screen, a headset's buttons and the
//! keyboard's media keys do. The DevTools protocol cannot press those keys, so a script that
//! runs before the page's own records the handlers the page gives the browser, and the test
//! calls them as the browser would.

use medley_store::Backend;

use super::player::upload_dawn;
use super::{chromium, open_signed_in_with};
use crate::audio_harness::AudioApp;
use crate::cdp::Browser;

const AUDIO: &str = "document.querySelector('#audio')";

/// Keeps a copy of each handler the page sets, in `window.mediaActions`.
const RECORD_HANDLERS: &str = r#"
window.mediaActions = {};
if ('mediaSession' in navigator) {
  const set = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
  navigator.mediaSession.setActionHandler = (action, handler) => {
    window.mediaActions[action] = handler;
    set(action, handler);
  };
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_media_keys_play_pause_seek_and_move_through_the_queue() {
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
    let tab = open_signed_in_with(&browser, &a.base, "admin", "/", Some(RECORD_HANDLERS)).await;
    let actions = tab
        .eval("Object.keys(window.mediaActions).sort().join(' ')")
        .await
        .unwrap();
    assert_eq!(
        actions,
        "nexttrack pause play previoustrack seekbackward seekforward seekto stop"
    );

    tab.see("h1", "Search").await;
    tab.type_into("#q", "dawn").await;
    tab.click("#results .chips a[href^='/albums/']").await;
    tab.see("h1", "Dawn").await;
    tab.click("button[aria-label='Play First Light']").await;
    tab.wait(
        "the album to play",
        &format!("{AUDIO}.currentTime > 0.5 && !{AUDIO}.paused"),
    )
    .await;

    // Pause and play: the button and the session's state follow.
    tab.eval("mediaActions.pause()").await.unwrap();
    tab.wait(
        "a pause",
        &format!(
            "{AUDIO}.paused && navigator.mediaSession.playbackState === 'paused' && \
             document.querySelector(\"#player button[aria-label='Play']\") !== null"
        ),
    )
    .await;
    tab.eval("mediaActions.play()").await.unwrap();
    tab.wait(
        "playing again",
        &format!("!{AUDIO}.paused && navigator.mediaSession.playbackState === 'playing'"),
    )
    .await;

    // Seeking: to a moment, then forward and back by the offset asked (or the player's step).
    tab.eval("mediaActions.seekto({ action: 'seekto', seekTime: 12 })")
        .await
        .unwrap();
    tab.wait(
        "the seek to 12 s",
        &format!("{AUDIO}.currentTime >= 12 && {AUDIO}.currentTime < 14"),
    )
    .await;
    tab.eval("mediaActions.seekforward({ action: 'seekforward', seekOffset: 10 })")
        .await
        .unwrap();
    tab.wait(
        "10 s further",
        &format!("{AUDIO}.currentTime >= 22 && {AUDIO}.currentTime < 24"),
    )
    .await;
    tab.eval("mediaActions.seekbackward({ action: 'seekbackward' })")
        .await
        .unwrap();
    tab.wait(
        "5 s back",
        &format!("{AUDIO}.currentTime >= 17 && {AUDIO}.currentTime < 20"),
    )
    .await;

    // Some seconds in, previous starts the song again.
    tab.eval("mediaActions.previoustrack({ action: 'previoustrack' })")
        .await
        .unwrap();
    tab.wait(
        "the same song from its start",
        &format!("{AUDIO}.currentTime < 5 && !{AUDIO}.paused"),
    )
    .await;
    tab.see("#player .now-title", "First Light").await;

    // Next, and previous pressed before the next song's audio is in: the press goes back to
    // the song before, as it would once the next song had begun (it is not taken for a restart
    // of the song that was playing).
    tab.eval("mediaActions.seekto({ action: 'seekto', seekTime: 10 })")
        .await
        .unwrap();
    tab.wait("the seek to 10 s", &format!("{AUDIO}.currentTime >= 10"))
        .await;
    tab.eval(
        "mediaActions.nexttrack({ action: 'nexttrack' }); \
         mediaActions.previoustrack({ action: 'previoustrack' })",
    )
    .await
    .unwrap();
    tab.see("#player .now-title", "First Light").await;
    tab.wait(
        "the first song from its start",
        &format!(
            "{AUDIO}.currentTime > 0.2 && {AUDIO}.currentTime < 5 && !{AUDIO}.paused && \
             navigator.mediaSession.metadata.title === 'First Light'"
        ),
    )
    .await;

    // Next plays the queued song; stop pauses it.
    tab.eval("mediaActions.nexttrack({ action: 'nexttrack' })")
        .await
        .unwrap();
    tab.see("#player .now-title", "Second Wind").await;
    tab.wait(
        "the queued song to play",
        &format!(
            "{AUDIO}.currentTime > 0.2 && !{AUDIO}.paused && \
             navigator.mediaSession.metadata.title === 'Second Wind'"
        ),
    )
    .await;
    tab.eval("mediaActions.stop()").await.unwrap();
    tab.wait("a stop", &format!("{AUDIO}.paused")).await;
}
