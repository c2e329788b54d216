//! The randomized fault test: for many seeds, a composite of two Spotify playlists written to
//! a third lives through interleaved edits in the Spotify app (sources and the target), 5xx,
//! timeouts, dropped connections, short pages, rate limits, an exhausted daily quota, expired
//! access tokens and Medley restarts. After the faults stop and a final sync, the target must
//! equal the rule computed by a small independent model: each track once, no owner edit lost,
//! no tombstone brought back.
//!
//! `MEDLEY_FAULT_SEEDS` sets the number of seeds (200 by default; the bench run uses 10,000);
//! `MEDLEY_FAULT_SEED_FROM` moves the first seed (to run a long series in chunks);
//! `MEDLEY_FAULT_SEED` runs one seed alone.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use medley_api::AppState;
use medley_app::compositions;
use medley_app::spotify::Spotify;
use medley_compose::{Composite, Mode, Options, Source};
use medley_domain::{PlaylistId, UserId};
use medley_spotify_emulator::control::types::{AppSettings, FaultKind, FaultSettings};
use medley_spotify_emulator::{spawn, Config, Control, Running};
use medley_store::{NewPlaylist, NewUser};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;

use crate::harness::{spotify_with, TestApp};
use crate::spotify::held;

/// The seeds to run: `MEDLEY_FAULT_SEED` alone, or `MEDLEY_FAULT_SEEDS` of them (default 200)
/// from `MEDLEY_FAULT_SEED_FROM` (default 0), so a long run can be split into chunks.
fn seeds() -> std::ops::Range<u64> {
    let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    match var("MEDLEY_FAULT_SEED") {
        Some(one) => one..one + 1,
        None => {
            let from = var("MEDLEY_FAULT_SEED_FROM").unwrap_or(0);
            from..from + var("MEDLEY_FAULT_SEEDS").unwrap_or(200)
        }
    }
}

/// Spotify for one seed's app: a patient one (for setting up and the final sync) or an
/// impatient one (timeouts count as faults while they are on).
fn side(emu: &Running, app: &TestApp, client: &str, impatient: bool) -> Arc<Spotify> {
    let policy = medley_spotify::Policy {
        timeout: Duration::from_millis(if impatient { 50 } else { 5_000 }),
        read_attempts: 3,
        backoff: Duration::from_millis(1),
        max_wait: Duration::ZERO,
    };
    spotify_with(
        &emu.api_url(),
        &emu.accounts_url(),
        &app.base,
        client,
        None,
        policy,
    )
}

fn with(app: &TestApp, spotify: &Arc<Spotify>) -> AppState {
    let mut state = app.state.clone();
    Arc::make_mut(&mut state.app).spotify = Some(spotify.clone());
    state
}

/// The model: what the target must hold.
#[derive(Default)]
struct Model {
    s1: Vec<String>,
    s2: Vec<String>,
    direct: BTreeSet<String>,
    suppressed: BTreeSet<String>,
}

impl Model {
    fn expected(&self) -> BTreeSet<String> {
        self.s1
            .iter()
            .chain(&self.s2)
            .chain(&self.direct)
            .filter(|t| !self.suppressed.contains(*t))
            .cloned()
            .collect()
    }
}

/// Faults stop, limits lift, a day passes (Spotify's windows and Medley's recorded pauses run
/// out; tokens expire and are renewed).
async fn calm(control: &Control, app: &TestApp, client: &str) {
    control.clear_faults().await.unwrap();
    control
        .configure_app(
            client,
            &AppSettings {
                rate_limit_per_30s: Some(10_000),
                daily_quota: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    control.advance(24 * 3_600).await.unwrap();
    app.store
        .set_app_pauses(client, 0, 0, medley_app::now_ms())
        .await
        .unwrap();
}

async fn run_seed(app: &TestApp, seed: u64) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let emu = spawn(Config {
        fault_hold: Duration::from_millis(100),
        seed,
        ..Config::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let control = emu.control();
    let who = format!("u{seed}");
    let client = format!("app-{seed}");
    control.user(&who).await.unwrap();
    let pool = control.generate(24, seed).await.unwrap().uris;
    // Sources draw from the first 16 tracks; the owner adds only from the last 8.
    let (source_pool, owner_pool) = pool.split_at(16);
    let s1 = control.playlist(&who, "S1").await.unwrap().id;
    let s2 = control.playlist(&who, "S2").await.unwrap().id;
    let target = control.playlist(&who, "T").await.unwrap().id;
    let mut model = Model::default();
    for uri in source_pool.choose_multiple(&mut rng, 6) {
        model.s1.push(uri.clone());
    }
    for uri in source_pool.choose_multiple(&mut rng, 6) {
        model.s2.push(uri.clone());
    }
    control.add_items(&s1, &model.s1).await.unwrap();
    control.add_items(&s2, &model.s2).await.unwrap();

    // Medley: a user connected to the Spotify account, a composite of S1 and S2 written to T.
    let patient = side(&emu, app, &client, false);
    let state = with(app, &patient);
    let user = app
        .store
        .create_user(NewUser {
            id: UserId::new(),
            username: format!("medley-{seed}"),
            password_hash: "-".into(),
            display_name: None,
            now_ms: 1,
        })
        .await
        .unwrap();
    control.sign_in(&who).await.unwrap();
    let url = patient
        .begin(app.store.as_ref(), &user.id, None)
        .await
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let hop = browser.get(&url).send().await.unwrap();
    assert_eq!(hop.status(), StatusCode::FOUND);
    let back = url::Url::parse(hop.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    patient
        .complete(app.store.as_ref(), &q["state"], &q["code"])
        .await
        .unwrap();
    let mirror = app
        .store
        .create_playlist(NewPlaylist {
            id: PlaylistId::new(),
            owner_id: user.id.clone(),
            name: "C".into(),
            description: None,
            public: false,
            collaborative: false,
            now_ms: 1,
        })
        .await
        .unwrap()
        .id;
    let composite = Composite {
        sources: vec![
            Source {
                uri: format!("spotify:playlist:{s1}"),
                mode: Mode::Include,
            },
            Source {
                uri: format!("spotify:playlist:{s2}"),
                mode: Mode::Include,
            },
        ],
        options: Options {
            target: Some(format!("spotify:playlist:{target}")),
            ..Options::default()
        },
    };
    compositions::configure(&state.app, &user, &mirror, &composite)
        .await
        .map_err(|e| format!("configure: {e}"))?;
    // What T held after the last sync that finished: the owner removes only from it.
    let mut committed: Vec<String> = held(&control, &target).await;
    let mut owner_unused: Vec<String> = owner_pool.to_vec();
    let mut spotify = patient.clone();

    for _ in 0..10 {
        // Edits in the Spotify app: of the sources, and by the owner of the target.
        for _ in 0..rng.gen_range(0..3) {
            if rng.gen_bool(0.7) {
                let (list, id) = if rng.gen_bool(0.5) {
                    (&mut model.s1, &s1)
                } else {
                    (&mut model.s2, &s2)
                };
                if rng.gen_bool(0.5) || list.is_empty() {
                    let uri = source_pool.choose(&mut rng).unwrap().clone();
                    if !list.contains(&uri) {
                        control.add_items(id, &[&uri]).await.unwrap();
                        list.push(uri);
                    }
                } else {
                    let uri = list.remove(rng.gen_range(0..list.len()));
                    control.remove_items(id, &[&uri]).await.unwrap();
                }
            } else {
                let now = held(&control, &target).await;
                let wanted = model.expected();
                let removable: Vec<&String> = committed
                    .iter()
                    .filter(|u| now.contains(u) && wanted.contains(*u))
                    .collect();
                if rng.gen_bool(0.5) && !owner_unused.is_empty() {
                    let uri = owner_unused.pop().unwrap();
                    control.add_items(&target, &[&uri]).await.unwrap();
                    model.direct.insert(uri);
                } else if let Some(uri) = removable.choose(&mut rng) {
                    let uri = (*uri).clone();
                    control.remove_items(&target, &[&uri]).await.unwrap();
                    model.direct.remove(&uri);
                    model.suppressed.insert(uri.clone());
                    committed.retain(|u| u != &uri);
                }
            }
        }
        // Trouble, sometimes several kinds at once.
        let mut faulty = false;
        if rng.gen_bool(0.4) {
            let mut kinds = vec![
                FaultKind::ServerError,
                FaultKind::Drop,
                FaultKind::ShortPage,
            ];
            if rng.gen_bool(0.2) {
                kinds.push(FaultKind::Timeout);
                spotify = side(&emu, app, &client, true);
            }
            control
                .set_faults(&FaultSettings {
                    seed: rng.gen(),
                    probability: rng.gen_range(0.1..0.5),
                    kinds,
                    path_prefix: "/v1".into(),
                })
                .await
                .unwrap();
            faulty = true;
        }
        if rng.gen_bool(0.15) {
            let settings = if rng.gen_bool(0.5) {
                AppSettings {
                    rate_limit_per_30s: Some(rng.gen_range(2..8)),
                    ..Default::default()
                }
            } else {
                let used = control
                    .requests()
                    .await
                    .unwrap()
                    .by_app
                    .get(&client)
                    .copied()
                    .unwrap_or(0);
                AppSettings {
                    daily_quota: Some(Some(used as u32 + rng.gen_range(1..6))),
                    ..Default::default()
                }
            };
            control.configure_app(&client, &settings).await.unwrap();
            faulty = true;
        }
        if rng.gen_bool(0.15) {
            // The access token expires.
            control.advance(3_700).await.unwrap();
        }
        if rng.gen_bool(0.15) {
            // Medley restarts: a new Spotify side, its pauses read back from storage.
            spotify = side(&emu, app, &client, false);
        }
        let st = with(app, &spotify);
        if compositions::sync(&st.app, &mirror).await.is_ok() {
            committed = held(&control, &target).await;
        }
        if faulty && rng.gen_bool(0.7) {
            // The trouble passes: faults stop, limits lift, pauses run out.
            calm(&control, app, &client).await;
            spotify = side(&emu, app, &client, false);
        }
    }

    // The faults stop, time passes (limits and pauses run out), Medley restarts, and syncs.
    calm(&control, app, &client).await;
    let last = with(app, &side(&emu, app, &client, false));
    compositions::sync_with(&last.app, &mirror, |_| {}, true)
        .await
        .map_err(|e| format!("final sync: {e}"))?;
    let again = compositions::sync_with(&last.app, &mirror, |_| {}, true)
        .await
        .map_err(|e| format!("second final sync: {e}"))?;
    let now = held(&control, &target).await;
    let unique: BTreeSet<String> = now.iter().cloned().collect();
    if unique.len() != now.len() {
        return Err(format!("duplicates in the target: {now:?}"));
    }
    if unique != model.expected() {
        let missing: Vec<_> = model.expected().difference(&unique).cloned().collect();
        let extra: Vec<_> = unique.difference(&model.expected()).cloned().collect();
        return Err(format!(
            "target differs from the rule: missing {missing:?}, extra {extra:?} (direct {:?}, suppressed {:?})",
            model.direct, model.suppressed
        ));
    }
    if !again.added.is_empty() || !again.removed.is_empty() {
        return Err(format!("a second sync still changed things: {again:?}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composites_on_spotify_converge_to_the_rule_whatever_the_faults() {
    let app = TestApp::spawn().await;
    let failures: Vec<(u64, String)> = futures::stream::iter(seeds())
        .map(|seed| {
            let app = &app;
            async move { (seed, run_seed(app, seed).await) }
        })
        .buffer_unordered(16)
        .filter_map(|(seed, r)| async move { r.err().map(|e| (seed, e)) })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "{} of {} seeds failed; first: {:?}",
        failures.len(),
        seeds().count(),
        failures.iter().min_by_key(|(s, _)| *s)
    );
}
