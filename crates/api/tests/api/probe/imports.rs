//! Interrupted imports end `failed` promptly whichever process notices, and the upload folder
//! keeps nothing a crash left behind.

use std::sync::Arc;
use std::time::Duration;

use medley_api::ApiConfig;
use medley_domain::{ImportId, UserId};
use medley_store::testing::TestDb;
use medley_store::{Backend, NewUser, Store};
use reqwest::StatusCode;

use crate::harness::TestApp;
use crate::on_both_backends;

async fn db(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(TestDb::sqlite()),
        Backend::Postgres => TestDb::postgres().await,
    }
}

/// A user and an import left `running` by a process killed `ago_ms` ago, straight in the
/// store (as `medley import` leaves it); returns the user's id.
async fn killed_import(store: &dyn Store, user: Option<&UserId>, id: &str, ago_ms: i64) -> UserId {
    let user = match user {
        Some(u) => u.to_owned(),
        None => {
            let id = UserId::new();
            store
                .create_user(NewUser {
                    id: id.clone(),
                    username: "ana".into(),
                    password_hash: "x".into(),
                    display_name: None,
                    now_ms: medley_app::now_ms(),
                })
                .await
                .unwrap();
            id
        }
    };
    store
        .create_import(
            &ImportId::from(id),
            &user,
            "endsong_0.json",
            1000,
            medley_app::now_ms() - ago_ms,
        )
        .await
        .unwrap();
    user
}

async fn status(store: &dyn Store, user: &UserId, id: &str) -> (String, Option<String>) {
    let i = store
        .import(user, &ImportId::from(id))
        .await
        .unwrap()
        .expect("the import");
    (i.status.to_string(), i.error)
}

async fn interrupted_imports_end_failed_promptly(backend: Backend) {
    let Some(db) = db(backend).await else {
        return;
    };
    // Left by a process killed a minute before the server starts: failed at start.
    let store: Arc<dyn Store> = Arc::new(db.connect().await.unwrap());
    let user = killed_import(store.as_ref(), None, "before-start", 60_000).await;
    // An import whose process is alive (its progress is fresh) is left alone.
    killed_import(store.as_ref(), Some(&user), "alive", 0).await;
    let app = TestApp::spawn_with(db, ApiConfig::default()).await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    let (s, error) = status(app.store.as_ref(), &user, "before-start").await;
    assert_eq!(s, "failed");
    assert!(error.unwrap().contains("stopped during this import"));
    assert_eq!(
        status(app.store.as_ref(), &user, "alive").await.0,
        "running"
    );

    // Killed while the server runs: the server notices within its check.
    killed_import(app.store.as_ref(), Some(&user), "while-serving", 60_000).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut every = tokio::time::interval(Duration::from_millis(200));
    loop {
        every.tick().await;
        if status(app.store.as_ref(), &user, "while-serving").await.0 == "failed" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "a killed import is still `running` 20 s later"
        );
    }
    assert_eq!(
        status(app.store.as_ref(), &user, "alive").await.0,
        "running"
    );
}

async fn leftover_uploads_are_removed_at_start(backend: Backend) {
    let Some(db) = db(backend).await else {
        return;
    };
    let spool = tempfile::tempdir().unwrap();
    let dir = spool.path();
    let store: Arc<dyn Store> = Arc::new(db.connect().await.unwrap());
    let user = killed_import(store.as_ref(), None, "crashed", 60_000).await;
    killed_import(store.as_ref(), Some(&user), "live", 0).await;
    for name in [
        "crashed.upload",    // its import was interrupted
        "unrecorded.upload", // the crash came before the import was recorded
        "0123456789.audio",  // an audio upload's spool
        "live.upload",       // an import still running: kept
        "notes.txt",         // not Medley's: left alone
    ] {
        std::fs::write(dir.join(name), vec![b'x'; 1024]).unwrap();
    }
    let config = ApiConfig {
        spool_dir: dir.to_owned(),
        ..ApiConfig::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    let mut left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["live.upload", "notes.txt"]);
}

on_both_backends!(
    interrupted_imports_end_failed_promptly,
    leftover_uploads_are_removed_at_start
);
