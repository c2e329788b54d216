//! The player: real audio plays (the <audio> element's time advances) from signed stream URLs,
//! keeps playing while the listener browses, answers its buttons, the keyboard (not while they
//! type) and the Media Session API, and reports each play once.

use std::time::{Duration, Instant};

use medley_audio::testing::{wav, Written};
use medley_store::Backend;
use reqwest::StatusCode;

use super::{chromium, looks_right, open_signed_in};
use crate::audio_harness::AudioApp;
use crate::cdp::{Browser, DEADLINE};

const AUDIO: &str = "document.querySelector('#audio')";

/// Uploads the album "Dawn" by Aurora Band as the admin: its songs (title, length in ms, tone
/// in Hz) numbered in order, each a real WAV file.
pub(super) async fn upload_dawn<const N: usize>(a: &AudioApp, songs: [(&str, u32, f64); N]) {
    for (n, (title, ms, freq)) in (1..).zip(songs) {
        let tags = Written {
            track: Some(n),
            ..Written::song(title, "Aurora Band", "Dawn")
        };
        let r = a
            .upload_audio(
                Some(&a.admin),
                &format!("{title}.wav"),
                wav(ms, freq, &tags),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
}

/// The names of the admin's recently played tracks, latest first, once there are `n`.
async fn plays(a: &AudioApp, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let r = a
            .get("/v1/me/player/recently-played?limit=50", Some(&a.admin))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let names: Vec<String> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["track"]["name"].as_str().unwrap().to_owned())
            .collect();
        if names.len() >= n {
            return names;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "waited for {n} plays, saw {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn music_plays_on_while_the_listener_browses_and_each_play_is_reported_once() {
    let Some(chromium) = chromium() else { return };
    let a = AudioApp::spawn(Backend::Sqlite).await.unwrap();
    // One album with real audio: a song long enough to browse while it plays, and a short one
    // that plays to its end.
    upload_dawn(
        &a,
        [
            ("First Light", 40_000, 440.0),
            ("Second Wind", 3_000, 330.0),
        ],
    )
    .await;

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = open_signed_in(&browser, &a.base, "admin", "/").await;
    tab.see("h1", "Search").await;
    tab.type_into("#q", "dawn").await;
    tab.click("#results .chips a[href^='/albums/']").await;
    tab.see("h1", "Dawn").await;

    // Play the album from its first song: the audio really plays.
    tab.click("button[aria-label='Play First Light']").await;
    tab.wait(
        "the audio to play",
        &format!("{AUDIO}.currentTime > 1 && !{AUDIO}.paused"),
    )
    .await;
    tab.see("#player", "First Light").await;
    tab.see("#player", "Aurora Band").await;
    let metadata = tab
        .eval(
            "(({title, artist, album}) => [title, artist, album])(navigator.mediaSession.metadata)",
        )
        .await
        .unwrap();
    assert_eq!(
        metadata,
        serde_json::json!(["First Light", "Aurora Band", "Dawn"])
    );
    assert_eq!(
        tab.eval("navigator.mediaSession.playbackState")
            .await
            .unwrap(),
        "playing"
    );
    looks_right(&tab, "player").await;

    // Browsing does not stop it: the same element plays on, its time still advancing.
    let at = tab
        .eval(&format!("window.playing = {AUDIO}; {AUDIO}.currentTime"))
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    tab.click("nav a[href='/playlists']").await;
    tab.see("h1", "Playlists").await;
    tab.wait(
        "the same audio to play on",
        &format!(
            "{AUDIO} === window.playing && !{AUDIO}.paused && {AUDIO}.currentTime > {at} + 0.5"
        ),
    )
    .await;

    // Space pauses and plays again; typing a space in a field does not.
    tab.eval("document.querySelector('h1').focus()")
        .await
        .unwrap();
    tab.press(" ", false).await;
    tab.wait("a pause", &format!("{AUDIO}.paused")).await;
    tab.wait(
        "the button to say play",
        "document.querySelector('#player .controls button:nth-child(2)').getAttribute('aria-label') === 'Play'",
    )
    .await;
    tab.press(" ", false).await;
    tab.wait("playing again", &format!("!{AUDIO}.paused")).await;
    tab.click("#new-name").await;
    tab.press(" ", false).await;
    tab.wait(
        "the space typed",
        "document.querySelector('#new-name').value === ' '",
    )
    .await;
    assert_eq!(
        tab.eval(&format!("{AUDIO}.paused")).await.unwrap(),
        false,
        "typing does not pause"
    );

    // Arrows: right seeks ahead five seconds, down turns the volume down.
    tab.eval("document.querySelector('h1').focus()")
        .await
        .unwrap();
    let at = tab
        .eval(&format!("{AUDIO}.currentTime"))
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    tab.press("ArrowRight", false).await;
    tab.wait(
        "a seek ahead",
        &format!("{AUDIO}.currentTime >= {at} + 4.5"),
    )
    .await;
    tab.press("ArrowDown", false).await;
    tab.wait(
        "the volume lower",
        &format!("Math.abs({AUDIO}.volume - 0.9) < 0.01 && document.querySelector('#volume').value === '90'"),
    )
    .await;

    // Seek with the mouse on the position slider: three quarters in.
    tab.click_at("#seek", 0.75).await;
    tab.wait(
        "the seek",
        &format!("{AUDIO}.currentTime > 26 && {AUDIO}.currentTime < 35 && !{AUDIO}.paused"),
    )
    .await;

    // Next: the second song plays; the first is reported, once, as soon as it is left.
    tab.click("#player button[aria-label='Next']").await;
    tab.see("#player .now-title", "Second Wind").await;
    tab.wait(
        "the second song to play",
        &format!("{AUDIO}.currentTime > 0.5 && !{AUDIO}.paused"),
    )
    .await;
    assert_eq!(plays(&a, 1).await, ["First Light"]);
    // It plays to its end and is reported too.
    tab.wait("the end", &format!("{AUDIO}.ended")).await;
    assert_eq!(plays(&a, 2).await, ["Second Wind", "First Light"]);

    // The queue: both songs; back to the first from it, then on to the next again.
    tab.click("#player button[aria-controls=queue]").await;
    tab.see("#queue", "Second Wind").await;
    looks_right(&tab, "queue").await;
    tab.click("#queue li:first-child button").await;
    tab.see("#player .now-title", "First Light").await;
    tab.wait(
        "the first song again",
        &format!("{AUDIO}.currentTime > 1.5 && !{AUDIO}.paused"),
    )
    .await;
    tab.click("#player button[aria-label='Next']").await;
    tab.see("#player .now-title", "Second Wind").await;
    let names: Vec<String> = plays(&a, 3).await;
    assert_eq!(names, ["First Light", "Second Wind", "First Light"]);

    // Signing out stops the player and reports what was heard; nothing is reported twice.
    // Well over the player's one second, as it counts what was heard from `timeupdate`s
    // (fewer of them on a loaded machine), and still before the 3 s song ends.
    tab.wait("a second heard", &format!("{AUDIO}.currentTime > 1.8"))
        .await;
    tab.click("nav button").await;
    tab.see("h1", "Sign in").await;
    tab.wait(
        "the player gone",
        &format!("document.querySelector('#player').hidden && {AUDIO}.paused"),
    )
    .await;
    let names = plays(&a, 4).await;
    assert_eq!(
        names,
        ["Second Wind", "First Light", "Second Wind", "First Light"]
    );
}
