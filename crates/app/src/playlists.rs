//! Playlists: who may see and change them, track URI resolution, and item edits that publish
//! `PlaylistItemsChanged` once committed.

use std::collections::{BTreeMap, HashMap};

use medley_compose::SourceItem;
use medley_domain::catalog::Track;
use medley_domain::id::is_id;
use medley_domain::paging::Page;
use medley_domain::playlist::{
    validate_description, validate_name, Access, DetailsError, Playlist, PlaylistItem,
};
use medley_domain::uri::{Kind, Namespace, Uri};
use medley_domain::user::User;
use medley_domain::{PlaylistId, TrackId, UserId};
use medley_events::{Event, ItemsChange};
use medley_store::{DetailsChange, EditOutcome, ItemsEdit, NewPlaylist};

use crate::catalog::engine_track;
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;

/// Loads a playlist and the caller's access to it; invisible playlists are "not found".
pub async fn visible(
    app: &App,
    id: &PlaylistId,
    user: Option<&User>,
) -> AppResult<(Playlist, Access)> {
    let not_found = || AppError::not_found(&format!("playlist `{id}`"));
    if !is_id(id) {
        return Err(not_found());
    }
    let playlist = match app.caches.playlist(id) {
        Some(p) => p,
        None => {
            let seen = app.caches.playlist_generation();
            let p = app.store.playlist(id).await?.ok_or_else(not_found)?;
            app.caches.remember_playlist(seen, p.clone());
            p
        }
    };
    let user_id = user.map(|u| &u.id);
    let is_collaborator = match user_id {
        Some(uid) if *uid != playlist.owner_id => app.store.is_collaborator(id, uid).await?,
        _ => false,
    };
    match playlist.access(user_id, is_collaborator) {
        Access::None => Err(not_found()),
        access => Ok((playlist, access)),
    }
}

/// Like [`visible`], but the caller must be allowed to change the playlist.
pub async fn editable(app: &App, id: &PlaylistId, user: &User) -> AppResult<Playlist> {
    let (playlist, access) = visible(app, id, Some(user)).await?;
    if access != Access::Edit {
        return Err(AppError::Forbidden(format!(
            "only the owner of playlist `{id}` (or a collaborator, when it is collaborative) may change it"
        )));
    }
    Ok(playlist)
}

/// Only the owner may change details, collaborators, or delete.
pub async fn owned(app: &App, id: &PlaylistId, user: &User) -> AppResult<Playlist> {
    let (playlist, _) = visible(app, id, Some(user)).await?;
    if playlist.owner_id != user.id {
        return Err(AppError::Forbidden(format!(
            "only the owner of playlist `{id}` may do this"
        )));
    }
    Ok(playlist)
}

/// Resolves track URIs to catalog ids, in order. `spotify:track:<id>` means Medley's own
/// track when `<id>` is a Medley id (Spotify clients build such URIs from bare ids), and
/// otherwise the catalog track carrying that Spotify id. Unknown tracks are a 400 naming them.
pub async fn resolve_tracks(app: &App, uris: &[String]) -> AppResult<Vec<TrackId>> {
    let parsed = uris
        .iter()
        .map(|s| Ok(Uri::parse_kind(s, Kind::Track)?))
        .collect::<AppResult<Vec<Uri>>>()?;
    let candidates: Vec<TrackId> = parsed
        .iter()
        .filter(|u| is_id(&u.id))
        .map(|u| TrackId::from(u.id.as_str()))
        .collect();
    let known: std::collections::HashSet<TrackId> = app
        .store
        .existing_tracks(&candidates)
        .await?
        .into_iter()
        .collect();
    let spotify_ids: Vec<String> = parsed
        .iter()
        .filter(|u| u.namespace == Namespace::Spotify && !known.contains(u.id.as_str()))
        .map(|u| u.id.clone())
        .collect();
    let by_spotify: HashMap<String, TrackId> =
        app.store.tracks_by_spotify_ids(&spotify_ids).await?;
    let mut ids = Vec::with_capacity(parsed.len());
    let mut unknown = Vec::new();
    for (uri, raw) in parsed.iter().zip(uris) {
        let found = if known.contains(uri.id.as_str()) {
            Some(TrackId::from(uri.id.as_str()))
        } else if uri.namespace == Namespace::Spotify {
            by_spotify.get(&uri.id).cloned()
        } else {
            None
        };
        match found {
            Some(id) => ids.push(id),
            None => unknown.push(raw.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(AppError::Invalid(format!(
            "no catalog track for {}: add it through POST /v1/library/tracks first",
            unknown
                .iter()
                .take(10)
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(ids)
}

/// Applies an items edit the caller may make, and publishes what changed.
pub async fn edit(
    app: &App,
    user: &User,
    id: &PlaylistId,
    snapshot: Option<&str>,
    edit: ItemsEdit,
) -> AppResult<EditOutcome> {
    let playlist = editable(app, id, user).await?;
    if playlist.composite {
        let target = app
            .store
            .composite(id)
            .await?
            .and_then(|c| c.composite.options.target);
        if let Some(target) = target {
            return Err(AppError::Conflict(format!(
                "playlist `{id}` mirrors the Spotify playlist `{target}`: edit that one in Spotify, \
                 and Medley learns your changes at its next sync"
            )));
        }
    }
    let outcome = app
        .store
        .edit_items(
            id,
            &user.id,
            snapshot,
            edit,
            app.config.max_playlist_items,
            now_ms(),
        )
        .await;
    app.caches.forget_playlist(id);
    let outcome = outcome?;
    announce(app, &outcome, &user.id, false);
    Ok(outcome)
}

/// Tells the bus about a committed items edit (`automatic` when Medley made it, not a person),
/// and wakes the worker for the resyncs the edit queued (see `medley_store::jobs`).
pub fn announce(app: &App, outcome: &EditOutcome, actor_id: &UserId, automatic: bool) {
    app.bus.publish(Event::PlaylistItemsChanged(ItemsChange {
        playlist_id: outcome.playlist.id.clone(),
        owner_id: outcome.playlist.owner_id.clone(),
        actor_id: actor_id.to_owned(),
        snapshot_id: outcome.playlist.snapshot_id.clone(),
        added: outcome.added.clone(),
        removed: outcome.removed.clone(),
        reordered: outcome.reordered,
        item_count: outcome.playlist.item_count,
        automatic,
    }));
    app.wake_worker.notify_one();
}

/// All items of a playlist with their tracks, in order, and when each was added.
pub async fn playlist_tracks(app: &App, id: &PlaylistId) -> AppResult<Vec<SourceItem>> {
    let items = app.store.playlist_items(id, i64::MAX, 0).await?;
    let ids: Vec<TrackId> = items.iter().map(|i| i.track_id.clone()).collect();
    let tracks = app.store.tracks(&ids).await?;
    let by_id: BTreeMap<&str, &Track> = tracks.iter().map(|t| (t.id.as_str(), t)).collect();
    Ok(items
        .iter()
        .filter_map(|i| {
            by_id.get(i.track_id.as_str()).map(|t| SourceItem {
                track: engine_track(t),
                added_at_ms: Some(i.added_at_ms),
            })
        })
        .collect())
}

/// A playlist and its owner.
pub async fn with_owner(app: &App, id: &PlaylistId) -> AppResult<(Playlist, User)> {
    let playlist = app
        .store
        .playlist(id)
        .await?
        .ok_or_else(|| AppError::not_found(&format!("playlist `{id}`")))?;
    let owner = app
        .store
        .user(&playlist.owner_id)
        .await?
        .ok_or_else(|| AppError::not_found("the playlist's owner"))?;
    Ok((playlist, owner))
}

/// Appends tracks to a Medley playlist on behalf of a sync (Medley made the edit, for `owner`).
pub async fn add_as_medley(
    app: &App,
    owner: &User,
    id: &PlaylistId,
    track_ids: &[TrackId],
) -> AppResult<()> {
    let edit = ItemsEdit::Add {
        track_ids: track_ids.to_vec(),
        position: None,
    };
    let result = app
        .store
        .edit_items_by_medley(id, &owner.id, edit, app.config.max_playlist_items, now_ms())
        .await;
    app.caches.forget_playlist(id);
    announce(app, &result?, &owner.id, true);
    Ok(())
}

/// A new playlist's details, as a caller gives them (unset flags take Spotify's defaults).
#[derive(Clone, Debug)]
pub struct NewDetails {
    pub name: String,
    pub description: Option<String>,
    /// Defaults to true, unless the playlist is collaborative.
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
}

/// A new playlist's details once they follow the rules ([`NewDetails::check`] makes them).
#[derive(Clone, Debug)]
pub struct CheckedDetails {
    name: String,
    description: Option<String>,
    public: bool,
    collaborative: bool,
}

impl NewDetails {
    /// Checks the details against the rules, and answers them as the playlist will have them.
    pub fn check(self) -> AppResult<CheckedDetails> {
        let collaborative = self.collaborative.unwrap_or(false);
        let public = self.public.unwrap_or(!collaborative);
        check_details(
            Some(&self.name),
            self.description.as_deref(),
            public,
            collaborative,
        )?;
        Ok(CheckedDetails {
            name: self.name.trim().to_owned(),
            description: self.description,
            public,
            collaborative,
        })
    }
}

/// The rules of a playlist's details: a name and a description as the domain allows them, and
/// a collaborative playlist is never public.
fn check_details(
    name: Option<&str>,
    description: Option<&str>,
    public: bool,
    collaborative: bool,
) -> AppResult<()> {
    if let Some(name) = name {
        validate_name(name)?;
    }
    if let Some(d) = description {
        validate_description(d)?;
    }
    if collaborative && public {
        return Err(DetailsError::CollaborativePublic.into());
    }
    Ok(())
}

/// Creates a playlist `user` owns, with the id the caller chose (a composition may have been
/// checked against it already), and announces it.
pub async fn create(
    app: &App,
    user: &User,
    id: &PlaylistId,
    details: CheckedDetails,
) -> AppResult<Playlist> {
    let playlist = app
        .store
        .create_playlist(NewPlaylist {
            id: id.to_owned(),
            owner_id: user.id.clone(),
            name: details.name,
            description: details.description,
            public: details.public,
            collaborative: details.collaborative,
            now_ms: now_ms(),
        })
        .await?;
    app.bus.publish(Event::PlaylistCreated {
        playlist_id: playlist.id.clone(),
        owner_id: user.id.clone(),
    });
    Ok(playlist)
}

/// A playlist as it is stored now (after a change the caller made), or not found.
pub async fn current(app: &App, id: &PlaylistId) -> AppResult<Playlist> {
    app.store
        .playlist(id)
        .await?
        .ok_or_else(|| AppError::not_found(&format!("playlist `{id}`")))
}

/// A page of the playlists `user` owns, collaborates on or follows, newest first, and their
/// count.
pub async fn mine(app: &App, user: &User, page: Page) -> AppResult<(Vec<Playlist>, i64)> {
    Ok(app
        .store
        .user_playlists(&user.id, page.limit, page.offset)
        .await?)
}

/// Changes a playlist's details (owner only): the new name and description must follow the
/// rules, and a collaborative playlist cannot be public. Answers the playlist as changed.
pub async fn change_details(
    app: &App,
    user: &User,
    id: &PlaylistId,
    change: DetailsChange,
) -> AppResult<Playlist> {
    let current = owned(app, id, user).await?;
    check_details(
        change.name.as_deref(),
        change.description.as_deref(),
        change.public.unwrap_or(current.public),
        change.collaborative.unwrap_or(current.collaborative),
    )?;
    write_details(app, id, change).await
}

/// Writes a change of details the caller checked: the name trimmed, the cached playlist
/// forgotten, the change announced. Answers the playlist as changed.
pub(crate) async fn write_details(
    app: &App,
    id: &PlaylistId,
    change: DetailsChange,
) -> AppResult<Playlist> {
    let change = DetailsChange {
        name: change.name.map(|n| n.trim().to_owned()),
        ..change
    };
    let updated = app.store.update_playlist(id, change, now_ms()).await;
    app.caches.forget_playlist(id);
    let updated = updated?;
    app.bus.publish(Event::PlaylistDetailsChanged {
        playlist_id: id.to_owned(),
        snapshot_id: updated.snapshot_id.clone(),
    });
    Ok(updated)
}

/// `user` follows a playlist they can see (following one's own playlist changes nothing).
pub async fn follow(app: &App, user: &User, id: &PlaylistId) -> AppResult<()> {
    let (p, _) = visible(app, id, Some(user)).await?;
    if p.owner_id != user.id {
        app.store.follow_playlist(id, &user.id, now_ms()).await?;
        app.caches.forget_playlist(id);
    }
    Ok(())
}

/// `user` stops following a playlist they can see.
pub async fn unfollow(app: &App, user: &User, id: &PlaylistId) -> AppResult<()> {
    visible(app, id, Some(user)).await?;
    app.store.unfollow_playlist(id, &user.id).await?;
    app.caches.forget_playlist(id);
    Ok(())
}

/// Whether each of `user_ids` follows `playlist`, which the caller has seen ([`visible`]
/// answered it: a front end asks first, so that a playlist one cannot see is not found
/// whatever ids are asked about).
pub async fn followers_contain(
    app: &App,
    playlist: &Playlist,
    user_ids: &[UserId],
) -> AppResult<Vec<bool>> {
    Ok(app.store.follows_playlist(&playlist.id, user_ids).await?)
}

/// The users invited to edit a playlist the caller can see.
pub async fn collaborators(app: &App, user: &User, id: &PlaylistId) -> AppResult<Vec<UserId>> {
    visible(app, id, Some(user)).await?;
    Ok(app.store.collaborators(id).await?)
}

/// Invites 1 to 50 users of this server to edit a playlist (owner only).
pub async fn add_collaborators(
    app: &App,
    user: &User,
    id: &PlaylistId,
    ids: &[UserId],
) -> AppResult<()> {
    owned(app, id, user).await?;
    if ids.is_empty() || ids.len() > 50 {
        return Err(AppError::Invalid("`ids` must list 1 to 50 user ids".into()));
    }
    let existing = app.store.existing_users(ids).await?;
    if let Some(missing) = ids.iter().find(|id| !existing.contains(id)) {
        return Err(AppError::Invalid(format!(
            "`{missing}` is not a user of this server"
        )));
    }
    app.store.add_collaborators(id, ids).await?;
    Ok(())
}

/// Takes back invitations to edit a playlist (owner only).
pub async fn remove_collaborators(
    app: &App,
    user: &User,
    id: &PlaylistId,
    ids: &[UserId],
) -> AppResult<()> {
    owned(app, id, user).await?;
    app.store.remove_collaborators(id, ids).await?;
    Ok(())
}

/// A page of a playlist's items, in order (the caller has seen the playlist: [`visible`]).
pub async fn items(app: &App, id: &PlaylistId, page: Page) -> AppResult<Vec<PlaylistItem>> {
    Ok(app
        .store
        .playlist_items(id, page.limit, page.offset)
        .await?)
}
