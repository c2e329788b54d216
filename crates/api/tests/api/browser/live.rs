//! A live show in two browsers: the host creates it and goes live from the shows page, a
//! listener finds it and joins; each sees the other's comments; a raised hand is accepted;
//! slow mode holds the speaker back with a countdown; a dropped network heals by itself
//! without the host seeing the listener leave; the host ends the show and the listener's
//! room says so. And two listeners hear a show's song within 250 ms of each other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use medley_audio::testing::Written;
use medley_store::Backend;

use super::{chromium, looks_right, open_signed_in};
use crate::audio_harness::AudioApp;
use crate::cdp::{Browser, Tab};
use crate::harness::TestApp;
use crate::shows::client::{live_show_playing, Client};

/// A TCP forwarder in front of the server whose connections can be cut, and new ones refused,
/// at will: a network outage, as far as the browser behind it can tell.
struct Flaky {
    base: String,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    down: Arc<AtomicBool>,
}

impl Flaky {
    async fn before(app: &TestApp) -> Flaky {
        let server = app.base.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let down: Arc<AtomicBool> = Arc::default();
        let (held, refusing) = (connections.clone(), down.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if refusing.load(Ordering::SeqCst) {
                    continue; // dropped: the browser sees the connection fail
                }
                let server = server.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&server).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().unwrap().push(task.abort_handle());
            }
        });
        Flaky {
            base,
            connections,
            down,
        }
    }

    /// The network goes: every connection through here is cut and new ones fail.
    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_and_a_listener_meet_in_a_live_show() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    app.user("ben").await;
    app.playlist(&ana, json!({"name": "Friday set"})).await;
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (host_browser, guest_browser) = (
        Browser::launch(&chromium, one.path()).await,
        Browser::launch(&chromium, two.path()).await,
    );

    // The host schedules nothing: she creates the show and goes live at once.
    let host = open_signed_in(&host_browser, &app.base, "ana", "/shows").await;
    host.see("#live-now + p", "Nobody is live right now").await;
    looks_right(&host, "shows").await;
    host.type_into("#show-title", "Friday night").await;
    host.choose("#show-playlist", "Friday set").await;
    host.click("#show-now").await;
    host.click("form button[type=submit]").await;
    host.see("h1", "Friday night").await;
    host.see("#live-status", "Connected").await;

    // The listener, on a flaky network, finds it among the live shows and joins.
    let network = Flaky::before(&app).await;
    let guest = open_signed_in(&guest_browser, &network.base, "ben", "/shows").await;
    guest.see("ul", "Friday night").await;
    guest.click("a[href^='/shows/']").await;
    guest.see("#live-status", "Connected").await;
    guest.see("#people [data-role=creator]", "ana").await;
    host.see("#people [data-role=listener]", "ben").await;
    host.see("#audience", "2 here").await;

    // Comments both ways.
    guest.type_into("#comment-text", "hello from ben").await;
    guest.press_enter_on("#comment-text").await;
    host.see("#comments", "hello from ben").await;
    host.type_into("#comment-text", "welcome, ben").await;
    host.click("#comment-form button[type=submit]").await;
    guest.see("#comments", "welcome, ben").await;
    looks_right(&guest, "show-room-listener").await;

    // A hand, raised and accepted: the listener becomes a speaker.
    guest.click("#hand").await;
    host.see("#hands", "ben").await;
    looks_right(&host, "show-room-host").await;
    host.click("button[aria-label='Accept ben']").await;
    guest.see("#people [data-role=speaker]", "ben (you)").await;
    guest.see("#my-actions", "Step down to listener").await;

    // Slow mode: once the host sets it, the speaker's next comment is held back, and the
    // page says for how long.
    guest.type_into("#comment-text", "before slow mode").await;
    guest.click("#comment-form button[type=submit]").await;
    host.see("#comments", "before slow mode").await;
    host.choose("#slow-mode", "Slow mode: 30 s").await;
    guest.see("#slow-note", "one comment every 30 s").await;
    guest.type_into("#comment-text", "too soon").await;
    guest.press_enter_on("#comment-text").await;
    guest.see("#slow-note", "you can comment again in").await;
    guest
        .wait(
            "the send button held back",
            "document.querySelector('#comment-form button[type=submit]').disabled",
        )
        .await;

    // The network drops and comes back: the room heals by itself, the host never sees the
    // listener leave, and what was said meanwhile arrives.
    network.cut();
    guest.see("#live-status", "Reconnecting").await;
    host.type_into("#comment-text", "said while ben was away")
        .await;
    host.click("#comment-form button[type=submit]").await;
    network.restore();
    guest.see("#live-status", "Reconnected").await;
    guest.see("#comments", "said while ben was away").await;
    host.see("#people [data-role=speaker]", "ben").await;

    // The host ends it; the listener's room says so and offers what was said.
    host.click("#end-show").await;
    host.click("#end-show-yes").await;
    guest.see("#live-status", "The show has ended").await;
    guest.click("#my-actions a").await;
    guest.see("#ended-comments", "hello from ben").await;
    looks_right(&guest, "show-ended").await;
}

/// Where each tab's show audio is, as a position at one shared instant: `currentTime` minus the
/// tab's own clock (both browsers run on this machine, so they share the wall clock).
async fn position_at_a_shared_instant(tab: &Tab<'_>) -> f64 {
    tab.eval("(() => { const a = document.querySelector('#show-audio'); return a.currentTime * 1000 - Date.now(); })()")
        .await
        .unwrap()
        .as_f64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_listeners_hear_the_show_in_sync() {
    let Some(chromium) = chromium() else { return };
    let Some(a) = AudioApp::spawn(Backend::Sqlite).await else {
        return;
    };
    a.put_wav(
        "Tone.wav",
        60_000,
        330.0,
        &Written::song("Tone", "Oscillators", "Live"),
    );
    let report = a.scan_music().await;
    assert_eq!(report["failed"], 0, "{report}");
    let track = format!(
        "medley:track:{}",
        a.track_named("Tone").await["id"].as_str().unwrap()
    );
    let show = live_show_playing(
        &a,
        &a.admin,
        "In sync",
        json!({"name": "Set", "public": false}),
        &[track],
    )
    .await;
    a.user("ana").await;
    a.user("ben").await;
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (
        Browser::launch(&chromium, one.path()).await,
        Browser::launch(&chromium, two.path()).await,
    );
    let room = format!("/shows/{show}");
    let ana = open_signed_in(&first, &a.base, "ana", &room).await;
    let ben = open_signed_in(&second, &a.base, "ben", &room).await;
    ana.see("#live-status", "Connected").await;
    ben.see("#live-status", "Connected").await;

    // The host starts the song; both rooms play it, from the same moment.
    let (mut host, _) = Client::join(&a, &show, &a.admin).await;
    host.ok("playback.play", json!({})).await;
    for tab in [&ana, &ben] {
        tab.see("#now-playing", "Playing: Tone").await;
        tab.wait(
            "the show's audio playing",
            "(() => { const a = document.querySelector('#show-audio'); return !a.paused && a.currentTime > 1.5; })()",
        )
        .await;
    }
    // Sampled a few times while it plays: the two positions never differ by 250 ms or more.
    for _ in 0..5 {
        let (x, y) = (
            position_at_a_shared_instant(&ana).await,
            position_at_a_shared_instant(&ben).await,
        );
        assert!(
            (x - y).abs() < 250.0,
            "the two listeners are {} ms apart",
            (x - y).abs()
        );
        let now = ana
            .eval("document.querySelector('#show-audio').currentTime")
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        ana.wait(
            "the song to play on a little",
            &format!(
                "document.querySelector('#show-audio').currentTime > {}",
                now + 0.3
            ),
        )
        .await;
    }
    looks_right(&ben, "show-room-playing").await;
}
