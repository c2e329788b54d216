//! Imports of listening history: progress, and imports whose node is gone.

use medley_domain::ImportId;
use medley_store::{ImportStatus, ImportStore, SqlStore, UserStore};

use crate::new_user;

on_both_backends!(imports_record_progress_and_stale_ones_fail);

async fn imports_record_progress_and_stale_ones_fail(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap().id;
    let ben = store.create_user(new_user("ben")).await.unwrap().id;
    let (first, old) = (ImportId::from("i1"), ImportId::from("i2"));
    store
        .create_import(&first, &ana, "export.zip", 100, 1_000)
        .await
        .unwrap();
    store
        .create_import(&old, &ana, "old.json", 10, 1_000)
        .await
        .unwrap();
    store
        .import_progress(&first, 40, 7, "{\"files\":[]}", 5_000)
        .await
        .unwrap();
    let i1 = store.import(&ana, &first).await.unwrap().unwrap();
    assert_eq!(
        (i1.status, i1.bytes_done, i1.rows_done),
        (ImportStatus::Running, 40, 7)
    );
    assert!(
        store.import(&ben, &first).await.unwrap().is_none(),
        "only its owner sees it"
    );
    // i2 made no progress since 1,000: its node is gone.
    assert_eq!(store.fail_stale_imports(2_000, 6_000).await.unwrap(), 1);
    let i2 = store.import(&ana, &old).await.unwrap().unwrap();
    assert_eq!(i2.status, ImportStatus::Failed);
    assert!(i2.error.unwrap().contains("upload the export again"));
    store
        .finish_import(&first, 9, "{}", None, 7_000)
        .await
        .unwrap();
    let i1 = store.import(&ana, &first).await.unwrap().unwrap();
    assert_eq!(
        (i1.status, i1.bytes_done, i1.rows_done),
        (ImportStatus::Done, 100, 9)
    );
    assert_eq!(i1.finished_at_ms, Some(7_000));
    let all = store.imports(&ana, 10, 0).await.unwrap();
    assert_eq!(all.len(), 2);
}
