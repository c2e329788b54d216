//! The queue against a real (SQLite) database, for what the conformance suite cannot write
//! through the trait: rows a newer release stored.

use super::*;
use crate::testing::TestDb;

/// Work a newer release queued, of a kind this one does not know, is not leased here (it
/// waits for a node that knows it) and does not stop the known work behind it; a job
/// row whose pause reason this release does not know reads as corrupt, naming it.
#[tokio::test]
async fn unknown_stored_values_are_refused_by_name() {
    let db = TestDb::sqlite();
    let store = db.connect().await.unwrap();
    sqlx::query(
        "INSERT INTO work_queue (id, kind, subject, detail, run_at, created_at) \
         VALUES ('q1', 'from_the_future', 's', '', 0, 0)",
    )
    .execute(&store.write)
    .await
    .unwrap();
    store
        .enqueue(JobKind::Import, "i1", "", 1, 0)
        .await
        .unwrap();
    let leased = store.lease("n1", 10, 1000, 10).await.unwrap();
    assert_eq!(
        leased
            .iter()
            .map(|j| (j.kind, j.subject.as_str()))
            .collect::<Vec<_>>(),
        [(JobKind::Import, "i1")]
    );
    assert_eq!(
        store.queue_len().await.unwrap(),
        2,
        "the unknown work stays queued"
    );

    let e = stored_enum::<PauseReason>("owner_on_holiday", "sync job pause reason").unwrap_err();
    assert_eq!(
        e.to_string(),
        "stored data is corrupt: unknown sync job pause reason `owner_on_holiday` \
         (this release knows spotify_reconnect)"
    );
}
