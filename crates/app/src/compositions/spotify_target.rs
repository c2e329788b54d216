//! Composites written to a Spotify playlist. Each sync reads the target (reusing the last read
//! while its snapshot has not moved), settles any unfinished write, runs the engine's
//! three-way reconciliation (what Medley did not write is the owner's; what it wrote and is
//! gone was removed by the owner), and writes only the difference: removals by URI, 100 a
//! request, then newcomers appended, 100 a request. The Medley playlist mirrors the result.
//!
//! Spotify is outside the database's transactions, so the writes are announced first (the
//! intent, see `medley_compose::intent`) and the ledger is written after them together with
//! clearing the intent. A sync cut off anywhere leaves what the next one converges from.

use std::collections::{BTreeMap, HashMap, HashSet};

use medley_compose::{intent, Intent, Ordering, Plan, Read, Report, SyncInput};
use medley_domain::user::User;
use medley_domain::{PlaylistId, TrackId};
use medley_spotify::Collection;
use medley_store::{ItemsEdit, StoredComposite, SyncWrite};

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::playlists::{announce, with_owner};
use crate::sources;
use crate::spotify::collections::{self, After, Work};
use crate::App;

/// Attempts before giving up on a composite whose ledger keeps moving under the sync.
const ATTEMPTS: usize = 5;

/// Syncs composite `id` whose target is the Spotify collection `target`.
pub async fn sync(
    app: &App,
    id: &PlaylistId,
    target: &str,
    adjust: &(dyn Fn(&mut medley_compose::Ledger) + Sync),
    fresh: bool,
) -> AppResult<Report> {
    let Some(Collection::Playlist(playlist_id)) = Collection::parse(target) else {
        return Err(AppError::Invalid(format!(
            "the composite's target `{target}` is not a Spotify playlist"
        )));
    };
    let collection = Collection::Playlist(playlist_id.clone());
    for _ in 0..ATTEMPTS {
        let stored = app
            .store
            .composite(id)
            .await?
            .ok_or_else(|| AppError::not_found("the composite"))?;
        let (_, owner) = with_owner(app, id).await?;
        match attempt(app, id, &owner, &collection, &stored, adjust, fresh).await {
            Err(AppError::Stale(_)) => continue,
            other => return other,
        }
    }
    Err(AppError::Stale(format!(
        "composite `{id}` kept changing during the sync; try again"
    )))
}

async fn attempt(
    app: &App,
    id: &PlaylistId,
    owner: &User,
    target: &Collection,
    stored: &StoredComposite,
    adjust: &(dyn Fn(&mut medley_compose::Ledger) + Sync),
    fresh: bool,
) -> AppResult<Report> {
    let mut work = Work {
        fresh,
        ..Work::default()
    };
    let mut reads = BTreeMap::new();
    for source in &stored.composite.sources {
        let read = sources::read(app, owner, &source.uri, &mut work).await?;
        reads.insert(source.uri.clone(), read);
    }
    // Only tracks Spotify knows can be written there.
    let mut known: HashMap<TrackId, String> = HashMap::new();
    let mut source_ids: Vec<TrackId> = Vec::new();
    for read in reads.values() {
        if let Read::Complete(items) = read {
            source_ids.extend(items.iter().map(|i| i.track.id.clone()));
        }
    }
    let current = collections::read(app, owner, target, &mut work)
        .await?
        .map_err(|e| AppError::upstream("the Spotify target could not be read", e))?;
    source_ids.extend(current.iter().map(|i| i.track.id.clone()));
    for t in app.store.tracks(&source_ids).await? {
        if let Some(sid) = t.spotify_id {
            known.insert(t.id, sid);
        }
    }
    for read in reads.values_mut() {
        if let Read::Complete(items) = read {
            items.retain(|i| known.contains_key(&i.track.id));
        }
    }
    let target_tracks: Vec<medley_compose::Track> = current.into_iter().map(|i| i.track).collect();

    let mut start = stored.ledger.clone();
    adjust(&mut start);
    if let Some(unfinished) = &stored.intent {
        intent::settle(
            &mut start,
            unfinished,
            &target_tracks,
            stored.composite.options.identity,
        );
    }
    // Spotify writes cheapest at the end: newcomers are appended (in source order or
    // interleaved as configured), never placed in the middle.
    let mut composite = stored.composite.clone();
    if composite.options.ordering == Ordering::SourceOrder {
        composite.options.ordering = Ordering::Append;
    }
    let outcome = medley_compose::sync(
        &start,
        &SyncInput {
            composite: &composite,
            reads: &reads,
            target: &target_tracks,
            now_ms: now_ms(),
        },
    );
    // A frozen source's contributions come from the ledger, not from this sync's reads: learn
    // the Spotify ids of everything the plan touches.
    let unknown: Vec<TrackId> = outcome
        .plan
        .insert
        .iter()
        .chain(&outcome.plan.remove)
        .map(|(_, id)| id.clone())
        .filter(|id| !known.contains_key(id))
        .collect();
    if !unknown.is_empty() {
        for t in app.store.tracks(&unknown).await? {
            if let Some(sid) = t.spotify_id {
                known.insert(t.id, sid);
            }
        }
    }
    let before_ids: Vec<TrackId> = target_tracks.iter().map(|t| t.id.clone()).collect();
    let final_ids = outcome.plan.apply(&before_ids);
    let writes = spotify_writes(&outcome.plan, &final_ids, &known);
    let by_id: HashMap<&str, &medley_compose::Track> = target_tracks
        .iter()
        .chain(start.entries.values().map(|e| &e.track))
        .chain(outcome.ledger.entries.values().map(|e| &e.track))
        .map(|t| (t.id.as_str(), t))
        .collect();
    let planned = Intent {
        add: writes
            .add
            .iter()
            .filter_map(|i| by_id.get(i.as_str()).map(|t| (*t).clone()))
            .collect(),
        remove: writes
            .remove
            .iter()
            .filter_map(|i| by_id.get(i.as_str()).map(|t| (*t).clone()))
            .collect(),
    };
    // An earlier write not yet accounted for in the committed ledger stays to be settled.
    let planned = match &stored.intent {
        Some(unfinished) if !planned.is_empty() => unfinished.merged(&planned),
        _ => planned,
    };
    if !planned.is_empty() {
        // Writes are made against the target as it is: if the plan rests on a stored read,
        // check that the target has not moved since (the owner may be editing it right now).
        if work.reused.contains(&target.uri())
            && !collections::unchanged(app, owner, target, &mut work).await?
        {
            return Err(AppError::Stale(format!(
                "the Spotify playlist `{target}` changed while the sync read it"
            )));
        }
        app.store
            .set_composite_intent(id, stored.ledger_version, Some(&planned))
            .await?;
        let uris = |ids: &[TrackId]| -> Vec<String> {
            ids.iter()
                .filter_map(|i| known.get(i))
                .map(|s| format!("spotify:track:{s}"))
                .collect()
        };
        collections::write(
            app,
            owner,
            target,
            &uris(&writes.remove),
            &uris(&writes.add),
            After::Exactly(&final_ids),
            &mut work,
        )
        .await?;
    }
    let write = SyncWrite {
        playlist_id: id,
        actor: &owner.id,
        ledger_version: stored.ledger_version,
        before: &stored.ledger,
        after: &outcome.ledger,
        plan: &Plan::default(),
        snapshot_id: "",
        report_json: serde_json::to_string(&outcome.report).unwrap_or_default(),
        cap: app.config.max_playlist_items,
        now_ms: now_ms(),
        clear_intent: true,
    };
    app.store.write_sync(write).await?;
    mirror(app, id, owner, &final_ids).await?;
    tracing::debug!(composite = %id, requests = work.requests, "synced a composite to Spotify");
    Ok(outcome.report)
}

/// The requests that carry out a plan on Spotify, where removal goes by URI and takes every
/// copy: a URI removed whose track stays (a duplicate cleaned up) is added back.
struct Writes {
    remove: Vec<TrackId>,
    add: Vec<TrackId>,
}

fn spotify_writes(plan: &Plan, final_ids: &[TrackId], known: &HashMap<TrackId, String>) -> Writes {
    let mut seen = HashSet::new();
    let remove: Vec<TrackId> = plan
        .remove
        .iter()
        .map(|(_, id)| id.clone())
        .filter(|id| known.contains_key(id) && seen.insert(id.clone()))
        .collect();
    let inserted: HashSet<&TrackId> = plan.insert.iter().map(|(_, id)| id).collect();
    let add = final_ids
        .iter()
        .filter(|id| inserted.contains(id) || seen.contains(*id))
        .cloned()
        .collect();
    Writes { remove, add }
}

/// Makes the Medley playlist show what the Spotify target now holds.
async fn mirror(app: &App, id: &PlaylistId, owner: &User, final_ids: &[TrackId]) -> AppResult<()> {
    let current: Vec<TrackId> = app
        .store
        .playlist_items(id, i64::MAX, 0)
        .await?
        .into_iter()
        .map(|i| i.track_id)
        .collect();
    if current == final_ids {
        return Ok(());
    }
    let edit = ItemsEdit::Replace {
        track_ids: final_ids.to_vec(),
    };
    let done = app
        .store
        .edit_items_by_medley(id, &owner.id, edit, app.config.max_playlist_items, now_ms())
        .await;
    app.caches.forget_playlist(id);
    announce(app, &done?, &owner.id, true);
    Ok(())
}
