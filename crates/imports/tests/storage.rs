//! Imports against the real store: what the SQLite play writer leaves behind, and migration
//! 0007 (plays by listener, time-ordered dedup codes) on databases that already hold plays.
//! Every test gets its own database; PostgreSQL runs when `MEDLEY_TEST_DATABASE_URL` is set.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use medley_domain::UserId;
use medley_history::synth::{write_extended, SynthConfig};
use medley_history::DedupKey;
use medley_imports::convert::{dedup_code, hash64};
use medley_imports::{collect, FileStatus, Importer, Progress, ZipLimits};
use medley_store::testing::TestDb;
use medley_store::{
    ItemRef, NewPlay, NewUser, PlayStore, PlayedItem, PlayedKind, Precision, SqlStore, Store,
    UserStore,
};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, Connection, Row};

fn new_user(name: &str) -> NewUser {
    NewUser {
        id: UserId::new(),
        username: name.into(),
        password_hash: "-".into(),
        display_name: None,
        now_ms: 1,
    }
}

async fn import(store: &Arc<dyn Store>, user: &UserId, dir: &Path) -> medley_imports::ImportReport {
    let entries = collect(&[dir.to_path_buf()], &ZipLimits::default()).unwrap();
    let import_id = medley_domain::ImportId::new();
    store
        .create_import(&import_id, user, "test", 0, 1)
        .await
        .unwrap();
    Importer::new(store.clone())
        .run(
            user,
            &import_id,
            &entries,
            &Arc::new(Progress::default()),
            1,
            |_| {},
        )
        .await
        .unwrap()
}

/// Rows of `PRAGMA foreign_key_check`: references to rows that do not exist.
async fn broken_references(url: &str) -> Vec<String> {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            format!(
                "{}: row {:?}",
                row.get::<String, _>(0),
                row.get::<Option<i64>, _>(1)
            )
        })
        .collect()
}

/// The SQLite writer does not check foreign keys itself (for speed): after imports that
/// created catalog items, one that reused them, and a file rolled back half-way, every
/// reference still points at a row, and the plays are all there.
#[tokio::test]
async fn sqlite_imports_leave_every_reference_whole() {
    sqlx::any::install_default_drivers();
    let db = TestDb::sqlite();
    let store: Arc<dyn Store> = Arc::new(db.connect().await.unwrap());
    let ana = store.create_user(new_user("ana")).await.unwrap().id;
    let dir = tempfile::tempdir().unwrap();
    let mut start_ms = 1_500_000_000_000;
    for seed in 1..=3 {
        let path = dir
            .path()
            .join(format!("Streaming_History_Audio_{seed}.json"));
        let summary = write_extended(
            &SynthConfig {
                seed,
                rows: 3_000,
                start_ms,
                ..SynthConfig::default()
            },
            BufWriter::new(File::create(&path).unwrap()),
        )
        .unwrap();
        start_ms = summary.last_ts_ms + 3_600_000;
    }
    // Cut off mid-row after many complete rows: its catalog items are created, then undone.
    let whole = std::fs::read(dir.path().join("Streaming_History_Audio_1.json")).unwrap();
    let mut cut = File::create(dir.path().join("Streaming_History_Audio_9.json")).unwrap();
    cut.write_all(&whole[..whole.len() * 9 / 10]).unwrap();
    drop(cut);

    let first = import(&store, &ana, dir.path()).await;
    assert_eq!(first.totals.files_imported, 3);
    assert_eq!(first.totals.files_rejected, 1);
    let again = import(&store, &ana, dir.path()).await;
    assert_eq!(again.totals.added, 0, "the same files add nothing");
    assert_eq!(again.totals.duplicate, first.totals.added);

    assert_eq!(broken_references(&db.url).await, Vec::<String>::new());
    let stored = store.stat_plays_after(&ana, 0, 100_000).await.unwrap();
    assert_eq!(stored.len() as u64, first.totals.added);
    let items: Vec<_> = stored.iter().map(|p| p.item_id.clone()).collect();
    let grouped = store.stat_items(&items).await.unwrap();
    assert!(
        stored.iter().all(|p| grouped.contains_key(&p.item_id)),
        "every play names a stored track or episode"
    );
    assert!(first
        .files
        .iter()
        .any(|f| f.status == FileStatus::Rejected && f.name.ends_with("_9.json")));
}

/// A write made while a play writer is open waits for it, neither failing nor blocking it,
/// and goes through once it commits.
#[tokio::test]
async fn sqlite_writes_queue_behind_an_open_play_writer() {
    let db = TestDb::sqlite();
    let store = db.connect().await.unwrap();
    let ana = store.create_user(new_user("ana")).await.unwrap().id;
    let mut writer = store.play_writer(&ana, None).await.unwrap();
    let waiting = tokio::spawn({
        let store = store.clone();
        async move { store.create_user(new_user("ben")).await }
    });
    let item = writer
        .resolve(
            &[PlayedItem::Track {
                spotify_id: Some("sp1".into()),
                name: "Song".into(),
                artist: "Band".into(),
                album: None,
            }],
            1,
        )
        .await
        .unwrap();
    let play = new_play(
        dedup_code(&key(1_600_000_000, "spotify:track:sp1")),
        item[0].clone(),
    );
    assert_eq!(writer.insert(vec![play]).await.unwrap(), 1);
    writer.commit().await.unwrap();
    waiting.await.unwrap().unwrap();
    assert_eq!(store.play_version(&ana).await.unwrap().last_seq, 1);
}

fn key(ended_at_s: i64, item: &str) -> DedupKey {
    DedupKey {
        ended_at_s,
        ms_played: 120_000,
        item: item.into(),
    }
}

fn new_play(dedup: i64, item: ItemRef) -> NewPlay {
    NewPlay {
        dedup,
        name_hash: 1,
        precision: Precision::Exact,
        started_at_ms: 0,
        ended_at_ms: 0,
        ms_played: 120_000,
        measured: true,
        kind: PlayedKind::Track,
        item,
        source: "extended_audio".into(),
        platform: None,
        country: None,
        reason_start: None,
        reason_end: None,
        shuffle: None,
        skipped: None,
        offline: None,
        offline_at_ms: None,
    }
}

/// Plays stored before migration 0007 (keyed by user id, deduplicated by a whole hash) get
/// the listener number and the dedup code new plays compute, so importing them again adds
/// nothing: before 1970, on a second boundary, and in the middle of a bucket.
async fn migration_keeps_old_plays_counted_once(url: &str, migrations: &str) {
    let mut before = Migrator::new(Path::new(migrations)).await.unwrap();
    before.migrations = before.migrations[..6].to_vec().into();
    {
        let mut conn = AnyConnection::connect(url).await.unwrap();
        before.run(&mut conn).await.unwrap();
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, created_at) \
             VALUES ('u1', 'ana', '-', 1), ('u2', 'ben', '-', 1)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        for statement in [
            "INSERT INTO artists (id, name, name_key, created_at) VALUES ('a1', 'Band', 'band', 1)",
            "INSERT INTO albums (id, name, name_key, artist_id, created_at) \
             VALUES ('b1', 'Song', 'song', 'a1', 1)",
            "INSERT INTO tracks (id, name, name_key, album_id, duration_ms, created_at) \
             VALUES ('t1', 'Song', 'song', 'b1', 0, 1)",
            "INSERT INTO track_artists (track_id, ord, artist_id) VALUES ('t1', 0, 'a1')",
        ] {
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        }
        for (user, ended_ms) in [
            ("u1", -20_400),
            ("u1", 1_600_000_000_500),
            ("u2", 1_700_000_007_499),
        ] {
            let ended_s = (ended_ms + 500_i64).div_euclid(1000);
            let old = hash64(&key(ended_s, "name:band\u{1f}song").to_string());
            sqlx::query(
                "INSERT INTO plays (user_id, dedup, name_hash, precision, started_at, ended_at, \
                 ms_played, measured, kind, track_id, source) \
                 VALUES ($1, $2, 1, 0, $3, $4, 120000, 1, 0, 't1', 'extended_audio')",
            )
            .bind(user)
            .bind(old)
            .bind(ended_ms - 120_000)
            .bind(ended_ms)
            .execute(&mut conn)
            .await
            .unwrap();
        }
        conn.close().await.unwrap();
    }

    let store = SqlStore::connect(url).await.unwrap();
    for (user, ended_ms) in [
        ("u1", -20_400),
        ("u1", 1_600_000_000_500),
        ("u2", 1_700_000_007_499),
    ] {
        let ended_s = (ended_ms + 500_i64).div_euclid(1000);
        let mut writer = store.play_writer(&UserId::from(user), None).await.unwrap();
        let item = writer
            .resolve(
                &[PlayedItem::Track {
                    spotify_id: None,
                    name: "Song".into(),
                    artist: "Band".into(),
                    album: None,
                }],
                1,
            )
            .await
            .unwrap();
        assert_eq!(
            item[0],
            ItemRef::Track("t1".into()),
            "found by artist and title"
        );
        let again = new_play(
            dedup_code(&key(ended_s, "name:band\u{1f}song")),
            item[0].clone(),
        );
        assert_eq!(
            writer.insert(vec![again]).await.unwrap(),
            0,
            "{user} {ended_ms}"
        );
        writer.commit().await.unwrap();
    }
    let (u1, u2) = (UserId::from("u1"), UserId::from("u2"));
    assert_eq!(store.stat_plays_after(&u1, 0, 10).await.unwrap().len(), 2);
    assert_eq!(store.stat_plays_after(&u2, 0, 10).await.unwrap().len(), 1);
    assert_eq!(store.play_version(&u2).await.unwrap().last_seq, 3);
}

#[tokio::test]
async fn sqlite_migration_keeps_old_plays_counted_once() {
    sqlx::any::install_default_drivers();
    let db = TestDb::sqlite();
    let url = format!("{}?mode=rwc", db.url);
    migration_keeps_old_plays_counted_once(&url, "../store/migrations/sqlite").await;
}

#[tokio::test]
async fn postgres_migration_keeps_old_plays_counted_once() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!(
            "skipped: {} is not set",
            medley_store::testing::POSTGRES_ENV
        );
        return;
    };
    migration_keeps_old_plays_counted_once(&db.url, "../store/migrations/postgres").await;
}
