//! One suite, two backends: every scenario runs on SQLite and, when
//! `MEDLEY_TEST_DATABASE_URL` is set, on PostgreSQL (each test in a fresh database).
//!
//! One file per area of the store; each lists its scenarios with `on_both_backends!`, which
//! makes an `<area>::sqlite::<scenario>` and an `<area>::postgres::<scenario>` test of each
//! (`cargo test -p medley-store --test conformance sqlite` runs one backend).

use medley_domain::catalog::NewTrack;
use medley_domain::{TrackId, UserId};
use medley_store::{CatalogStore, NewUser, SqlStore};

/// Makes a test per backend of each scenario, an `async fn(SqlStore)` of the calling module.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $scenario() {
                let db = medley_store::testing::TestDb::sqlite();
                super::$scenario(db.connect().await.unwrap()).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $scenario() {
                let Some(db) = medley_store::testing::TestDb::postgres().await else {
                    eprintln!("skipped: {} is not set", medley_store::testing::POSTGRES_ENV);
                    return;
                };
                super::$scenario(db.connect().await.unwrap()).await;
            })*
        }
    };
}

mod account_deletion;
mod audio;
mod catalog;
mod collection;
mod composites;
mod connections;
mod covers;
mod imports;
mod jobs;
mod library;
mod playlists;
mod plays;
mod propagation;
mod settings;
mod shows;
mod subsonic;
mod users;

pub(crate) fn new_user(name: &str) -> NewUser {
    NewUser {
        id: UserId::new(),
        username: name.into(),
        password_hash: "h".into(),
        display_name: None,
        now_ms: 1,
    }
}

pub(crate) fn track(name: &str, artist: &str, album: &str) -> NewTrack {
    NewTrack {
        name: name.into(),
        artists: vec![artist.into()],
        album: Some(album.into()),
        duration_ms: 200_000,
        ..Default::default()
    }
}

pub(crate) async fn seed_tracks(store: &SqlStore, n: usize) -> Vec<TrackId> {
    let tracks: Vec<NewTrack> = (0..n)
        .map(|i| track(&format!("Song {i}"), "Band", "Album"))
        .collect();
    store.upsert_tracks(&tracks, 1).await.unwrap()
}
