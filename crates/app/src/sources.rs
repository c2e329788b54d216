//! Where composites and sync jobs read and write: a Medley playlist, a Spotify playlist or
//! Liked Songs. Each is an [`End`], named by its URI, reached through the [`Source`] trait
//! (read it as its owner sees it; check who may read it) and, where it can be written to by a
//! sync, the [`Target`] trait. The use cases above this layer never ask which kind they hold.
//!
//! The use cases (compositions and sync jobs) find an end through [`Ends`] (`App::ends`): the
//! server's is [`UriEnds`], which parses the URI into an [`End`]; a test gives the app its own
//! ends, held in memory, and runs the composition and sync job use cases over them without
//! Spotify or HTTP.
//!
//! A read that cannot be done (the playlist vanished, the Spotify account is gone, a 403, a
//! short page) is [`Read::Failed`] with the reason, never an empty read: the engine freezes
//! that source's contributions.

use std::sync::Arc;

use async_trait::async_trait;
use medley_compose::Read;
use medley_domain::uri::{Kind, Namespace, Uri};
use medley_domain::user::User;
use medley_domain::{PlaylistId, TrackId};
use medley_spotify::Collection;

use crate::error::{AppError, AppResult};
use crate::playlists::{add_as_medley, editable, playlist_tracks, visible};
use crate::spotify::collections::{self, Work};
use crate::App;

#[cfg(test)]
pub mod memory;

/// Something a sync reads: all of it, as `owner` may see it.
#[async_trait]
pub trait Source: Send + Sync {
    /// Its URI (`medley:playlist:<id>`, `spotify:playlist:<id>`, `spotify:user:<id>:collection`).
    fn uri(&self) -> String;
    /// Checks, when a composite or job is set up, that `user` may read it.
    async fn check_readable(&self, app: &App, user: &User) -> AppResult<()>;
    /// Reads all of it for `owner`, adding the Spotify requests it cost to `work`.
    async fn read(&self, app: &App, owner: &User, work: &mut Work) -> AppResult<Read>;
}

/// Something a one-way sync adds to.
#[async_trait]
pub trait Target: Source {
    /// Checks, when a job is set up, that `user` may change it.
    async fn check_writable(&self, app: &App, user: &User) -> AppResult<()>;
    /// Checks, at each run before anything is read, that `owner` may still change it, where
    /// that can change after set-up without the end saying so at the write (a Medley playlist
    /// whose owner no longer lets the job's owner collaborate).
    async fn check_still_writable(&self, app: &App, owner: &User) -> AppResult<()>;
    /// Appends catalog tracks, as `owner`. Tracks this kind of target cannot hold (a track
    /// Spotify does not know) are left out; returns how many.
    async fn append(
        &self,
        app: &App,
        owner: &User,
        track_ids: &[TrackId],
        work: &mut Work,
    ) -> AppResult<usize>;
    /// Whether only tracks known to Spotify can be added.
    fn spotify_only(&self) -> bool;
}

/// Finds the end a URI names, as a source or as a target.
pub trait Ends: Send + Sync {
    /// The source `uri` names; a URI of no kind these ends know is refused (`Invalid`),
    /// naming what is accepted.
    fn source(&self, uri: &str) -> AppResult<Arc<dyn Source>>;
    /// The target `uri` names; a URI of no kind these ends know, or of an end that cannot be
    /// written to, is refused (`Invalid`), naming what is accepted.
    fn target(&self, uri: &str) -> AppResult<Arc<dyn Target>>;
}

/// The server's ends: a Medley playlist, a Spotify playlist or Liked Songs, from the URI.
pub struct UriEnds;

impl Ends for UriEnds {
    fn source(&self, uri: &str) -> AppResult<Arc<dyn Source>> {
        Ok(Arc::new(End::parse(uri)?))
    }

    /// Every end a URI names here can be written to: a Medley playlist, a Spotify playlist,
    /// Liked Songs.
    fn target(&self, uri: &str) -> AppResult<Arc<dyn Target>> {
        Ok(Arc::new(End::parse(uri)?))
    }
}

/// One end of a sync, parsed from its URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    Medley(PlaylistId),
    Spotify(Collection),
}

impl End {
    /// Parses a source or target URI; anything but a Medley playlist, a Spotify playlist or
    /// Liked Songs is refused, naming what is accepted.
    pub fn parse(uri: &str) -> AppResult<End> {
        if let Some(c) = Collection::parse(uri) {
            return Ok(End::Spotify(c));
        }
        let parsed = Uri::parse_kind(uri, Kind::Playlist)?;
        if parsed.namespace != Namespace::Medley {
            return Err(AppError::Invalid(format!(
                "`{uri}` is neither a Medley playlist, a Spotify playlist nor Liked Songs"
            )));
        }
        Ok(End::Medley(PlaylistId::from(parsed.id)))
    }

    /// The Spotify collection, when this end is one.
    pub fn spotify(&self) -> Option<&Collection> {
        match self {
            End::Spotify(c) => Some(c),
            End::Medley(_) => None,
        }
    }
}

/// Reads `uri` for `owner` as a source: an unparseable or vanished source is a failed read.
pub async fn read(app: &App, owner: &User, uri: &str, work: &mut Work) -> AppResult<Read> {
    match app.ends.source(uri) {
        Ok(end) => end.read(app, owner, work).await,
        Err(e) => Ok(Read::Failed(e.to_string())),
    }
}

#[async_trait]
impl Source for End {
    fn uri(&self) -> String {
        match self {
            End::Medley(id) => format!("medley:playlist:{id}"),
            End::Spotify(c) => c.uri(),
        }
    }

    async fn check_readable(&self, app: &App, user: &User) -> AppResult<()> {
        match self {
            End::Spotify(c) => collections::check(app, user, c, false).await,
            End::Medley(id) => {
                visible(app, id, Some(user))
                    .await
                    .map(|_| ())
                    .map_err(|e| match e {
                        AppError::NotFound(_) => AppError::NotFound(format!(
                            "source `{}` does not exist or is not visible to you",
                            self.uri()
                        )),
                        other => other,
                    })
            }
        }
    }

    async fn read(&self, app: &App, owner: &User, work: &mut Work) -> AppResult<Read> {
        match self {
            End::Spotify(collection) => {
                if app.spotify.is_none() {
                    return Ok(Read::Failed(
                        "Spotify is not configured on this server any more".into(),
                    ));
                }
                Ok(
                    match collections::read(app, owner, collection, work).await? {
                        Ok(items) => Read::Complete(items),
                        Err(reason) => Read::Failed(reason),
                    },
                )
            }
            End::Medley(id) => match visible(app, id, Some(owner)).await {
                Ok(_) => Ok(Read::Complete(playlist_tracks(app, id).await?)),
                Err(AppError::NotFound(_)) => Ok(Read::Failed(
                    "the playlist no longer exists or is no longer visible to the composite's \
                     owner"
                        .into(),
                )),
                Err(e) => Err(e),
            },
        }
    }
}

#[async_trait]
impl Target for End {
    async fn check_writable(&self, app: &App, user: &User) -> AppResult<()> {
        match self {
            End::Medley(id) => editable(app, id, user).await.map(|_| ()),
            End::Spotify(c) => collections::check(app, user, c, true).await,
        }
    }

    async fn check_still_writable(&self, app: &App, owner: &User) -> AppResult<()> {
        match self {
            // The owner may have lost the right to change it (a collaborator no longer).
            End::Medley(_) => self.check_writable(app, owner).await,
            // Spotify answers at the write itself; asking first would cost a request a run.
            End::Spotify(_) => Ok(()),
        }
    }

    async fn append(
        &self,
        app: &App,
        owner: &User,
        track_ids: &[TrackId],
        work: &mut Work,
    ) -> AppResult<usize> {
        match self {
            End::Medley(id) => add_as_medley(app, owner, id, track_ids).await.map(|_| 0),
            End::Spotify(c) => collections::add(app, owner, c, track_ids, work).await,
        }
    }

    fn spotify_only(&self) -> bool {
        matches!(self, End::Spotify(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_parse_from_their_uris_and_name_what_is_accepted() {
        assert_eq!(
            End::parse("medley:playlist:0123456789abcdefghijkl").unwrap(),
            End::Medley("0123456789abcdefghijkl".into())
        );
        let liked = End::parse("spotify:user:ana:collection").unwrap();
        assert_eq!(liked.uri(), "spotify:user:ana:collection");
        assert!(liked.spotify().is_some());
        let e = End::parse("medley:track:0123456789abcdefghijkl").unwrap_err();
        assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    }
}
