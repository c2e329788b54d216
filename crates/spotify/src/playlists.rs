//! Playlists: the change-detecting sweep of `GET /me/playlists`, complete reads of items
//! (50 a request), and writes in batches of 100.

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::client::Session;
use crate::error::{Result, SpotifyError};
use crate::objects::{Page, Playable, PlaylistEntry, PlaylistSummary, SnapshotId};

/// Items per read request (Spotify's maximum).
pub const READ_PAGE: usize = 50;
/// URIs per write request (Spotify's maximum).
pub const WRITE_BATCH: usize = 100;

/// What kind of thing sits in a playlist slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Track,
    Episode,
    /// A local file: readable, never addable through the API.
    Local,
}

/// One readable item, with the URI the playlist holds (for relinked tracks, the original).
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub uri: String,
    pub kind: Kind,
    pub playable: Playable,
}

/// A playlist's complete contents. Items Spotify answers as `null` (no longer available) have
/// no URI to compare or remove by; they are counted, not listed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contents {
    pub items: Vec<Item>,
    pub unavailable: u64,
}

impl Contents {
    pub fn uris(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|i| i.uri.as_str())
    }
}

impl Session {
    /// Every playlist the user owns or follows, with its snapshot id: ceil(P/50) requests.
    pub async fn my_playlists(&self) -> Result<Vec<PlaylistSummary>> {
        self.all_pages(
            "GET /me/playlists",
            format!("/me/playlists?limit={READ_PAGE}"),
        )
        .await
    }

    /// A playlist's metadata (no items), e.g. to learn its snapshot after a write.
    pub async fn playlist(&self, id: &str) -> Result<PlaylistSummary> {
        self.read(
            "GET /playlists/{id}",
            &format!("/playlists/{id}?fields=id,name,snapshot_id,owner,collaborative,public,items(total)"),
            |_| Ok(()),
        )
        .await
    }

    /// Every item of a playlist the user owns or collaborates on: ceil(n/50) requests. A read
    /// that cannot be completed is an error, never a shorter list.
    pub async fn playlist_items(&self, id: &str) -> Result<Contents> {
        let entries: Vec<PlaylistEntry> = self
            .all_pages(
                "GET /playlists/{id}/items",
                format!("/playlists/{id}/items?limit={READ_PAGE}&additional_types=track,episode"),
            )
            .await?;
        let mut contents = Contents::default();
        for entry in entries {
            match entry.playable() {
                None => contents.unavailable += 1,
                Some(p) => {
                    let kind = if entry.is_local || p.is_local {
                        Kind::Local
                    } else if p.kind == "episode" {
                        Kind::Episode
                    } else {
                        Kind::Track
                    };
                    contents.items.push(Item {
                        uri: p.stored_uri().to_owned(),
                        kind,
                        playable: p.clone(),
                    });
                }
            }
        }
        Ok(contents)
    }

    /// Creates a playlist owned by the user.
    pub async fn create_playlist(
        &self,
        name: &str,
        description: &str,
        public: bool,
    ) -> Result<PlaylistSummary> {
        let body = json!({"name": name, "description": description, "public": public});
        let v = self
            .write(Method::POST, "POST /me/playlists", "/me/playlists", &body)
            .await?;
        serde_json::from_value(v)
            .map_err(|e| SpotifyError::Protocol(format!("created playlist: {e}")))
    }

    /// Adds URIs (at `position`, or at the end), 100 a request. Returns the last snapshot id.
    pub async fn add_items(
        &self,
        id: &str,
        uris: &[String],
        position: Option<usize>,
    ) -> Result<Option<String>> {
        let mut snapshot = None;
        for (n, batch) in uris.chunks(WRITE_BATCH).enumerate() {
            let mut body = json!({ "uris": batch });
            if let Some(p) = position {
                body["position"] = json!(p + n * WRITE_BATCH);
            }
            let v = self
                .write(
                    Method::POST,
                    "POST /playlists/{id}/items",
                    &format!("/playlists/{id}/items"),
                    &body,
                )
                .await?;
            snapshot = Some(snapshot_of(v)?);
        }
        Ok(snapshot)
    }

    /// Removes every occurrence of each URI, 100 URIs a request.
    pub async fn remove_items(&self, id: &str, uris: &[String]) -> Result<Option<String>> {
        let mut unique: Vec<&String> = Vec::with_capacity(uris.len());
        let mut seen = std::collections::HashSet::new();
        unique.extend(uris.iter().filter(|u| seen.insert(u.as_str())));
        let mut snapshot = None;
        for batch in unique.chunks(WRITE_BATCH) {
            let items: Vec<_> = batch.iter().map(|u| json!({ "uri": u })).collect();
            let v = self
                .write(
                    Method::DELETE,
                    "DELETE /playlists/{id}/items",
                    &format!("/playlists/{id}/items"),
                    &json!({ "items": items }),
                )
                .await?;
            snapshot = Some(snapshot_of(v)?);
        }
        Ok(snapshot)
    }

    /// Moves `range_length` items starting at `range_start` to before `insert_before`.
    pub async fn reorder_items(
        &self,
        id: &str,
        range_start: usize,
        insert_before: usize,
        range_length: usize,
    ) -> Result<String> {
        let body = json!({
            "range_start": range_start,
            "insert_before": insert_before,
            "range_length": range_length,
        });
        let v = self
            .write(
                Method::PUT,
                "PUT /playlists/{id}/items",
                &format!("/playlists/{id}/items"),
                &body,
            )
            .await?;
        snapshot_of(v)
    }

    /// Reads every page of a list, checking that the pages add up.
    pub(crate) async fn all_pages<T: DeserializeOwned>(
        &self,
        route: &'static str,
        first: String,
    ) -> Result<Vec<T>> {
        let mut out: Vec<T> = Vec::new();
        let mut url = first;
        let mut total: Option<u64> = None;
        loop {
            let page: Page<T> = self.read(route, &url, check_page).await?;
            if total.is_some_and(|t| t != page.total) {
                return Err(SpotifyError::Incomplete(format!(
                    "{route}: the list changed while it was read"
                )));
            }
            total = Some(page.total);
            out.extend(page.items);
            match page.next {
                Some(next) => url = next,
                None => break,
            }
        }
        let total = total.unwrap_or(0);
        if out.len() as u64 != total {
            return Err(SpotifyError::Incomplete(format!(
                "{route}: read {} of {total} items",
                out.len()
            )));
        }
        Ok(out)
    }
}

/// A page with fewer items than asked for while more follow, or one that stops short of the
/// total, is not a page to build on.
fn check_page<T>(page: &Page<T>) -> Result<()> {
    let got = page.items.len() as u64;
    if page.next.is_some() && got < page.limit {
        return Err(SpotifyError::Incomplete(format!(
            "short page: {got} items of {} at offset {}",
            page.limit, page.offset
        )));
    }
    if page.next.is_none() && page.offset + got < page.total {
        return Err(SpotifyError::Incomplete(format!(
            "the last page ends at {} of {}",
            page.offset + got,
            page.total
        )));
    }
    Ok(())
}

fn snapshot_of(v: serde_json::Value) -> Result<String> {
    serde_json::from_value::<SnapshotId>(v)
        .map(|s| s.snapshot_id)
        .map_err(|e| SpotifyError::Protocol(format!("write answer: {e}")))
}
