//! The work a playlist change leaves: in the change's own transaction, a resync of every
//! composite that reads the playlist, and of a composite a person edited.

use medley_compose::{Composite, Mode, Plan, Source};
use medley_store::{
    CompositeStore, DetailsChange, ItemsEdit, JobKind, JobStore, PlaylistStore, SqlStore,
    SyncWrite, UserStore,
};

use crate::new_user;
use crate::playlists::make_playlist;
use crate::seed_tracks;

on_both_backends!(each_playlist_change_queues_the_composites_that_follow_it);

fn reading(sources: &[&str]) -> Composite {
    Composite {
        sources: sources
            .iter()
            .map(|id| Source {
                uri: format!("medley:playlist:{id}"),
                mode: Mode::Include,
            })
            .collect(),
        options: Default::default(),
    }
}

/// The composites queued now, taking them off the queue.
async fn queued(store: &SqlStore) -> Vec<String> {
    let jobs = store.lease("checker", i64::MAX / 2, 1, 100).await.unwrap();
    for job in &jobs {
        assert_eq!(job.kind, JobKind::Composite);
        store.complete(job, "checker").await.unwrap();
    }
    let mut subjects: Vec<String> = jobs.into_iter().map(|j| j.subject).collect();
    subjects.sort();
    subjects
}

async fn each_playlist_change_queues_the_composites_that_follow_it(store: SqlStore) {
    let owner = store.create_user(new_user("owner")).await.unwrap().id;
    let tracks = seed_tracks(&store, 3).await;
    let source = make_playlist(&store, &owner).await;
    let mid = make_playlist(&store, &owner).await;
    let top = make_playlist(&store, &owner).await;
    let other = make_playlist(&store, &owner).await;
    store
        .put_composite(&mid, &reading(&[&source]), 1)
        .await
        .unwrap();
    store
        .put_composite(&top, &reading(&[&mid]), 1)
        .await
        .unwrap();
    assert!(queued(&store).await.is_empty());
    let add = |i: usize| ItemsEdit::Add {
        track_ids: vec![tracks[i].clone()],
        position: None,
    };

    store
        .edit_items(&source, &owner, None, add(0), 100, 2)
        .await
        .unwrap();
    assert_eq!(
        queued(&store).await,
        std::slice::from_ref(&mid),
        "only its direct reader"
    );
    store
        .edit_items(&other, &owner, None, add(0), 100, 3)
        .await
        .unwrap();
    assert!(queued(&store).await.is_empty(), "nobody reads it");

    // A person's edit of a composite: it learns the edit, and its readers follow.
    store
        .edit_items(&mid, &owner, None, add(1), 100, 4)
        .await
        .unwrap();
    let mut both = vec![mid.clone(), top.clone()];
    both.sort();
    assert_eq!(queued(&store).await, both);
    // Medley's own edit of a composite (a mirror, a sync job's copy): only its readers.
    store
        .edit_items_by_medley(&mid, &owner, add(2), 100, 5)
        .await
        .unwrap();
    assert_eq!(queued(&store).await, std::slice::from_ref(&top));

    // Details (who may read it) and a composite's own sync write count too.
    let private = DetailsChange {
        public: Some(false),
        ..Default::default()
    };
    store.update_playlist(&source, private, 6).await.unwrap();
    assert_eq!(queued(&store).await, std::slice::from_ref(&mid));
    let head = store.composite(&mid).await.unwrap().unwrap();
    let snapshot = store.playlist(&mid).await.unwrap().unwrap().snapshot_id;
    let plan = Plan {
        remove: vec![(0, tracks[1].clone())],
        ..Plan::default()
    };
    store
        .write_sync(SyncWrite {
            playlist_id: &mid,
            actor: &owner,
            ledger_version: head.ledger_version,
            before: &head.ledger,
            after: &head.ledger,
            plan: &plan,
            snapshot_id: &snapshot,
            report_json: "{}".into(),
            cap: 100,
            now_ms: 7,
            clear_intent: false,
        })
        .await
        .unwrap();
    assert_eq!(
        queued(&store).await,
        [top],
        "the write reaches its readers, not itself"
    );

    // A change that fails queues nothing: the work commits with the change or not at all.
    let stale = store
        .edit_items(&source, &owner, Some("not-the-snapshot"), add(1), 100, 8)
        .await;
    assert!(stale.is_err());
    assert!(queued(&store).await.is_empty());
}
