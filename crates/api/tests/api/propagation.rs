//! Composites follow their sources through the work each edit queues in its own transaction
//! (`medley_store::jobs::queue_dependents`), not through the bus: a burst of edits while a bus
//! subscriber lags behind loses nothing. (A crash between commits is tested with the real
//! binary, in crates/medley/tests/crash.rs.)

use std::collections::BTreeSet;
use std::time::Duration;

use medley_domain::user::User;
use medley_domain::{PlaylistId, TrackId, UserId};
use medley_store::{Backend, ItemsEdit};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;
use crate::on_both_backends;

on_both_backends!(a_burst_of_edits_with_a_lagging_subscriber_reaches_every_composite);

const SOURCES: usize = 200;
const EDITS: usize = 10_000;
const EDITORS: usize = 4;
/// Composites over ten sources each, excluding one more.
const LEAVES: usize = 20;

/// A composite: its playlist, and the playlists it includes and excludes.
struct Composite {
    id: String,
    include: Vec<String>,
    exclude: Vec<String>,
}

async fn a_burst_of_edits_with_a_lagging_subscriber_reaches_every_composite(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (user_id, token) = app.user("ana").await;
    let tracks: Vec<String> = app
        .tracks(&token, 40)
        .await
        .iter()
        .map(|uri| uri.rsplit(':').next().unwrap().to_owned())
        .collect();
    let mut sources = Vec::new();
    for i in 0..SOURCES {
        sources.push(
            app.playlist(&token, json!({"name": format!("source {i}")}))
                .await,
        );
    }
    let mut composites = Vec::new();
    for c in 0..LEAVES {
        let include = sources[c * 10..c * 10 + 10].to_vec();
        let exclude = vec![sources[(c * 10 + 15) % SOURCES].clone()];
        composites.push(compose(&app, &token, include, exclude).await);
    }
    // Composites of composites: their sources change only through the syncs above.
    let middle = compose(
        &app,
        &token,
        vec![composites[0].id.clone(), composites[1].id.clone()],
        vec![],
    )
    .await;
    let top = compose(
        &app,
        &token,
        vec![middle.id.clone(), composites[2].id.clone()],
        vec![composites[3].id.clone()],
    )
    .await;
    composites.extend([middle, top]);

    // A subscriber that reads nothing while the edits land: it falls behind the bus.
    let mut lagging = app.bus.subscribe();
    let user = app
        .store
        .user(&UserId::from(user_id.as_str()))
        .await
        .unwrap()
        .unwrap();
    let editors: Vec<_> = (0..EDITORS)
        .map(|e| {
            let (state, user, sources, tracks) = (
                app.state.app.clone(),
                user.clone(),
                sources.clone(),
                tracks.clone(),
            );
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(e as u64);
                for _ in 0..EDITS / EDITORS {
                    let source = &sources[rng.gen_range(0..sources.len())];
                    edit(&state, &user, source, random_edit(&mut rng, &tracks)).await;
                }
            })
        })
        .collect();
    for editor in editors {
        editor.await.unwrap();
    }
    let (_, missed) = lagging.drain();
    assert!(missed > 0, "the subscriber was meant to lag behind the bus");

    converged(&app, &composites).await;
}

/// One random edit: add one to three tracks at the end, or remove every copy of one track.
fn random_edit(rng: &mut StdRng, tracks: &[String]) -> ItemsEdit {
    let pick = |rng: &mut StdRng| TrackId::from(tracks[rng.gen_range(0..tracks.len())].as_str());
    if rng.gen_bool(0.65) {
        let n = rng.gen_range(1..=3);
        ItemsEdit::Add {
            track_ids: (0..n).map(|_| pick(rng)).collect(),
            position: None,
        }
    } else {
        ItemsEdit::RemoveTracks {
            track_ids: vec![pick(rng)],
        }
    }
}

async fn edit(app: &medley_app::App, user: &User, playlist: &str, edit: ItemsEdit) {
    medley_app::playlists::edit(app, user, &PlaylistId::from(playlist), None, edit)
        .await
        .expect("the edit is accepted");
}

async fn compose(
    app: &TestApp,
    token: &str,
    include: Vec<String>,
    exclude: Vec<String>,
) -> Composite {
    let id = app.playlist(token, json!({"name": "composite"})).await;
    let sources: Vec<_> = include
        .iter()
        .map(|s| json!({"uri": format!("medley:playlist:{s}"), "mode": "include"}))
        .chain(
            exclude
                .iter()
                .map(|s| json!({"uri": format!("medley:playlist:{s}"), "mode": "exclude"})),
        )
        .collect();
    let r = app
        .put(
            &format!("/v1/playlists/{id}/composition"),
            Some(token),
            json!({"sources": sources}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    Composite {
        id,
        include,
        exclude,
    }
}

/// The tracks of a playlist as stored, in order.
async fn items(app: &TestApp, id: &str) -> Vec<String> {
    app.store
        .playlist_items(&PlaylistId::from(id), i64::MAX, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.track_id.into_string())
        .collect()
}

/// How far each composite is from the rule: `None` when every one holds exactly, once each,
/// the tracks some included playlist holds and no excluded one does.
async fn distance(app: &TestApp, composites: &[Composite]) -> Option<String> {
    for c in composites {
        let mut expected = BTreeSet::new();
        for s in &c.include {
            expected.extend(items(app, s).await);
        }
        for s in &c.exclude {
            for t in items(app, s).await {
                expected.remove(&t);
            }
        }
        let held = items(app, &c.id).await;
        let distinct: BTreeSet<String> = held.iter().cloned().collect();
        if distinct.len() != held.len() || distinct != expected {
            return Some(format!(
                "composite {} holds {} items ({} distinct), the rule gives {}",
                c.id,
                held.len(),
                distinct.len(),
                expected.len()
            ));
        }
    }
    None
}

/// Waits until every composite equals the rule: each composite write is announced on the bus,
/// so the check runs again after each, until a deadline.
async fn converged(app: &TestApp, composites: &[Composite]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    let mut writes = app.bus.subscribe();
    loop {
        let Some(gap) = distance(app, composites).await else {
            return;
        };
        if tokio::time::timeout_at(deadline, writes.next())
            .await
            .is_err()
        {
            let queued = app.store.queue_len().await.unwrap();
            panic!("composites did not follow their sources ({queued} jobs queued): {gap}");
        }
    }
}
