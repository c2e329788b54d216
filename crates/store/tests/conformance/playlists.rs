//! Playlists: edits against a reference model, snapshots and caps, details and membership.

use medley_domain::edit::{apply, Edit, EditError};
use medley_domain::{PlaylistId, TrackId, UserId};
use medley_store::{
    DetailsChange, ItemsEdit, NewPlaylist, PlaylistStore, SqlStore, StoreError, UserStore,
};
use rand::{Rng, SeedableRng};

use crate::{new_user, seed_tracks};

on_both_backends!(
    playlist_edits_match_the_reference_model,
    stale_snapshots_and_caps_change_nothing,
    playlist_details_and_membership,
);

pub(crate) async fn make_playlist(store: &SqlStore, owner: &UserId) -> PlaylistId {
    let id = PlaylistId::new();
    store
        .create_playlist(NewPlaylist {
            id: id.clone(),
            owner_id: owner.clone(),
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

pub(crate) async fn items_of(store: &SqlStore, playlist: &PlaylistId) -> Vec<TrackId> {
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
    let mut model: Vec<TrackId> = Vec::new();
    let mut snapshot = store
        .playlist(&playlist)
        .await
        .unwrap()
        .unwrap()
        .snapshot_id;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for step in 0..150 {
        let len = model.len() as i64;
        let pick = |rng: &mut rand::rngs::StdRng, n: usize| -> Vec<TrackId> {
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
    let add = |ids: &[TrackId]| ItemsEdit::Add {
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
        .edit_items(
            &PlaylistId::new(),
            &owner.id,
            None,
            add(&catalog[..1]),
            3,
            3,
        )
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
    // Private means invisible to others everywhere: a followed playlist is listed only while
    // its owner keeps it public.
    assert_eq!(
        store.user_playlists(&other.id, 10, 0).await.unwrap().1,
        0,
        "a followed playlist is not listed while it is private"
    );
    let public = DetailsChange {
        public: Some(true),
        ..DetailsChange::default()
    };
    store.update_playlist(&playlist, public, 12).await.unwrap();
    assert_eq!(
        store.user_playlists(&other.id, 10, 0).await.unwrap().1,
        1,
        "followed public playlists are listed"
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
