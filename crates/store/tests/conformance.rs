//! One suite, two backends: every scenario runs on SQLite and, when
//! `MEDLEY_TEST_DATABASE_URL` is set, on PostgreSQL (each test in a fresh database).

use medley_compose::{sync, Composite, Mode, Read, Source, SourceItem, SyncInput, Track};
use medley_domain::catalog::NewTrack;
use medley_domain::edit::{apply, Edit, EditError};
use medley_domain::new_id;
use medley_store::{
    CatalogStore, CompositeStore, ConnectionStatus, ConnectionStore, DetailsChange, ImportStatus,
    ImportStore, ItemRef, ItemsEdit, JobStore, LibraryStore, NewConnection, NewPlay, NewPlaylist,
    NewToken, NewUser, PlayStore, PlayedItem, PlayedKind, PlaylistStore, Precision, SqlStore,
    StoreError, SyncJob, SyncWrite, Trigger, UserStore, PAUSED_FOR_RECONNECT,
};
use rand::{Rng, SeedableRng};

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

on_both_backends!(
    users_tokens_and_follows,
    catalog_finds_or_creates_by_name,
    playlist_edits_match_the_reference_model,
    stale_snapshots_and_caps_change_nothing,
    playlist_details_and_membership,
    saved_tracks,
    composites_store_definitions_ledgers_and_syncs,
    sync_jobs_and_runs,
    the_queue_leases_each_job_to_one_node,
    plays_resolve_items_deduplicate_and_roll_back,
    imports_record_progress_and_stale_ones_fail,
    spotify_connections_authorizations_pauses_and_usage,
);

fn new_user(name: &str) -> NewUser {
    NewUser {
        id: new_id(),
        username: name.into(),
        password_hash: "h".into(),
        display_name: None,
        now_ms: 1,
    }
}

fn track(name: &str, artist: &str, album: &str) -> NewTrack {
    NewTrack {
        name: name.into(),
        artists: vec![artist.into()],
        album: Some(album.into()),
        duration_ms: 200_000,
        ..Default::default()
    }
}

async fn seed_tracks(store: &SqlStore, n: usize) -> Vec<String> {
    let tracks: Vec<NewTrack> = (0..n)
        .map(|i| track(&format!("Song {i}"), "Band", "Album"))
        .collect();
    store.upsert_tracks(&tracks, 1).await.unwrap()
}

async fn users_tokens_and_follows(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap();
    let bob = store.create_user(new_user("bob")).await.unwrap();
    assert!(ana.is_admin, "the first user is an administrator");
    assert!(!bob.is_admin);
    match store.create_user(new_user("ana")).await {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("ana")),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.user_count().await.unwrap(), 2);
    let (found, hash) = store.user_by_username("bob").await.unwrap().unwrap();
    assert_eq!((found.id.as_str(), hash.as_str()), (bob.id.as_str(), "h"));

    let token = |hash: &str, expires| NewToken {
        token_hash: hash.into(),
        user_id: ana.id.clone(),
        kind: "session".into(),
        label: None,
        now_ms: 10,
        expires_at_ms: expires,
    };
    store.insert_token(token("t1", None)).await.unwrap();
    store.insert_token(token("t2", Some(100))).await.unwrap();
    assert_eq!(
        store.user_for_token("t1", 50).await.unwrap().unwrap().id,
        ana.id
    );
    assert!(store.user_for_token("t2", 50).await.unwrap().is_some());
    assert!(
        store.user_for_token("t2", 100).await.unwrap().is_none(),
        "expired"
    );
    assert!(store.revoke_token("t1").await.unwrap());
    assert!(
        store.user_for_token("t1", 50).await.unwrap().is_none(),
        "revoked"
    );
    store.insert_token(token("t3", None)).await.unwrap();
    store.insert_token(token("t4", None)).await.unwrap();
    assert_eq!(
        store.revoke_user_tokens(&ana.id, Some("t4")).await.unwrap(),
        2
    );
    assert!(store.user_for_token("t4", 50).await.unwrap().is_some());

    store
        .follow_users(&ana.id, std::slice::from_ref(&bob.id), 5)
        .await
        .unwrap();
    store
        .follow_users(&ana.id, std::slice::from_ref(&bob.id), 6)
        .await
        .unwrap();
    assert_eq!(store.follower_count(&bob.id).await.unwrap(), 1);
    assert_eq!(
        store
            .follows_users(&ana.id, &[bob.id.clone(), ana.id.clone()])
            .await
            .unwrap(),
        vec![true, false]
    );
    assert!(matches!(
        store
            .follow_users(&bob.id, &[ana.id.clone(), new_id()], 7)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.follower_count(&ana.id).await.unwrap(),
        0,
        "nothing written for a partly unknown list"
    );
    store
        .unfollow_users(&ana.id, std::slice::from_ref(&bob.id))
        .await
        .unwrap();
    assert_eq!(store.follower_count(&bob.id).await.unwrap(), 0);
}

async fn catalog_finds_or_creates_by_name(store: SqlStore) {
    let mut a = track("One", "AC/DC", "Back in Black");
    a.isrc = Some("AUAP08000001".into());
    a.spotify_id = Some("08mG3Y1vljYA6bvDt4Wqkj".into());
    let b = track("Two", "ac/dc", "back in  black");
    let mut c = track("Three", "AC/DC", "Highway to Hell");
    c.artists.push("Guest".into());
    let ids = store.upsert_tracks(&[a.clone(), b, c], 1).await.unwrap();
    assert_eq!(ids.len(), 3);
    let again = store.upsert_tracks(&[a], 2).await.unwrap();
    assert_eq!(again[0], ids[0], "the same track is found, not duplicated");
    assert_eq!(store.track_count().await.unwrap(), 3);

    let tracks = store
        .tracks(&[ids[2].clone(), ids[0].clone(), new_id(), ids[0].clone()])
        .await
        .unwrap();
    assert_eq!(
        tracks.len(),
        3,
        "unknown ids are skipped, duplicates kept, order kept"
    );
    assert_eq!(tracks[0].name, "Three");
    assert_eq!(
        tracks[0]
            .artists
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["AC/DC", "Guest"]
    );
    assert_eq!(tracks[1].album.name, "Back in Black");
    assert_eq!(tracks[1].isrc.as_deref(), Some("AUAP08000001"));
    let second = store.tracks(&[ids[1].clone()]).await.unwrap();
    assert_eq!(
        second[0].album.id, tracks[1].album.id,
        "albums are matched by name, ignoring case and spacing"
    );
    assert_eq!(second[0].track_number, 2);

    let by_spotify = store
        .tracks_by_spotify_ids(&["08mG3Y1vljYA6bvDt4Wqkj".into()])
        .await
        .unwrap();
    assert_eq!(by_spotify.get("08mG3Y1vljYA6bvDt4Wqkj"), Some(&ids[0]));
    let artist_id = tracks[0].artists[0].id.clone();
    let (albums, total) = store.artist_albums(&artist_id, 10, 0).await.unwrap();
    assert_eq!((albums.len(), total), (2, 2));
    let album = store.album(&tracks[1].album.id).await.unwrap().unwrap();
    assert_eq!(album.total_tracks, 2);
    assert_eq!(
        store.album_track_ids(&album.id, 10, 0).await.unwrap(),
        vec![ids[0].clone(), ids[1].clone()]
    );
    assert!(store.artist(&new_id()).await.unwrap().is_none());

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let batch = store.tracks_after(after.as_deref(), 2).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        seen.extend(batch.into_iter().map(|t| t.id));
    }
    seen.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected);
}

async fn make_playlist(store: &SqlStore, owner: &str) -> String {
    let id = new_id();
    store
        .create_playlist(NewPlaylist {
            id: id.clone(),
            owner_id: owner.into(),
            name: "Mix".into(),
            description: None,
            public: true,
            collaborative: false,
            now_ms: 1,
        })
        .await
        .unwrap();
    id
}

async fn items_of(store: &SqlStore, playlist: &str) -> Vec<String> {
    let items = store.playlist_items(playlist, 100_000, 0).await.unwrap();
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item.position, i as i64, "positions stay dense");
    }
    items.into_iter().map(|i| i.track_id).collect()
}

/// Random edits applied to the store and to the in-memory reference must agree after every
/// step, and every accepted edit must produce a new snapshot.
async fn playlist_edits_match_the_reference_model(store: SqlStore) {
    let owner = store.create_user(new_user("owner")).await.unwrap();
    let catalog = seed_tracks(&store, 12).await;
    let playlist = make_playlist(&store, &owner.id).await;
    let cap = 40;
    let mut model: Vec<String> = Vec::new();
    let mut snapshot = store
        .playlist(&playlist)
        .await
        .unwrap()
        .unwrap()
        .snapshot_id;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for step in 0..150 {
        let len = model.len() as i64;
        let pick = |rng: &mut rand::rngs::StdRng, n: usize| -> Vec<String> {
            (0..n)
                .map(|_| catalog[rng.gen_range(0..catalog.len())].clone())
                .collect()
        };
        let (edit, reference) = match rng.gen_range(0..5) {
            0 | 1 => {
                let n = rng.gen_range(1..6);
                let items = pick(&mut rng, n);
                let position = rng.gen_bool(0.5).then(|| rng.gen_range(0..=len + 1));
                (
                    ItemsEdit::Add {
                        track_ids: items.clone(),
                        position,
                    },
                    Edit::Add { items, position },
                )
            }
            2 => {
                let n = rng.gen_range(1..3);
                let items = pick(&mut rng, n);
                (
                    ItemsEdit::RemoveTracks {
                        track_ids: items.clone(),
                    },
                    Edit::RemoveAll { items },
                )
            }
            3 if len > 0 => {
                let positions: Vec<i64> = (0..rng.gen_range(1..4))
                    .map(|_| rng.gen_range(0..len))
                    .collect();
                let items = positions
                    .iter()
                    .map(|&p| (p, model[p as usize].clone()))
                    .collect();
                (
                    ItemsEdit::RemoveAt { items },
                    Edit::RemovePositions { positions },
                )
            }
            _ => {
                let range_start = rng.gen_range(0..=len);
                let range_length = rng.gen_range(1..4);
                let insert_before = rng.gen_range(0..=len + 1);
                (
                    ItemsEdit::Reorder {
                        range_start,
                        range_length,
                        insert_before,
                    },
                    Edit::Reorder {
                        range_start,
                        range_length,
                        insert_before,
                    },
                )
            }
        };
        let expected = apply(&mut model, &reference, cap);
        let got = store
            .edit_items(&playlist, &owner.id, Some(&snapshot), edit.clone(), cap, 2)
            .await;
        match (expected, got) {
            (Ok(()), Ok(outcome)) => {
                assert_ne!(
                    outcome.playlist.snapshot_id, snapshot,
                    "step {step}: a new snapshot"
                );
                assert_eq!(outcome.playlist.item_count, model.len() as i64);
                snapshot = outcome.playlist.snapshot_id;
            }
            (Err(e), Err(StoreError::Edit(got))) => assert_eq!(e, got, "step {step}: {edit:?}"),
            (expected, got) => panic!("step {step}: {edit:?}: model {expected:?}, store {got:?}"),
        }
        assert_eq!(
            items_of(&store, &playlist).await,
            model,
            "step {step}: {edit:?}"
        );
        assert_eq!(
            store
                .playlist(&playlist)
                .await
                .unwrap()
                .unwrap()
                .snapshot_id,
            snapshot
        );
    }
    let replacement = catalog[..3].to_vec();
    store
        .edit_items(
            &playlist,
            &owner.id,
            None,
            ItemsEdit::Replace {
                track_ids: replacement.clone(),
            },
            cap,
            3,
        )
        .await
        .unwrap();
    assert_eq!(items_of(&store, &playlist).await, replacement);
    let page = store.playlist_items(&playlist, 2, 1).await.unwrap();
    assert_eq!(
        page.iter().map(|i| i.track_id.clone()).collect::<Vec<_>>(),
        replacement[1..3]
    );
}

async fn stale_snapshots_and_caps_change_nothing(store: SqlStore) {
    let owner = store.create_user(new_user("owner")).await.unwrap();
    let catalog = seed_tracks(&store, 5).await;
    let playlist = make_playlist(&store, &owner.id).await;
    let first = store
        .playlist(&playlist)
        .await
        .unwrap()
        .unwrap()
        .snapshot_id;
    let add = |ids: &[String]| ItemsEdit::Add {
        track_ids: ids.to_vec(),
        position: None,
    };
    store
        .edit_items(&playlist, &owner.id, None, add(&catalog[..2]), 3, 2)
        .await
        .unwrap();
    let current = store
        .playlist(&playlist)
        .await
        .unwrap()
        .unwrap()
        .snapshot_id;
    match store
        .edit_items(
            &playlist,
            &owner.id,
            Some(&first),
            add(&catalog[2..3]),
            3,
            3,
        )
        .await
    {
        Err(StoreError::StaleSnapshot { given, current: c }) => {
            assert_eq!((given, c), (first, current.clone()))
        }
        other => panic!("expected a stale snapshot, got {other:?}"),
    }
    match store
        .edit_items(&playlist, &owner.id, None, add(&catalog[2..4]), 3, 3)
        .await
    {
        Err(StoreError::Edit(EditError::Full {
            would_hold: 4,
            cap: 3,
        })) => {}
        other => panic!("expected the cap to hold, got {other:?}"),
    }
    let after = store.playlist(&playlist).await.unwrap().unwrap();
    assert_eq!(
        after.snapshot_id, current,
        "a refused edit keeps the snapshot"
    );
    assert_eq!(items_of(&store, &playlist).await, catalog[..2]);
    let missing = store
        .edit_items(&new_id(), &owner.id, None, add(&catalog[..1]), 3, 3)
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
    let wrong = ItemsEdit::RemoveAt {
        items: vec![(0, catalog[1].clone())],
    };
    assert!(matches!(
        store
            .edit_items(&playlist, &owner.id, None, wrong, 3, 3)
            .await,
        Err(StoreError::Edit(EditError::Mismatch { position: 0, .. }))
    ));
    assert_eq!(items_of(&store, &playlist).await, catalog[..2]);
}

async fn playlist_details_and_membership(store: SqlStore) {
    let owner = store.create_user(new_user("owner")).await.unwrap();
    let other = store.create_user(new_user("other")).await.unwrap();
    let playlist = make_playlist(&store, &owner.id).await;
    let before = store.playlist(&playlist).await.unwrap().unwrap();
    let change = DetailsChange {
        name: Some("Renamed".into()),
        description: Some("d".into()),
        public: Some(false),
        collaborative: None,
    };
    let after = store.update_playlist(&playlist, change, 9).await.unwrap();
    assert_eq!(
        (
            after.name.as_str(),
            after.description.as_deref(),
            after.public
        ),
        ("Renamed", Some("d"), false)
    );
    assert_ne!(after.snapshot_id, before.snapshot_id);
    let unchanged = store
        .update_playlist(&playlist, DetailsChange::default(), 10)
        .await
        .unwrap();
    assert_eq!(unchanged.description.as_deref(), Some("d"));

    assert!(!store.is_collaborator(&playlist, &other.id).await.unwrap());
    store
        .add_collaborators(&playlist, std::slice::from_ref(&other.id))
        .await
        .unwrap();
    assert!(store.is_collaborator(&playlist, &other.id).await.unwrap());
    assert_eq!(
        store.collaborators(&playlist).await.unwrap(),
        vec![other.id.clone()]
    );
    let (listed, total) = store.user_playlists(&other.id, 10, 0).await.unwrap();
    assert_eq!((listed.len(), total), (1, 1), "collaborations are listed");
    store
        .remove_collaborators(&playlist, std::slice::from_ref(&other.id))
        .await
        .unwrap();
    assert_eq!(store.user_playlists(&other.id, 10, 0).await.unwrap().1, 0);

    store
        .follow_playlist(&playlist, &other.id, 11)
        .await
        .unwrap();
    assert_eq!(
        store
            .playlist(&playlist)
            .await
            .unwrap()
            .unwrap()
            .follower_count,
        1
    );
    assert_eq!(
        store
            .follows_playlist(&playlist, &[other.id.clone(), owner.id.clone()])
            .await
            .unwrap(),
        vec![true, false]
    );
    assert_eq!(
        store.user_playlists(&other.id, 10, 0).await.unwrap().1,
        1,
        "followed playlists are listed"
    );
    store.unfollow_playlist(&playlist, &other.id).await.unwrap();
    assert_eq!(
        store
            .playlist(&playlist)
            .await
            .unwrap()
            .unwrap()
            .follower_count,
        0
    );
}

async fn saved_tracks(store: SqlStore) {
    let user = store.create_user(new_user("liker")).await.unwrap();
    let ids = seed_tracks(&store, 4).await;
    assert_eq!(
        store.save_tracks(&user.id, &ids[..2], 5).await.unwrap(),
        ids[..2]
    );
    assert_eq!(
        store.save_tracks(&user.id, &ids[1..3], 6).await.unwrap(),
        ids[2..3],
        "already saved is kept"
    );
    let (page, total) = store.saved_tracks(&user.id, 10, 0).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(
        page.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        vec![ids[2].clone(), ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(
        store
            .saved_contains(&user.id, &[ids[0].clone(), ids[3].clone()])
            .await
            .unwrap(),
        vec![true, false]
    );
    assert_eq!(
        store
            .unsave_tracks(&user.id, &[ids[0].clone(), ids[3].clone()])
            .await
            .unwrap(),
        vec![ids[0].clone()]
    );
    assert_eq!(store.saved_tracks(&user.id, 10, 0).await.unwrap().1, 2);
}

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

async fn sync_jobs_and_runs(store: SqlStore) {
    let owner = store.create_user(new_user("owner")).await.unwrap();
    let job = SyncJob {
        id: new_id(),
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
        .set_sync_job_paused(&job.id, true, Some(PAUSED_FOR_RECONNECT), None)
        .await
        .unwrap();
    assert!(
        store.due_sync_jobs(1_000).await.unwrap().is_empty(),
        "paused jobs are not due"
    );
    let paused = store.sync_job(&job.id).await.unwrap().unwrap();
    assert_eq!(paused.paused_reason.as_deref(), Some(PAUSED_FOR_RECONNECT));
    store
        .set_sync_job_paused(&job.id, false, Some(PAUSED_FOR_RECONNECT), Some(500))
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
            .enqueue("sync_job", &format!("job{i}"), "", 5, 0)
            .await
            .unwrap();
    }
    store.enqueue("sync_job", "job0", "", 1, 0).await.unwrap();
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
        .enqueue("sync_job", &running.subject, "", 10, 10)
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

fn played_track(spotify_id: Option<&str>, name: &str, artist: &str) -> PlayedItem {
    PlayedItem::Track {
        spotify_id: spotify_id.map(Into::into),
        name: name.into(),
        artist: artist.into(),
        album: Some("Album".into()),
    }
}

fn new_play(dedup: i64, precision: Precision, ended: i64, item: ItemRef) -> NewPlay {
    NewPlay {
        dedup,
        name_hash: 7,
        precision,
        started_at_ms: ended - 100_000,
        ended_at_ms: ended,
        ms_played: 100_000,
        measured: true,
        kind: PlayedKind::Track,
        item,
        source: "extended_audio".into(),
        platform: Some("ios".into()),
        country: None,
        reason_start: None,
        reason_end: Some("fwdbtn".into()),
        shuffle: Some(true),
        skipped: None,
        offline: None,
        offline_at_ms: None,
    }
}

async fn plays_resolve_items_deduplicate_and_roll_back(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap().id;
    let ben = store.create_user(new_user("ben")).await.unwrap().id;

    // A track known only by name takes the Spotify id when it comes; episodes get shows.
    let mut w = store.play_writer(&ana, None).await.unwrap();
    let by_name = w
        .resolve(&[played_track(None, "Song", "Band")], 1)
        .await
        .unwrap();
    let items = [
        played_track(Some("sp1"), "Song", "band"),
        played_track(Some("sp2"), "Other", "Band"),
        PlayedItem::Episode {
            spotify_id: None,
            name: "Ep 1".into(),
            show: "Show".into(),
            audiobook: false,
        },
    ];
    let refs = w.resolve(&items, 1).await.unwrap();
    assert_eq!(refs[0], by_name[0], "found by artist and title");
    assert_ne!(refs[1], refs[0]);
    assert!(matches!(refs[2], ItemRef::Episode(_)));
    let again = w.resolve(&items, 1).await.unwrap();
    assert_eq!(again, refs, "resolving twice finds the same entities");

    let t = refs[0].clone();
    let plays = [
        new_play(1, Precision::Exact, 1_000_000, t.clone()),
        new_play(1, Precision::Exact, 1_000_000, t.clone()),
        new_play(2, Precision::Minute, 2_000_000, t.clone()),
    ];
    assert_eq!(
        w.insert(plays.to_vec()).await.unwrap(),
        2,
        "one dedup code, one play"
    );
    assert!(w.has_coarse_plays(1_900_000, 2_100_000).await.unwrap());
    assert!(!w.has_coarse_plays(0, 1_500_000).await.unwrap());
    let stamps = w.stamps(0, 3_000_000).await.unwrap();
    assert_eq!(stamps.len(), 2);
    w.commit().await.unwrap();

    let v1 = store.play_version(&ana).await.unwrap();
    let loaded = store.stat_plays_after(&ana, 0, 10).await.unwrap();
    assert_eq!(loaded.len(), 2);
    assert!(loaded[0].skipped, "a forward-button end counts as a skip");
    assert_eq!(
        loaded[0].item_id,
        match &t {
            ItemRef::Track(id) => id.clone(),
            _ => unreachable!(),
        }
    );
    let groups = store
        .stat_items(&[loaded[0].item_id.clone()])
        .await
        .unwrap();
    assert!(groups[&loaded[0].item_id].artist_id.is_some());
    assert!(groups[&loaded[0].item_id].album_id.is_some());
    assert_eq!(
        store
            .recent_track_plays(&ana, None, None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .stat_plays_after(&ben, 0, 10)
            .await
            .unwrap()
            .is_empty(),
        "per user"
    );

    // The same dedup code for another user is another play; deletions change the version.
    let mut w = store.play_writer(&ben, None).await.unwrap();
    assert_eq!(w.insert(plays[..1].to_vec()).await.unwrap(), 1);
    w.commit().await.unwrap();
    let mut w = store.play_writer(&ana, None).await.unwrap();
    let coarse = stamps
        .iter()
        .find(|s| s.precision == Precision::Minute)
        .unwrap()
        .seq;
    w.delete(&[coarse]).await.unwrap();
    w.commit().await.unwrap();
    let v2 = store.play_version(&ana).await.unwrap();
    assert_eq!(v2.deletions, v1.deletions + 1);

    // Dropped without commit: nothing stays, not even the items it created.
    let mut w = store.play_writer(&ana, None).await.unwrap();
    let fresh = w
        .resolve(&[played_track(Some("sp9"), "Gone", "Nobody")], 1)
        .await
        .unwrap();
    w.insert(vec![new_play(
        9,
        Precision::Exact,
        5_000_000,
        fresh[0].clone(),
    )])
    .await
    .unwrap();
    drop(w);
    assert_eq!(store.play_version(&ana).await.unwrap(), v2);
    assert!(store
        .tracks_by_spotify_ids(&["sp9".into()])
        .await
        .unwrap()
        .is_empty());
}

async fn imports_record_progress_and_stale_ones_fail(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap().id;
    let ben = store.create_user(new_user("ben")).await.unwrap().id;
    store
        .create_import("i1", &ana, "export.zip", 100, 1_000)
        .await
        .unwrap();
    store
        .create_import("i2", &ana, "old.json", 10, 1_000)
        .await
        .unwrap();
    store
        .import_progress("i1", 40, 7, "{\"files\":[]}", 5_000)
        .await
        .unwrap();
    let i1 = store.import(&ana, "i1").await.unwrap().unwrap();
    assert_eq!(
        (i1.status, i1.bytes_done, i1.rows_done),
        (ImportStatus::Running, 40, 7)
    );
    assert!(
        store.import(&ben, "i1").await.unwrap().is_none(),
        "only its owner sees it"
    );
    // i2 made no progress since 1,000: its node is gone.
    assert_eq!(store.fail_stale_imports(2_000, 6_000).await.unwrap(), 1);
    let i2 = store.import(&ana, "i2").await.unwrap().unwrap();
    assert_eq!(i2.status, ImportStatus::Failed);
    assert!(i2.error.unwrap().contains("upload the export again"));
    store
        .finish_import("i1", 9, "{}", None, 7_000)
        .await
        .unwrap();
    let i1 = store.import(&ana, "i1").await.unwrap().unwrap();
    assert_eq!(
        (i1.status, i1.bytes_done, i1.rows_done),
        (ImportStatus::Done, 100, 9)
    );
    assert_eq!(i1.finished_at_ms, Some(7_000));
    let all = store.imports(&ana, 10, 0).await.unwrap();
    assert_eq!(all.len(), 2);
}

async fn spotify_connections_authorizations_pauses_and_usage(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap().id;
    let ben = store.create_user(new_user("ben")).await.unwrap().id;

    // An authorization is taken once, and not after it expired.
    store
        .put_authorization("h1", &ana, "sealed-v", "http://127.0.0.1:9/cb", 10_000)
        .await
        .unwrap();
    store
        .put_authorization("h2", &ana, "sealed-w", "http://127.0.0.1:9/cb", 10_000)
        .await
        .unwrap();
    let taken = store
        .take_authorization("h1", 5_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (taken.user_id.as_str(), taken.sealed_verifier.as_str()),
        (ana.as_str(), "sealed-v")
    );
    assert!(store
        .take_authorization("h1", 5_000)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .take_authorization("h2", 10_000)
        .await
        .unwrap()
        .is_none());

    let scopes = vec![
        "playlist-read-private".to_owned(),
        "user-library-read".to_owned(),
    ];
    let link = |id, user, spotify, tokens, now_ms| NewConnection {
        id,
        user_id: user,
        client_id: "app",
        spotify_user_id: spotify,
        display_name: Some("Ana"),
        scopes: &scopes,
        sealed_tokens: tokens,
        now_ms,
    };
    let c1 = store
        .upsert_connection(link("c1", &ana, "sp-ana", "t1", 1_000))
        .await
        .unwrap();
    assert_eq!((c1.status, c1.scopes.len()), (ConnectionStatus::Active, 2));
    store
        .set_connection_status(
            "c1",
            ConnectionStatus::Reconnect,
            Some("Refresh token revoked"),
            2_000,
        )
        .await
        .unwrap();
    let c1 = store.connection("c1").await.unwrap().unwrap();
    assert_eq!(c1.status, ConnectionStatus::Reconnect);
    // Connecting the same Spotify account again refreshes the one connection.
    let again = store
        .upsert_connection(link("c9", &ana, "sp-ana", "t2", 3_000))
        .await
        .unwrap();
    assert_eq!(again.id, "c1");
    assert_eq!(
        (
            again.status,
            again.status_reason,
            again.sealed_tokens.as_str(),
            again.consented_at_ms
        ),
        (ConnectionStatus::Active, None, "t2", 3_000)
    );
    store
        .upsert_connection(link("c2", &ben, "sp-ben", "t3", 4_000))
        .await
        .unwrap();
    store
        .set_connection_tokens("c2", "t4", 5_000)
        .await
        .unwrap();
    assert_eq!(
        store.connection("c2").await.unwrap().unwrap().sealed_tokens,
        "t4"
    );
    assert_eq!(store.connections(&ana).await.unwrap().len(), 1);
    assert_eq!(store.app_connections("app").await.unwrap().len(), 2);
    // Only its owner deletes a connection.
    assert!(!store.delete_connection(&ana, "c2").await.unwrap());
    assert!(store.delete_connection(&ben, "c2").await.unwrap());
    assert!(store.connection("c2").await.unwrap().is_none());

    assert_eq!(store.app_pauses("app").await.unwrap(), (0, 0));
    store
        .set_app_pauses("app", 7_000, 90_000, 6_000)
        .await
        .unwrap();
    assert_eq!(store.app_pauses("app").await.unwrap(), (7_000, 90_000));

    // Usage is counted per minute and summed over the window asked for.
    let minute = 60_000;
    store
        .record_usage("app", "c1", 10 * minute + 5, 3)
        .await
        .unwrap();
    store
        .record_usage("app", "c1", 10 * minute + 50_000, 2)
        .await
        .unwrap();
    store.record_usage("app", "", 11 * minute, 1).await.unwrap();
    store
        .record_usage("app", "c1", 3 * minute, 100)
        .await
        .unwrap();
    store
        .record_usage("other", "c1", 11 * minute, 7)
        .await
        .unwrap();
    let usage = store.usage("app", 10 * minute).await.unwrap();
    assert_eq!(usage.total, 6);
    assert_eq!(usage.by_connection["c1"], 5);
    assert_eq!(usage.by_connection[""], 1);

    // Collections: a read is fresh while the sweep sees the snapshot it was read at.
    let uri = "spotify:playlist:p1";
    assert!(!store.collection("c1", uri).await.unwrap().fresh());
    store
        .saw_snapshots("c1", &[(uri.to_owned(), "s1".to_owned())])
        .await
        .unwrap();
    store
        .put_collection_read("c1", uri, Some("s1"), "[[\"t1\",null]]", 9_000)
        .await
        .unwrap();
    let state = store.collection("c1", uri).await.unwrap();
    assert!(state.fresh());
    assert_eq!(state.items.as_deref(), Some("[[\"t1\",null]]"));
    store
        .saw_snapshots("c1", &[(uri.to_owned(), "s2".to_owned())])
        .await
        .unwrap();
    assert!(!store.collection("c1", uri).await.unwrap().fresh());
    // A read whose snapshot is unknown is never fresh.
    store
        .put_collection_read("c1", uri, None, "[]", 9_500)
        .await
        .unwrap();
    let state = store.collection("c1", uri).await.unwrap();
    assert!(!state.fresh());
    assert_eq!(state.seen_snapshot.as_deref(), Some("s2"));

    // URIs in use by a user's sync jobs.
    let job = SyncJob {
        id: "j1".into(),
        owner_id: ana.clone(),
        source_uri: "spotify:playlist:p1".into(),
        target_uri: "spotify:user:sp-ana:collection".into(),
        schedule: "0 * * * *".into(),
        timezone: "UTC".into(),
        paused: false,
        paused_reason: None,
        next_run_at_ms: None,
        ledger: Default::default(),
        ledger_version: 0,
        created_at_ms: 1,
    };
    store.create_sync_job(&job).await.unwrap();
    assert_eq!(
        store.spotify_uris_in_use(&ana).await.unwrap(),
        vec!["spotify:playlist:p1", "spotify:user:sp-ana:collection"]
    );
    assert!(store.spotify_uris_in_use(&ben).await.unwrap().is_empty());
}
