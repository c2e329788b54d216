//! Composite playlists: definitions, ledgers and syncs.

use medley_compose::{sync, Composite, Mode, Read, Source, SourceItem, SyncInput, Track};
use medley_store::{CompositeStore, PlaylistStore, SqlStore, StoreError, SyncWrite, UserStore};

use crate::playlists::{items_of, make_playlist};
use crate::{new_user, seed_tracks};

on_both_backends!(composites_store_definitions_ledgers_and_syncs);

fn engine_track(id: &str) -> Track {
    Track {
        id: id.into(),
        isrc: None,
        name: id.into(),
        artists: vec!["Band".into()],
        duration_ms: 1000,
        explicit: false,
    }
}

async fn composites_store_definitions_ledgers_and_syncs(store: SqlStore) {
    let owner = store.create_user(new_user("owner")).await.unwrap();
    let catalog = seed_tracks(&store, 4).await;
    let source = make_playlist(&store, &owner.id).await;
    let target = make_playlist(&store, &owner.id).await;
    let source_uri = format!("medley:playlist:{source}");
    let composite = Composite {
        sources: vec![Source {
            uri: source_uri.clone(),
            mode: Mode::Include,
        }],
        options: Default::default(),
    };
    assert!(store.composite(&target).await.unwrap().is_none());
    store.put_composite(&target, &composite, 1).await.unwrap();
    let stored = store.composite(&target).await.unwrap().unwrap();
    assert_eq!(stored.composite, composite);
    assert_eq!(
        store.composites_using(&source_uri).await.unwrap(),
        vec![target.clone()]
    );
    let graph = store.composite_graph().await.unwrap();
    assert_eq!(
        graph[&format!("medley:playlist:{target}")],
        vec![source_uri.clone()]
    );

    // A sync that adds two tracks: items and ledger in one transaction.
    let reads = [(
        source_uri.clone(),
        Read::Complete(
            catalog[..2]
                .iter()
                .map(|id| SourceItem {
                    track: engine_track(id),
                    added_at_ms: None,
                })
                .collect(),
        ),
    )]
    .into_iter()
    .collect();
    let out = sync(
        &stored.ledger,
        &SyncInput {
            composite: &composite,
            reads: &reads,
            target: &[],
            now_ms: 5,
        },
    );
    let snapshot = store.playlist(&target).await.unwrap().unwrap().snapshot_id;
    let write = |ledger_version, snapshot_id| SyncWrite {
        playlist_id: &target,
        actor: &owner.id,
        ledger_version,
        before: &stored.ledger,
        after: &out.ledger,
        plan: &out.plan,
        snapshot_id,
        report_json: "{}".into(),
        cap: 10_000,
        now_ms: 5,
        clear_intent: true,
    };
    // An intent recorded before writing an outside target, refused once the ledger moved.
    let intent = medley_compose::Intent {
        add: vec![engine_track(&catalog[0])],
        remove: vec![],
    };
    store
        .set_composite_intent(&target, stored.ledger_version, Some(&intent))
        .await
        .unwrap();
    assert_eq!(
        store.composite(&target).await.unwrap().unwrap().intent,
        Some(intent.clone())
    );
    assert!(matches!(
        store
            .set_composite_intent(&target, stored.ledger_version + 1, None)
            .await,
        Err(StoreError::StaleSnapshot { .. })
    ));
    assert!(matches!(
        store
            .write_sync(write(stored.ledger_version + 7, &snapshot))
            .await,
        Err(StoreError::StaleSnapshot { .. })
    ));
    assert!(matches!(
        store.write_sync(write(stored.ledger_version, "old")).await,
        Err(StoreError::StaleSnapshot { .. })
    ));
    assert_eq!(
        items_of(&store, &target).await,
        Vec::<String>::new(),
        "refused syncs wrote nothing"
    );
    let outcome = store
        .write_sync(write(stored.ledger_version, &snapshot))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.added, catalog[..2]);
    assert_eq!(items_of(&store, &target).await, catalog[..2]);
    let again = store.composite(&target).await.unwrap().unwrap();
    assert_eq!(again.ledger, out.ledger, "the ledger reads back as written");
    assert_eq!(again.ledger_version, stored.ledger_version + 1);
    assert_eq!(again.last_sync_ms, Some(5));
    assert_eq!(again.intent, None, "the sync's write cleared the intent");

    // Changing the definition keeps the ledger and the memo of a source that stays.
    let mut wider = composite.clone();
    wider.sources.push(Source {
        uri: "medley:playlist:0000000000000000000000".into(),
        mode: Mode::Exclude,
    });
    store.put_composite(&target, &wider, 6).await.unwrap();
    let changed = store.composite(&target).await.unwrap().unwrap();
    assert_eq!(changed.composite, wider);
    assert_eq!(changed.ledger.entries, out.ledger.entries);
    assert_eq!(
        changed.ledger.sources[&source_uri],
        out.ledger.sources[&source_uri]
    );

    assert!(store.delete_composite(&target).await.unwrap());
    assert!(store.composite(&target).await.unwrap().is_none());
    assert_eq!(
        items_of(&store, &target).await,
        catalog[..2],
        "a plain playlist again, items kept"
    );
    assert!(store
        .composites_using(&source_uri)
        .await
        .unwrap()
        .is_empty());
}
