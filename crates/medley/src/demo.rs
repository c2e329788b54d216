//! `serve --demo`: the Chinook catalog, demo users and playlists, and a year of listening
//! history for each user, created once. Passwords are random and printed when the users are
//! created.

use std::sync::Arc;

use anyhow::{anyhow, Context};
use medley_app::{accounts, imports, App};
use medley_domain::catalog::NewTrack;
use medley_domain::new_id;
use medley_history::synth::{write_extended, SynthConfig, SynthTrack};
use medley_imports::Entry;
use medley_store::{ItemsEdit, NewPlaylist};
use rand::distributions::{Alphanumeric, DistString};

pub async fn fill(state: &App) -> anyhow::Result<()> {
    let store = state.store.as_ref();
    let now = medley_app::now_ms();
    let tracks = medley_demo::chinook();
    let track_ids = if store.track_count().await? == 0 {
        let ids = store.upsert_tracks(&tracks, now).await?;
        println!("Demo catalog: {} tracks added.", ids.len());
        ids
    } else {
        println!("Demo: the catalog already has tracks; leaving it as it is.");
        return Ok(());
    };
    let mut user_ids = std::collections::HashMap::new();
    for u in medley_demo::users() {
        let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 16);
        let user = accounts::create_user(store, &state.bus, u.username, &password)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        println!("Demo user: {} / password: {password}", u.username);
        user_ids.insert(u.username, user.id);
    }
    for p in medley_demo::playlists() {
        let owner = user_ids
            .get(p.owner)
            .ok_or_else(|| anyhow!("demo playlist owner {} missing", p.owner))?;
        let playlist = store
            .create_playlist(NewPlaylist {
                id: new_id(),
                owner_id: owner.clone(),
                name: p.name.to_owned(),
                description: Some(p.description.clone()),
                public: p.public,
                collaborative: false,
                now_ms: now,
            })
            .await?;
        let ids: Vec<String> = p.tracks.iter().map(|&i| track_ids[i].clone()).collect();
        let edit = ItemsEdit::Add {
            track_ids: ids,
            position: None,
        };
        store
            .edit_items(
                &playlist.id,
                owner,
                None,
                edit,
                state.config.max_playlist_items,
                now,
            )
            .await?;
    }
    println!("Demo playlists created.");
    for (seed, u) in medley_demo::users().iter().enumerate() {
        let (username, user_id) = (u.username, &user_ids[u.username]);
        let added = history(state, user_id, &tracks, seed as u64, now).await?;
        println!("Demo listening history: {added} plays over the last year for {username}.");
    }
    Ok(())
}

/// A year of listening over the demo catalog up to `now`, from the project's export generator
/// (about two hours a day, favourites and a long tail, skips), imported as an export is.
async fn history(
    app: &App,
    user_id: &str,
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
