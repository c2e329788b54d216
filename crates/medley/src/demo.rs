//! `serve --demo`: the Chinook catalog, demo users and playlists, and a year of listening
//! history for each user, created once. Passwords are random and printed when the users are
//! created. The tracks get audio in the background once the server listens: a short clip
//! synthesised per track (`medley_demo::clips`, about 24 KB each, 80 MB for the 3,503), so
//! that the first tracks play within a second and the server starts at once.

use std::sync::Arc;

use anyhow::{anyhow, Context};
use medley_app::playlists::{self, NewDetails};
use medley_app::{accounts, imports, library, App};
use medley_demo::clips::ClipTags;
use medley_domain::catalog::NewTrack;
use medley_domain::{PlaylistId, TrackId, UserId};
use medley_history::synth::{write_extended, SynthConfig, SynthTrack};
use medley_imports::Entry;
use medley_store::ItemsEdit;
use rand::distributions::{Alphanumeric, DistString};

pub async fn fill(state: &App) -> anyhow::Result<()> {
    let store = state.store.as_ref();
    let now = medley_app::now_ms();
    let tracks = medley_demo::chinook();
    let track_ids: Vec<TrackId> = if store.track_count().await? == 0 {
        let ids = store.upsert_tracks(&tracks, now).await?;
        println!("Demo catalog: {} tracks added.", ids.len());
        ids
    } else {
        println!("Demo: the catalog already has tracks; leaving it as it is.");
        return Ok(());
    };
    let mut users = std::collections::HashMap::new();
    for u in medley_demo::users() {
        let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 16);
        let user = accounts::create_user(store, &state.bus, u.username, &password)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        println!("Demo user: {} / password: {password}", u.username);
        users.insert(u.username, user);
    }
    for p in medley_demo::playlists() {
        let owner = users
            .get(p.owner)
            .ok_or_else(|| anyhow!("demo playlist owner {} missing", p.owner))?;
        let details = NewDetails {
            name: p.name.to_owned(),
            description: Some(p.description.clone()),
            public: Some(p.public),
            collaborative: Some(false),
        };
        let details = details.check().map_err(|e| anyhow!("{e}"))?;
        let playlist = playlists::create(state, owner, &PlaylistId::new(), details)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let ids: Vec<TrackId> = p.tracks.iter().map(|&i| track_ids[i].clone()).collect();
        let edit = ItemsEdit::Add {
            track_ids: ids,
            position: None,
        };
        playlists::edit(state, owner, &playlist.id, None, edit)
            .await
            .map_err(|e| anyhow!("{e}"))?;
    }
    println!("Demo playlists created.");
    for (seed, u) in medley_demo::users().iter().enumerate() {
        let (username, user_id) = (u.username, &users[u.username].id);
        let added = history(state, user_id, &tracks, seed as u64, now).await?;
        println!("Demo listening history: {added} plays over the last year for {username}.");
    }
    let app = state.clone();
    tokio::spawn(async move {
        match clips(&app, &track_ids, &tracks).await {
            Ok(n) => println!("Demo audio: {n} tracks have a generated clip to play."),
            Err(e) => tracing::error!("the demo's audio clips were not all made: {e:#}"),
        }
    });
    Ok(())
}

/// Gives every demo track its clip (see `medley_demo::clips`), playlists' tracks first.
async fn clips(app: &App, track_ids: &[TrackId], tracks: &[NewTrack]) -> anyhow::Result<u64> {
    let mut order: Vec<usize> = medley_demo::playlists()
        .iter()
        .flat_map(|p| p.tracks.iter().copied())
        .collect();
    order.extend(0..track_ids.len());
    let mut seen = std::collections::HashSet::new();
    order.retain(|i| *i < track_ids.len() && seen.insert(*i));
    let ids: Vec<TrackId> = order.iter().map(|&i| track_ids[i].clone()).collect();
    let made = library::generated::attach(app, &ids, |k| {
        let n = order[k];
        let t = &tracks[n];
        let tags = ClipTags {
            title: &t.name,
            artist: t.artists.first().map_or("", String::as_str),
            album: t.album.as_deref().unwrap_or(""),
        };
        library::generated::Clip {
            track_id: track_ids[n].clone(),
            name: format!("demo-{:04}.wav", n + 1),
            bytes: medley_demo::clips::clip(n as u64, tags),
        }
    })
    .await
    .map_err(|e| anyhow!("{e}"))?;
    Ok(made)
}

/// A year of listening over the demo catalog up to `now`, from the project's export generator
/// (about two hours a day, favourites and a long tail, skips), imported as an export is.
async fn history(
    app: &App,
    user_id: &UserId,
    tracks: &[NewTrack],
    seed: u64,
    now: i64,
) -> anyhow::Result<u64> {
    const YEAR_MS: i64 = 365 * 86_400_000;
    let catalog = tracks
        .iter()
        .map(|t| SynthTrack {
            artist: t.artists.first().cloned().unwrap_or_default(),
            album: t.album.clone().unwrap_or_default(),
            title: t.name.clone(),
            duration_ms: t.duration_ms.max(1) as u64,
        })
        .collect();
    let config = SynthConfig {
        seed: 2026 + seed,
        rows: u64::MAX,
        start_ms: now - YEAR_MS,
        end_ms: Some(now - 3_600_000),
        max_gap_ms: 20 * 3_600_000,
        catalog,
        ..SynthConfig::default()
    };
    let dir = tempfile::tempdir().context("a folder for the generated export")?;
    let path = dir.path().join("Streaming_History_Audio_demo.json");
    let file = std::fs::File::create(&path).context("writing the generated export")?;
    write_extended(&config, std::io::BufWriter::new(file)).context("generating the export")?;
    let entry = Entry::File {
        size: std::fs::metadata(&path)?.len(),
        name: "Streaming_History_Audio_demo.json".into(),
        path,
    };
    let finished =
        imports::import_now(app, user_id, "demo history", vec![entry], Arc::default()).await?;
    if let Some(error) = finished.error {
        return Err(anyhow!("importing the demo history failed: {error}"));
    }
    Ok(finished.report.totals.added)
}
