//! The client against the emulator on a real socket: paging and short pages, the rate limit
//! and the gate, writes sent once, and token renewal with rotation.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use medley_spotify::{
    Api, App, Gate, Keeper, Meter, OAuth, Policy, Session, SinkError, SpotifyError, TokenSink,
    Tokens,
};
use medley_spotify_emulator::control::types::{AppSettings, FaultKind, ScriptedFault};
use medley_spotify_emulator::{spawn, Config, Running};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Keeps the tokens the keeper stores (`.0`), or, while `.1` is set, fails as a full disk.
#[derive(Default)]
struct Kept(Mutex<Vec<Tokens>>, std::sync::atomic::AtomicBool);

#[async_trait]
impl TokenSink for Kept {
    async fn store(&self, tokens: &Tokens) -> Result<(), SinkError> {
        if self.1.load(std::sync::atomic::Ordering::SeqCst) {
            let full = std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
            return Err(SinkError::new(full));
        }
        self.0.lock().unwrap().push(tokens.clone());
        Ok(())
    }
}

struct Setup {
    emu: Running,
    session: Session,
    kept: Arc<Kept>,
    gate: Arc<Gate>,
    meter: Arc<Meter>,
}

async fn setup(client: &str) -> Setup {
    let emu = spawn(Config::default()).await.unwrap();
    let control = emu.control();
    control.user("alice").await.unwrap();
    let grant = control
        .mint_token(
            "alice",
            client,
            &["playlist-read-private", "playlist-modify-private"],
        )
        .await
        .unwrap();
    let app = App {
        client_id: client.into(),
        client_secret: None,
        api_url: emu.api_url(),
        accounts_url: emu.accounts_url(),
    };
    let tokens = Tokens {
        access_token: grant.access_token,
        refresh_token: grant.refresh_token,
        expires_at_ms: now_ms() + 3_600_000,
        scopes: vec![],
    };
    let kept = Arc::new(Kept::default());
    let policy = Policy {
        timeout: Duration::from_secs(2),
        read_attempts: 3,
        backoff: Duration::from_millis(1),
        max_wait: Duration::ZERO,
    };
    let keeper = Keeper::new(OAuth::new(&app).unwrap(), tokens, kept.clone(), now_ms);
    let gate = Arc::new(Gate::default());
    let meter = Arc::new(Meter::default());
    let session = Session::new(
        Api::new(&app.api_url, policy, now_ms).unwrap(),
        Arc::new(keeper),
        gate.clone(),
        meter.clone(),
        None,
    );
    Setup {
        emu,
        session,
        kept,
        gate,
        meter,
    }
}

#[tokio::test]
async fn reads_every_page_and_never_takes_a_short_page_for_the_end() {
    let s = setup("c1").await;
    let control = s.emu.control();
    let tracks = control.generate(120, 1).await.unwrap().uris;
    let p = control.playlist("alice", "P").await.unwrap().id;
    control.add_items(&p, &tracks[..100]).await.unwrap();
    control.add_items(&p, &tracks[100..]).await.unwrap();

    let read = s.session.playlist_items(&p).await.unwrap();
    assert_eq!(
        read.uris().collect::<Vec<_>>(),
        tracks.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(s.meter.total(), 3, "ceil(120/50) requests");

    // One short page: read again, the result complete.
    let short = |count| ScriptedFault {
        path_prefix: format!("/v1/playlists/{p}/items"),
        kind: FaultKind::ShortPage,
        count,
        status: None,
    };
    control.next_faults(&short(1)).await.unwrap();
    assert_eq!(s.session.playlist_items(&p).await.unwrap().items.len(), 120);
    // Short pages every time: an error, never a shorter list.
    control.next_faults(&short(10)).await.unwrap();
    let err = s.session.playlist_items(&p).await.unwrap_err();
    assert!(matches!(err, SpotifyError::Incomplete(_)), "{err:?}");
}

#[tokio::test]
async fn a_rate_limited_app_stops_sending_until_retry_after() {
    let s = setup("c2").await;
    let control = s.emu.control();
    control
        .configure_app(
            "c2",
            &AppSettings {
                rate_limit_per_30s: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.session.me().await.unwrap();
    s.session.me().await.unwrap();
    let err = s.session.me().await.unwrap_err();
    let SpotifyError::RateLimited { retry_after } = err else {
        panic!("{err:?}");
    };
    assert!(retry_after > Duration::ZERO);
    assert!(s.gate.state().rate_until_ms > now_ms());
    // The gate holds further requests without sending them.
    let sent = control.requests().await.unwrap().total;
    assert!(matches!(
        s.session.me().await,
        Err(SpotifyError::RateLimited { .. })
    ));
    assert_eq!(control.requests().await.unwrap().total, sent);
}

#[tokio::test]
async fn writes_are_sent_once_and_expired_tokens_renewed() {
    let s = setup("c3").await;
    let control = s.emu.control();
    let tracks = control.generate(3, 2).await.unwrap().uris;
    let p = control.playlist("alice", "P").await.unwrap().id;
    control
        .next_faults(&ScriptedFault {
            path_prefix: format!("/v1/playlists/{p}/items"),
            kind: FaultKind::ServerError,
            count: 1,
            status: Some(502),
        })
        .await
        .unwrap();
    let err = s.session.add_items(&p, &tracks, None).await.unwrap_err();
    assert_eq!(err, SpotifyError::Server { status: 502 });
    assert_eq!(s.meter.total(), 1, "a failed write is not sent again");
    assert!(control.get_playlist(&p).await.unwrap().items.is_empty());

    // An hour later the access token is refused: renewed once, the rotated pair stored, and
    // the request goes through.
    control.advance(3_700).await.unwrap();
    assert_eq!(s.session.me().await.unwrap().id, "alice");
    let kept = s.kept.0.lock().unwrap().clone();
    assert_eq!(kept.len(), 1);
    assert!(s.session.me().await.is_ok());
    assert_eq!(s.kept.0.lock().unwrap().len(), 1, "renewed once");
}

#[tokio::test]
async fn renewed_tokens_that_cannot_be_kept_are_not_used_and_the_cause_is_kept() {
    let s = setup("c4").await;
    s.emu.control().advance(3_700).await.unwrap();
    s.kept.1.store(true, std::sync::atomic::Ordering::SeqCst);
    let err = s.session.me().await.unwrap_err();
    let SpotifyError::TokensNotKept(cause) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(err.to_string(), "could not store the renewed tokens");
    assert_eq!(cause.to_string(), "disk full");
    assert!(!err.is_transient());
    assert!(s.kept.0.lock().unwrap().is_empty());
}
