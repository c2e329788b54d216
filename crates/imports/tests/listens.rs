//! Listens without a duration (what scrobblers send by default, and ListenBrainz exports
//! hold): imported from a file or recorded live, they are kept as confirmed listens with no
//! length, and read back for statistics as confirmed, with the catalog track's duration when
//! the catalog has one. SQLite always; PostgreSQL when `MEDLEY_TEST_DATABASE_URL` is set.

use std::sync::Arc;

use medley_domain::catalog::NewTrack;
use medley_history::{read_file, ReadOptions, RowOutcome};
use medley_imports::{collect, record, Importer, LivePlay, Progress, ZipLimits};
use medley_store::testing::{TestDb, POSTGRES_ENV};
use medley_store::{NewUser, Precision, Store};

/// 2024-05-01T10:00:17Z, in seconds.
const AT: i64 = 1_714_557_617;
const NOW_MS: i64 = 1_800_000_000_000;

fn listen(at: i64, artist: &str, track: &str, duration_ms: Option<i64>) -> String {
    let info = match duration_ms {
        Some(ms) => format!(r#", "additional_info": {{"duration_ms": {ms}}}"#),
        None => String::new(),
    };
    format!(
        r#"{{"listened_at": {at}, "track_metadata": {{"artist_name": "{artist}", "track_name": "{track}", "release_name": "Album"{info}}}}}"#
    )
}

async fn listens_without_a_duration_are_confirmed(store: Arc<dyn Store>) {
    let ana = store
        .create_user(NewUser {
            id: medley_domain::UserId::new(),
            username: "ana".into(),
            password_hash: "-".into(),
            display_name: None,
            now_ms: 1,
        })
        .await
        .unwrap()
        .id;
    store
        .upsert_tracks(
            &[NewTrack {
                name: "Known".into(),
                artists: vec!["Band".into()],
                album: Some("Album".into()),
                duration_ms: 215_000,
                ..Default::default()
            }],
            1,
        )
        .await
        .unwrap();

    // A ListenBrainz export: a listen of a catalog track, one of a track Medley learns from
    // it, both without a duration, and one with its track's length.
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        listen(AT, "Band", "Known", None),
        listen(AT + 600, "Other", "Fresh", None),
        listen(AT + 1200, "Other", "Short", Some(20_000)),
    ];
    std::fs::write(dir.path().join("listens.jsonl"), rows.join("\n")).unwrap();
    let entries = collect(&[dir.path().to_path_buf()], &ZipLimits::default()).unwrap();
    let import_id = medley_domain::ImportId::from("i1");
    store
        .create_import(&import_id, &ana, "listens", 0, 1)
        .await
        .unwrap();
    let report = Importer::new(store.clone())
        .run(
            &ana,
            &import_id,
            &entries,
            &Arc::new(Progress::default()),
            NOW_MS,
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(report.totals.added, 3, "{report:?}");

    // A submission to the ListenBrainz API goes through the same reader, then `record`.
    let submitted = listen(AT + 1800, "Band", "Known", None);
    let mut plays = Vec::new();
    read_file(submitted.as_bytes(), &ReadOptions::new(NOW_MS), |row| {
        if let RowOutcome::Parsed { play, .. } = row {
            plays.push(LivePlay { play, item: None });
        }
    })
    .unwrap();
    let recorded = record(&store, &ana, plays, "listenbrainz", Precision::Live, NOW_MS)
        .await
        .unwrap();
    assert_eq!(recorded.added, 1);

    let read: Vec<(bool, i64)> = store
        .stat_plays_after(&ana, 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|p| (p.confirmed, p.ms_played))
        .collect();
    assert_eq!(
        read,
        [(true, 215_000), (true, 0), (true, 20_000), (true, 215_000)],
        "the catalog's duration where the listen has none and the catalog knows it"
    );
}

#[tokio::test]
async fn sqlite_listens_without_a_duration_are_confirmed() {
    let db = TestDb::sqlite();
    listens_without_a_duration_are_confirmed(Arc::new(db.connect().await.unwrap())).await;
}

#[tokio::test]
async fn postgres_listens_without_a_duration_are_confirmed() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("skipped: {POSTGRES_ENV} is not set");
        return;
    };
    listens_without_a_duration_are_confirmed(Arc::new(db.connect().await.unwrap())).await;
}
