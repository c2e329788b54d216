//! Sync jobs, their runs, and the queue that leases work to nodes.

use medley_domain::SyncJobId;
use medley_store::{
    JobKind, JobStore, PauseReason, SqlStore, StoreError, SyncJob, Trigger, UserStore,
};

use crate::new_user;

on_both_backends!(sync_jobs_and_runs, the_queue_leases_each_job_to_one_node);

async fn sync_jobs_and_runs(store: SqlStore) {
    let owner = store.create_user(new_user("owner")).await.unwrap();
    let job = SyncJob {
        id: SyncJobId::new(),
        owner_id: owner.id.clone(),
        source_uri: "medley:playlist:a".into(),
        target_uri: "medley:playlist:b".into(),
        schedule: "0 9 * * MON".into(),
        timezone: "Europe/Berlin".into(),
        paused: false,
        paused_reason: None,
        next_run_at_ms: Some(100),
        ledger: Default::default(),
        ledger_version: 0,
        created_at_ms: 1,
    };
    store.create_sync_job(&job).await.unwrap();
    assert_eq!(store.sync_job(&job.id).await.unwrap().unwrap(), job);
    assert_eq!(store.user_sync_jobs(&owner.id).await.unwrap().len(), 1);
    assert!(store.due_sync_jobs(99).await.unwrap().is_empty());
    assert_eq!(store.due_sync_jobs(100).await.unwrap()[0].id, job.id);
    assert!(store
        .advance_sync_job(&job.id, Some(100), Some(200))
        .await
        .unwrap());
    assert!(
        !store
            .advance_sync_job(&job.id, Some(100), Some(300))
            .await
            .unwrap(),
        "advanced once only"
    );
    store
        .set_sync_job_paused(&job.id, true, Some(PauseReason::SpotifyReconnect), None)
        .await
        .unwrap();
    assert!(
        store.due_sync_jobs(1_000).await.unwrap().is_empty(),
        "paused jobs are not due"
    );
    let paused = store.sync_job(&job.id).await.unwrap().unwrap();
    assert_eq!(paused.paused_reason, Some(PauseReason::SpotifyReconnect));
    store
        .set_sync_job_paused(
            &job.id,
            false,
            Some(PauseReason::SpotifyReconnect),
            Some(500),
        )
        .await
        .unwrap();
    let resumed = store.sync_job(&job.id).await.unwrap().unwrap();
    assert_eq!(
        (
            resumed.paused,
            resumed.paused_reason,
            resumed.next_run_at_ms
        ),
        (false, None, Some(500)),
        "a running job has no pause reason"
    );
    store
        .set_sync_job_paused(&job.id, true, None, None)
        .await
        .unwrap();
    assert_eq!(
        store
            .sync_job(&job.id)
            .await
            .unwrap()
            .unwrap()
            .paused_reason,
        None,
        "paused by its owner"
    );

    let mut ledger = medley_compose::Ledger::default();
    ledger.sources.insert("x".into(), Default::default());
    store.save_sync_ledger(&job.id, 0, &ledger).await.unwrap();
    assert!(matches!(
        store.save_sync_ledger(&job.id, 0, &ledger).await,
        Err(StoreError::StaleSnapshot { .. })
    ));
    assert_eq!(
        store.sync_job(&job.id).await.unwrap().unwrap().ledger,
        ledger
    );

    let mut first = store.start_run(&job.id, Trigger::Manual, 10).await.unwrap();
    first.finished_at_ms = Some(11);
    first.added = 3;
    first.skipped = 2;
    store.finish_run(&first).await.unwrap();
    let second = store
        .start_run(&job.id, Trigger::Schedule, 20)
        .await
        .unwrap();
    let (runs, total) = store.sync_runs(&job.id, 10, 0).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(runs[0], second, "newest first");
    assert_eq!(runs[1], first);
    assert!(store.delete_sync_job(&job.id).await.unwrap());
    assert!(store.sync_job(&job.id).await.unwrap().is_none());
    assert_eq!(
        store.sync_runs(&job.id, 10, 0).await.unwrap().1,
        0,
        "runs go with the job"
    );
}

async fn the_queue_leases_each_job_to_one_node(store: SqlStore) {
    for i in 0..20 {
        store
            .enqueue(JobKind::SyncJob, &format!("job{i}"), "", 5, 0)
            .await
            .unwrap();
    }
    store
        .enqueue(JobKind::SyncJob, "job0", "", 1, 0)
        .await
        .unwrap();
    assert_eq!(
        store.queue_len().await.unwrap(),
        20,
        "one pending job per subject"
    );
    assert!(
        store.lease("n1", 0, 1000, 10).await.unwrap().is_empty(),
        "not due yet"
    );

    // Two nodes lease concurrently: every job goes to exactly one of them.
    let (a, b) = tokio::join!(
        store.lease("n1", 10, 1000, 15),
        store.lease("n2", 10, 1000, 15)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut all: Vec<String> = a.iter().chain(&b).map(|j| j.subject.clone()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), a.len() + b.len(), "no job leased twice");
    assert_eq!(all.len(), 20);
    assert!(
        store.lease("n3", 500, 1000, 50).await.unwrap().is_empty(),
        "leases hold"
    );

    let done = &a[0];
    store.complete(done, "n2").await.unwrap();
    assert_eq!(
        store.queue_len().await.unwrap(),
        20,
        "only the lease holder completes"
    );
    store.complete(done, "n1").await.unwrap();
    assert_eq!(store.queue_len().await.unwrap(), 19);
    // Asked for again while it runs: completing the older run leaves it queued and due.
    let running = &a[2];
    store
        .enqueue(JobKind::SyncJob, &running.subject, "", 10, 10)
        .await
        .unwrap();
    store.complete(running, "n1").await.unwrap();
    assert_eq!(
        store.queue_len().await.unwrap(),
        19,
        "the newer request survives"
    );
    let rerun = store.lease("n1", 11, 1000, 50).await.unwrap();
    assert_eq!(
        rerun.iter().map(|j| j.subject.clone()).collect::<Vec<_>>(),
        vec![running.subject.clone()]
    );
    store.complete(&rerun[0], "n1").await.unwrap();
    assert_eq!(store.queue_len().await.unwrap(), 18);
    store.retry(&a[1].id, "n1", 2_000, "boom").await.unwrap();

    // n2 dies: after its leases run out, another node picks its jobs up.
    let again = store.lease("n3", 1_011, 1000, 50).await.unwrap();
    let expected = b.len() + a.len() - 3;
    assert_eq!(
        again.len(),
        expected,
        "expired leases are taken over; the retried job waits"
    );
    assert!(again.iter().all(|j| j.attempts == 2));
    let retried = store.lease("n3", 2_000, 1000, 50).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].subject, a[1].subject);
}
