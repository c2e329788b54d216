//! What syncing with Spotify costs in requests, measured against the emulator: Medley's way
//! (one sweep of `GET /me/playlists` finds changed snapshots; only changed playlists are read;
//! writes carry 100 items) beside the approach of the (re)Discover Weekly seed (every run reads
//! its source and its target in full), in the same run, on the same world.
//!
//! The world: P playlists of N tracks on Spotify, half of them sources and half targets, with
//! P/2 composites (source → Spotify target) kept in sync. Each cycle one in a hundred
//! playlists changes (a source gains 5 tracks).
//!
//! `cargo run --release -p medley-api --example spotify_requests [-- P N CYCLES]`

use std::sync::Arc;
use std::time::Duration;

use medley_api::{ApiConfig, AppState};
use medley_app::now_ms;
use medley_app::sealing::Sealer;
use medley_app::spotify::{watch, Spotify, SpotifyConfig};
use medley_app::{compositions, worker};
use medley_compose::{Composite, Mode, Options, Source};
use medley_events::Bus;
use medley_search::SearchIndex;
use medley_spotify_emulator::{spawn, Config, Control};
use medley_store::testing::TestDb;
use medley_store::{NewPlaylist, NewUser, Store};

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

async fn count(control: &Control) -> anyhow::Result<u64> {
    Ok(control.requests().await?.total)
}

/// Runs queued work until none is left.
async fn drain(state: &AppState) -> anyhow::Result<()> {
    while worker::work_once(&state.app, now_ms(), &Default::default())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        > 0
    {}
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let playlists = arg(1, 100);
    let size = arg(2, 500);
    let cycles = arg(3, 5);
    let pairs = playlists / 2;

    let emu = spawn(Config {
        rate_limit_per_30s: u32::MAX,
        ..Config::default()
    })
    .await?;
    let control = emu.control();
    control.user("alice").await?;
    let pool = control
        .generate(size + pairs * 5 * (cycles + 1) + 10, 1)
        .await?
        .uris;
    let mut fresh_tracks = pool[size..].iter().cloned();
    let mut sources = Vec::new();
    let mut targets = Vec::new();
    for i in 0..pairs {
        let s = control.playlist("alice", &format!("Source {i}")).await?.id;
        for chunk in pool[..size].chunks(100) {
            control.add_items(&s, chunk).await?;
        }
        sources.push(s);
        targets.push(control.playlist("alice", &format!("Target {i}")).await?.id);
    }

    // Medley, on SQLite, connected to Alice's account.
    let db = TestDb::sqlite();
    let store: Arc<dyn Store> = Arc::new(db.connect().await?);
    let mut state = AppState::new(
        store.clone(),
        Bus::new(),
        Arc::new(SearchIndex::in_memory()?),
        ApiConfig::default(),
    );
    let spotify = Arc::new(
        Spotify::new(
            SpotifyConfig {
                app: medley_spotify::App {
                    client_id: "medley-bench".into(),
                    client_secret: None,
                    api_url: emu.api_url(),
                    accounts_url: emu.accounts_url(),
                },
                redirect_uri: "http://127.0.0.1:9/v1/connections/spotify/callback".into(),
                daily_budget: None,
                policy: medley_spotify::Policy::default(),
                poll_interval: Duration::from_secs(3_600),
                plays_interval: Duration::from_secs(3_600),
            },
            Arc::new(Sealer::random().0),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    Arc::make_mut(&mut state.app).spotify = Some(spotify.clone());
    let user = store
        .create_user(NewUser {
            id: medley_domain::UserId::new(),
            username: "bench".into(),
            password_hash: "-".into(),
            display_name: None,
            now_ms: 1,
        })
        .await?;
    let url = spotify
        .begin(store.as_ref(), &user.id, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let back = browser.get(&url).send().await?;
    let back = url::Url::parse(back.headers()["location"].to_str()?)?;
    let q: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    let connection = spotify
        .complete(store.as_ref(), &q["state"], &q["code"])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for (s, t) in sources.iter().zip(&targets) {
        let mirror = store
            .create_playlist(NewPlaylist {
                id: medley_domain::PlaylistId::new(),
                owner_id: user.id.clone(),
                name: format!("Copy of {s}"),
                description: None,
                public: false,
                collaborative: false,
                now_ms: 1,
            })
            .await?
            .id;
        let composite = Composite {
            sources: vec![Source {
                uri: format!("spotify:playlist:{s}"),
                mode: Mode::Include,
            }],
            options: Options {
                target: Some(format!("spotify:playlist:{t}")),
                ..Options::default()
            },
        };
        compositions::configure(&state.app, &user, &mirror, &composite)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    // The first sweep learns every snapshot and has each composite read its source again.
    watch::watch(&state.app, &connection.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    drain(&state).await?;

    let sweep = playlists.div_ceil(50) as u64;
    let read = (size + 5).div_ceil(50) as u64;
    println!("world: {playlists} playlists of {size} tracks, {pairs} composites, {cycles} cycles; one playlist in a hundred changes per cycle (+5 tracks)\n");
    println!(
        "{:>6} {:>16} {:>16} {:>16} {:>10}",
        "cycle", "medley unchanged", "medley changed", "read-everything", "ratio"
    );
    let mut medley_total = 0;
    let mut naive_total = 0;
    for cycle in 0..cycles {
        // An unchanged world: one sweep.
        let before = count(&control).await?;
        let seen = watch::watch(&state.app, &connection.id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        drain(&state).await?;
        let unchanged = count(&control).await? - before;
        assert!(seen.changed.is_empty());
        assert_eq!(unchanged, sweep, "an unchanged world costs ceil(P/50)");

        // One playlist in a hundred changes: sources gain 5 tracks each.
        let changing = (playlists / 100).max(1);
        for s in sources.iter().cycle().skip(cycle).take(changing) {
            let new: Vec<String> = fresh_tracks.by_ref().take(5).collect();
            control.add_items(s, &new).await?;
        }
        let before = count(&control).await?;
        watch::watch(&state.app, &connection.id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        drain(&state).await?;
        let changed = count(&control).await? - before;
        // Per changed source: its pages, the target's snapshot check, one write of 5.
        let expected = sweep + changing as u64 * (read + 1 + 1);
        assert_eq!(changed, expected, "what a changed source costs");

        // The seed's approach over the same change: read every source and target in full,
        // write what is missing.
        let connection = store
            .connection(&connection.id)
            .await?
            .expect("the connection");
        let session = spotify
            .session(&state.app.store, &connection)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let new: Vec<String> = fresh_tracks.by_ref().take(5).collect();
        control.add_items(&sources[cycle % pairs], &new).await?;
        let before = count(&control).await?;
        for (s, t) in sources.iter().zip(&targets) {
            let source = session.playlist_items(s).await?;
            let target = session.playlist_items(t).await?;
            let have: std::collections::HashSet<&str> = target.uris().collect();
            let missing: Vec<String> = source
                .uris()
                .filter(|u| !have.contains(u))
                .map(str::to_owned)
                .collect();
            if !missing.is_empty() {
                session.add_items(t, &missing, None).await?;
            }
        }
        let naive = count(&control).await? - before;
        // Medley's share of the naive pass's change, so the two worlds stay alike.
        watch::watch(&state.app, &connection.id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        drain(&state).await?;
        medley_total += changed;
        naive_total += naive;
        println!(
            "{:>6} {:>16} {:>16} {:>16} {:>9.1}x",
            cycle + 1,
            unchanged,
            changed,
            naive,
            naive as f64 / changed as f64
        );
    }
    println!(
        "\ntotal over {cycles} changing cycles: medley {medley_total}, read-everything {naive_total}: {:.1}x fewer requests",
        naive_total as f64 / medley_total as f64
    );
    println!(
        "expected per changing cycle: ceil(P/50) = {sweep} + per changed source ceil((N+5)/50) = {read} + 1 snapshot check + ceil(5/100) = 1 write"
    );
    Ok(())
}
