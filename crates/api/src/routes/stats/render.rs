//! The items statistics are about, looked up in one go per answer: the engine's dense indices
//! become tracks, artists and albums in Spotify's shapes, or episodes and shows.

use std::collections::HashMap;

use medley_domain::{AlbumId, ArtistId, TrackId};
use medley_stats::Entity;

use super::objects::{GoneItem, PodcastItem, StatsItem};
use crate::error::ApiResult;
use crate::state::AppState;
use medley_app::catalog;
use medley_app::stats::UserHistory;

/// The items at `indices` of the user's history (of `entity`'s kind), in order.
pub async fn items(
    state: &AppState,
    h: &UserHistory,
    entity: Entity,
    indices: &[u32],
) -> ApiResult<Vec<StatsItem>> {
    let index = match entity {
        Entity::Track => &h.items,
        Entity::Artist => &h.artists,
        Entity::Album => &h.albums,
    };
    let ids: Vec<String> = indices.iter().map(|&i| index.id(i).to_owned()).collect();
    let mut found: HashMap<String, StatsItem> = HashMap::new();
    match entity {
        Entity::Track => {
            // History items are tracks or episodes, named by their text; the catalog's are
            // typed here (an episode id finds no track and is looked up below).
            let tracks: Vec<TrackId> = ids.iter().map(|id| TrackId::from(id.as_str())).collect();
            for (id, t) in ids.iter().zip(state.track_objects(&tracks).await?) {
                if let Some(t) = t {
                    let object = serde_json::from_str(t.get())
                        .map_err(|e| anyhow::Error::new(e).context("reading a rendered track"))?;
                    found.insert(id.clone(), StatsItem::Track(object));
                }
            }
        }
        Entity::Artist => {
            let artists: Vec<ArtistId> = ids.iter().cloned().map(ArtistId::from).collect();
            for a in catalog::stored_artists(&state.app, &artists).await? {
                found.insert(a.id.to_string(), StatsItem::Artist(state.render.artist(&a)));
            }
        }
        Entity::Album => {
            let albums: Vec<AlbumId> = ids.iter().cloned().map(AlbumId::from).collect();
            for a in catalog::stored_albums(&state.app, &albums).await? {
                found.insert(a.id.to_string(), StatsItem::Album(state.render.album(&a)));
            }
        }
    }
    // Episodes count as tracks and shows as artists when podcasts count.
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !found.contains_key(*id))
        .cloned()
        .collect();
    if !missing.is_empty() {
        for (id, p) in catalog::podcast_entities(&state.app, &missing).await? {
            // An episode's detail is its show; a show's, whether it is a podcast or audiobook.
            let (show, media_type) = match p.kind {
                "episode" => (Some(p.detail), None),
                _ => (None, Some(p.detail)),
            };
            let item = PodcastItem {
                kind: p.kind,
                uri: p.spotify_id.map(|s| format!("spotify:{}:{s}", p.kind)),
                id: id.clone(),
                name: p.name,
                show,
                media_type,
            };
            found.insert(id, StatsItem::Podcast(item));
        }
    }
    Ok(ids
        .into_iter()
        .map(|id| {
            found
                .remove(&id)
                .unwrap_or(StatsItem::Gone(GoneItem { id }))
        })
        .collect())
}
