//! Following users and artists.

use medley_domain::catalog::Artist;
use medley_domain::user::User;
use medley_domain::{ArtistId, Id, UserId};
use medley_store::StoreError;

use crate::catalog::stored_artists;
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;

/// What is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    User,
    Artist,
}

/// Most artists listed at once.
pub const MAX_LISTED: i64 = 50;

/// `user` follows users of this server (not themselves) or catalog artists; an unknown id
/// refuses them all.
pub async fn follow(app: &App, user: &User, kind: Kind, ids: &[Id]) -> AppResult<()> {
    match kind {
        Kind::User => {
            let ids = user_ids(ids);
            if ids.contains(&user.id) {
                return Err(AppError::Invalid("you cannot follow yourself".into()));
            }
            app.store
                .follow_users(&user.id, &ids, now_ms())
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => {
                        AppError::NotFound("one of the `ids` is not a user of this server".into())
                    }
                    other => other.into(),
                })?;
        }
        Kind::Artist => {
            let ids = artist_ids(ids);
            let known = stored_artists(app, &ids).await?;
            if let Some(missing) = ids.iter().find(|id| !known.iter().any(|a| &a.id == *id)) {
                return Err(AppError::NotFound(format!(
                    "`{missing}` is not an artist in the catalog"
                )));
            }
            app.store.follow_artists(&user.id, &ids, now_ms()).await?;
        }
    }
    Ok(())
}

/// `user` stops following users or artists.
pub async fn unfollow(app: &App, user: &User, kind: Kind, ids: &[Id]) -> AppResult<()> {
    match kind {
        Kind::User => app.store.unfollow_users(&user.id, &user_ids(ids)).await?,
        Kind::Artist => {
            app.store
                .unfollow_artists(&user.id, &artist_ids(ids))
                .await?
        }
    }
    Ok(())
}

/// Whether `user` follows each of the users or artists.
pub async fn contains(app: &App, user: &User, kind: Kind, ids: &[Id]) -> AppResult<Vec<bool>> {
    Ok(match kind {
        Kind::User => app.store.follows_users(&user.id, &user_ids(ids)).await?,
        Kind::Artist => {
            app.store
                .follows_artists(&user.id, &artist_ids(ids))
                .await?
        }
    })
}

/// A page of the artists `user` follows, in artist id order after the artist `after`.
pub struct FollowedArtists {
    /// The ids of the page (an id whose artist is gone from the catalog too).
    pub ids: Vec<ArtistId>,
    /// The artists of the page, in id order.
    pub artists: Vec<Artist>,
    /// How many artists the user follows in all.
    pub total: i64,
}

/// A page of at most `limit` (1 to [`MAX_LISTED`]) artists `user` follows, after `after`.
pub async fn artists(
    app: &App,
    user: &User,
    after: Option<&str>,
    limit: i64,
) -> AppResult<FollowedArtists> {
    if !(1..=MAX_LISTED).contains(&limit) {
        return Err(AppError::Invalid(format!(
            "`limit` must be between 1 and {MAX_LISTED}, not {limit}"
        )));
    }
    let (ids, total) = app.store.followed_artists(&user.id, after, limit).await?;
    let found = stored_artists(app, &ids).await?;
    let artists = ids
        .iter()
        .filter_map(|id| found.iter().find(|a| &a.id == id).cloned())
        .collect();
    Ok(FollowedArtists {
        ids,
        artists,
        total,
    })
}

/// The ids as users' (the request said which kind they name).
fn user_ids(ids: &[Id]) -> Vec<UserId> {
    ids.iter().cloned().map(UserId::from).collect()
}

/// The ids as artists' (the request said which kind they name).
fn artist_ids(ids: &[Id]) -> Vec<ArtistId> {
    ids.iter().cloned().map(ArtistId::from).collect()
}
