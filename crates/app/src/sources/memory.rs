//! Ends held in memory, for the use cases' tests: no Spotify is configured and no HTTP is
//! spoken, yet the URIs may be Spotify's; the app reaches these through its `ends`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use medley_compose::{Read, SourceItem, Track};
use medley_domain::user::User;
use medley_domain::TrackId;

use medley_domain::catalog::NewTrack;
use medley_events::Bus;
use medley_search::SearchIndex;
use medley_store::testing::TestDb;
use medley_store::Store;

use super::{Ends, Source, Target};
use crate::catalog::{engine_track, tracks};
use crate::error::{AppError, AppResult};
use crate::spotify::collections::Work;
use crate::{accounts, App, AppConfig};

/// What the use cases' tests start from: an app on a fresh SQLite database (kept as long as
/// `db` lives), songs by one band in its catalog, as the engine sees them, and a user, ana.
pub struct Start {
    pub db: TestDb,
    pub app: App,
    pub songs: Vec<Track>,
    pub user: User,
}

/// [`Start`] with `n` songs, "Song 0" to "Song n-1", in that order.
pub async fn start(n: usize) -> Start {
    let db = TestDb::sqlite();
    let store: Arc<dyn Store> = Arc::new(db.connect().await.unwrap());
    let search = Arc::new(SearchIndex::in_memory().unwrap());
    let app = App::new(store, Bus::new(), search, AppConfig::default());
    let new: Vec<NewTrack> = (0..n)
        .map(|i| NewTrack {
            name: format!("Song {i}"),
            artists: vec!["Band".into()],
            album: Some("Album".into()),
            duration_ms: 200_000,
            ..Default::default()
        })
        .collect();
    let ids = app.store.upsert_tracks(&new, 1).await.unwrap();
    let found = tracks(&app, &ids).await.unwrap();
    let songs = ids
        .iter()
        .map(|id| engine_track(found.iter().find(|t| &t.id == id).unwrap()))
        .collect();
    let user = accounts::create_user(
        app.store.as_ref(),
        &app.bus,
        "ana",
        "a long enough password",
    )
    .await
    .unwrap();
    Start {
        db,
        app,
        songs,
        user,
    }
}

/// An end whose items the test sets, and which a sync may append to while it is `writable`
/// (when it is not, it is refused as any end the owner may not change is).
pub struct InMemory {
    pub uri: String,
    pub items: Mutex<Vec<SourceItem>>,
    pub writable: AtomicBool,
}

impl InMemory {
    pub fn new(uri: &str, tracks: &[&Track]) -> Arc<InMemory> {
        Arc::new(InMemory {
            uri: uri.into(),
            items: Mutex::new(items(tracks)),
            writable: AtomicBool::new(true),
        })
    }

    /// The ids of the tracks it holds, in order.
    pub fn held(&self) -> Vec<TrackId> {
        let items = self.items.lock().unwrap();
        items.iter().map(|i| i.track.id.clone()).collect()
    }
}

/// Items for `tracks`, in order, without times.
pub fn items(tracks: &[&Track]) -> Vec<SourceItem> {
    tracks
        .iter()
        .map(|t| SourceItem {
            track: (*t).clone(),
            added_at_ms: None,
        })
        .collect()
}

#[async_trait]
impl Source for InMemory {
    fn uri(&self) -> String {
        self.uri.clone()
    }

    async fn check_readable(&self, _: &App, _: &User) -> AppResult<()> {
        Ok(())
    }

    async fn read(&self, _: &App, _: &User, _: &mut Work) -> AppResult<Read> {
        Ok(Read::Complete(self.items.lock().unwrap().clone()))
    }
}

#[async_trait]
impl Target for InMemory {
    async fn check_writable(&self, _: &App, _: &User) -> AppResult<()> {
        if self.writable.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("`{}` is read-only", self.uri)))
        }
    }

    async fn check_still_writable(&self, app: &App, owner: &User) -> AppResult<()> {
        self.check_writable(app, owner).await
    }

    async fn append(&self, app: &App, _: &User, ids: &[TrackId], _: &mut Work) -> AppResult<usize> {
        let found = tracks(app, ids).await?;
        let by_id: HashMap<&str, &medley_domain::catalog::Track> =
            found.iter().map(|t| (t.id.as_str(), t)).collect();
        let mut items = self.items.lock().unwrap();
        for id in ids {
            let track = by_id.get(id.as_str()).expect("a catalog track");
            items.push(SourceItem {
                track: engine_track(track),
                added_at_ms: None,
            });
        }
        Ok(0)
    }

    fn spotify_only(&self) -> bool {
        false
    }
}

/// The ends a test holds, by URI: `sources` can only be read, `targets` read and written.
#[derive(Default)]
pub struct InMemoryEnds {
    pub sources: HashMap<String, Arc<InMemory>>,
    pub targets: HashMap<String, Arc<InMemory>>,
}

impl Ends for InMemoryEnds {
    fn source(&self, uri: &str) -> AppResult<Arc<dyn Source>> {
        match self.sources.get(uri).or_else(|| self.targets.get(uri)) {
            Some(end) => Ok(end.clone()),
            None => Err(AppError::Invalid(format!("no end `{uri}` in this test"))),
        }
    }

    fn target(&self, uri: &str) -> AppResult<Arc<dyn Target>> {
        match self.targets.get(uri) {
            Some(end) => Ok(end.clone()),
            None => Err(AppError::Invalid(format!(
                "`{uri}` cannot be written to: a target is one of {}",
                self.targets
                    .keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}
