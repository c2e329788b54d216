//! `medley-bench prepare`: the benchmark's data folder, written through `medley-store` (no
//! server, no HTTP), so that a 100,000-track catalog takes a minute rather than an hour.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use medley_app::accounts::{create_user, issue_token};
use medley_domain::catalog::NewTrack;
use medley_domain::{PlaylistId, TrackId, UserId};
use medley_events::Bus;
use medley_store::{CatalogStore, ItemsEdit, NewPlaylist, PlaylistStore, SqlStore};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::{BenchData, SearchQuery};

pub const USERNAME: &str = "bench";
/// Fixed: the benchmark data is throwaway and lives on loopback only.
pub const PASSWORD: &str = "medley-bench-password";
const READ_ITEMS: usize = 10_000;
const WRITE_ITEMS: usize = 9_900;
const CAP: i64 = 10_000;
const UPSERT_BATCH: usize = 5_000;
const ADD_POOL: usize = 30_000;
/// Enough for three attempts of 2 x 2,000 searches, each with queries not sent before, and
/// `WARMUP_QUERIES` more at the end for warm-ups.
const QUERIES: usize = 12_000 + WARMUP_QUERIES;
const WARMUP_QUERIES: usize = 100;

#[derive(clap::Args)]
pub struct Args {
    /// Folder for `medley.db` and `bench.json` (what `medley serve --data-dir` reads).
    #[arg(long)]
    data_dir: PathBuf,
    /// Catalog size: `medley_demo::scaled(N)`.
    #[arg(long, default_value_t = 100_000)]
    tracks: usize,
    /// Delete an existing database in the folder first.
    #[arg(long)]
    force: bool,
}

/// A new, empty SQLite database in `data_dir` (an existing one only with `force`), with the
/// benchmark's `notes` file beside it removed.
pub async fn fresh_sqlite(data_dir: &Path, notes: &Path, force: bool) -> anyhow::Result<SqlStore> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let db = data_dir.join("medley.db");
    if db.exists() {
        if !force {
            bail!("{} exists: pass --force to replace it", data_dir.display());
        }
        for suffix in ["", "-wal", "-shm"] {
            let path = data_dir.join(format!("medley.db{suffix}"));
            if path.exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    let _ = std::fs::remove_file(notes);
    SqlStore::open_sqlite(&db)
        .await
        .with_context(|| format!("opening {}", db.display()))
}

fn now_ms() -> i64 {
    medley_app::now_ms()
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.tracks < 2 * READ_ITEMS {
        bail!(
            "--tracks must be at least {} (the two playlists take distinct tracks)",
            2 * READ_ITEMS
        );
    }
    let started = Instant::now();
    let store = fresh_sqlite(&args.data_dir, &BenchData::path(&args.data_dir), args.force).await?;

    let catalog = medley_demo::scaled(args.tracks);
    let mut ids = Vec::with_capacity(catalog.len());
    for batch in catalog.chunks(UPSERT_BATCH) {
        ids.extend(store.upsert_tracks(batch, now_ms()).await?);
        eprintln!(
            "  catalog: {} / {} tracks ({:.1} s)",
            ids.len(),
            catalog.len(),
            started.elapsed().as_secs_f64()
        );
    }
    let catalog_secs = started.elapsed().as_secs_f64();

    let bus = Bus::new();
    let user = create_user(&store, &bus, USERNAME, PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("creating the user: {e}"))?;
    let token = issue_token(&store, &user.id, "api", Some("medley-bench".into()), None)
        .await
        .map_err(|e| anyhow::anyhow!("issuing the token: {e}"))?;

    // Both playlists are spread over the whole catalog (many albums and artists), and take
    // distinct tracks; the adds take tracks in neither, so removing them by URI removes only
    // what was added.
    let stride = ids.len() / READ_ITEMS;
    let read: Vec<TrackId> = (0..READ_ITEMS).map(|i| ids[i * stride].clone()).collect();
    let write: Vec<TrackId> = (0..WRITE_ITEMS)
        .map(|i| ids[i * stride + 1].clone())
        .collect();
    let taken: HashSet<&TrackId> = read.iter().chain(&write).collect();
    let mut seen = HashSet::new();
    let add_track_ids: Vec<TrackId> = ids
        .iter()
        .filter(|id| !taken.contains(id) && seen.insert(*id))
        .take(ADD_POOL)
        .cloned()
        .collect();
    if add_track_ids.len() < 100 {
        bail!("the catalog has too few distinct tracks for the adds");
    }

    let read_playlist = playlist(&store, &user.id, "Bench: read 10,000", &read).await?;
    let write_playlist = playlist(&store, &user.id, "Bench: add to 9,900", &write).await?;

    let data = BenchData {
        tracks: catalog.len(),
        username: USERNAME.into(),
        token,
        read_playlist: read_playlist.0,
        read_playlist_items: read_playlist.1,
        write_playlist: write_playlist.0,
        write_playlist_items: write_playlist.1,
        add_track_ids,
        queries: queries(&catalog, QUERIES),
        prepared_in_secs: started.elapsed().as_secs_f64(),
    };
    store.close().await;
    let path = BenchData::path(&args.data_dir);
    std::fs::write(&path, serde_json::to_vec_pretty(&data)?)
        .with_context(|| format!("writing {}", path.display()))?;
    println!(
        "prepared {}: {} tracks in {:.1} s, playlists of {} and {} items, {} queries; {:.1} s in all",
        args.data_dir.display(),
        data.tracks,
        catalog_secs,
        data.read_playlist_items,
        data.write_playlist_items,
        data.queries.len(),
        data.prepared_in_secs
    );
    Ok(())
}

/// A private playlist holding `tracks`, in order; returns its id and item count.
async fn playlist(
    store: &SqlStore,
    owner: &UserId,
    name: &str,
    tracks: &[TrackId],
) -> anyhow::Result<(PlaylistId, i64)> {
    let created = store
        .create_playlist(NewPlaylist {
            id: PlaylistId::new(),
            owner_id: owner.clone(),
            name: name.to_owned(),
            description: Some("Created by medley-bench".into()),
            public: false,
            collaborative: false,
            now_ms: now_ms(),
        })
        .await?;
    let mut count = 0;
    for chunk in tracks.chunks(1_000) {
        let outcome = store
            .edit_items(
                &created.id,
                owner,
                None,
                ItemsEdit::Add {
                    track_ids: chunk.to_vec(),
                    position: None,
                },
                CAP,
                now_ms(),
            )
            .await?;
        count = outcome.playlist.item_count;
    }
    if count != tracks.len() as i64 {
        bail!("playlist {name}: {count} items, expected {}", tracks.len());
    }
    Ok((created.id, count))
}

/// Words of at least three letters or digits.
fn words(s: &str) -> Vec<&str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .collect()
}

/// `n` distinct queries, in an order that mixes their kinds: whole titles (with their
/// punctuation), single title words, two consecutive title words, artist names, album
/// names, and 3-6 character prefixes of words, as typed while searching. Deterministic.
pub fn queries(catalog: &[NewTrack], n: usize) -> Vec<SearchQuery> {
    const KINDS: [&str; 6] = ["title", "word", "two-words", "artist", "album", "prefix"];
    let mut rng = StdRng::seed_from_u64(0x6d65_646c_6579);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    let mut attempts = 0;
    while out.len() < n && attempts < n * 100 {
        attempts += 1;
        let kind = KINDS[attempts % KINDS.len()];
        let t = &catalog[rng.gen_range(0..catalog.len())];
        let artist = t.artists.first().map(String::as_str).unwrap_or_default();
        let title_words = words(&t.name);
        let q = match kind {
            "title" => t.name.clone(),
            "word" if !title_words.is_empty() => {
                title_words[rng.gen_range(0..title_words.len())].to_lowercase()
            }
            "two-words" if title_words.len() >= 2 => {
                let i = rng.gen_range(0..title_words.len() - 1);
                format!("{} {}", title_words[i], title_words[i + 1]).to_lowercase()
            }
            "artist" => artist.to_owned(),
            "album" => t.album.clone().unwrap_or_default(),
            "prefix" => {
                let pool: Vec<&str> = words(&t.name)
                    .into_iter()
                    .chain(words(artist))
                    .filter(|w| w.chars().count() >= 4)
                    .collect();
                if pool.is_empty() {
                    continue;
                }
                let w = pool[rng.gen_range(0..pool.len())];
                let len = rng.gen_range(3..=(w.chars().count() - 1).min(6));
                w.chars().take(len).collect::<String>().to_lowercase()
            }
            _ => continue,
        };
        let q = q.trim().to_owned();
        if q.is_empty() || !seen.insert(q.clone()) {
            continue;
        }
        out.push(SearchQuery {
            kind: kind.to_owned(),
            q,
        });
    }
    // Shuffled, so that any slice holds the same mix of kinds (artist names run out early);
    // the last WARMUP_QUERIES stay at the end, for warm-ups.
    let body = out.len().saturating_sub(WARMUP_QUERIES);
    out[..body].shuffle(&mut rng);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_distinct_mixed_and_deterministic() {
        let catalog = medley_demo::scaled(5_000);
        let a = queries(&catalog, 300);
        let b = queries(&catalog, 300);
        assert_eq!(a.len(), 300);
        assert!(a.iter().zip(&b).all(|(x, y)| x.q == y.q));
        let distinct: HashSet<&str> = a.iter().map(|q| q.q.as_str()).collect();
        assert_eq!(distinct.len(), a.len());
        for kind in ["title", "word", "two-words", "artist", "album", "prefix"] {
            assert!(a.iter().any(|q| q.kind == kind), "no {kind} query");
        }
    }
}
