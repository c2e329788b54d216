//! What the OpenSubsonic API keeps: API keys (by hash), sealed passwords, stars, ratings, now
//! playing; and deleting a playlist.

use medley_domain::{new_id, PlaylistId};
use medley_store::{NewPlaylist, PlaylistStore, SqlStore, SubsonicKey, SubsonicStore, UserStore};

use crate::{new_user, seed_tracks};

on_both_backends!(
    keys_and_passwords,
    stars_ratings_and_now_playing,
    playlists_are_deleted
);

async fn keys_and_passwords(store: SqlStore) {
    let ann = store.create_user(new_user("ann")).await.unwrap();
    let bob = store.create_user(new_user("bob")).await.unwrap();
    let key = |user: &str, name: &str, at| SubsonicKey {
        id: new_id(),
        user_id: user.into(),
        name: name.into(),
        created_at_ms: at,
        last_used_at_ms: None,
    };
    let (k1, k2) = (key(&ann.id, "phone", 10), key(&ann.id, "car", 20));
    store.insert_subsonic_key(&k1, "hash-1").await.unwrap();
    store.insert_subsonic_key(&k2, "hash-2").await.unwrap();
    assert_eq!(
        store.subsonic_keys(&ann.id).await.unwrap(),
        [k1.clone(), k2.clone()]
    );
    assert!(store.subsonic_keys(&bob.id).await.unwrap().is_empty());

    // A key signs its user in and notes when (at most once a minute).
    let found = store
        .user_for_subsonic_key("hash-1", 100_000)
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.id), Some(ann.id.clone()));
    store
        .user_for_subsonic_key("hash-1", 130_000)
        .await
        .unwrap();
    let listed = store.subsonic_keys(&ann.id).await.unwrap();
    assert_eq!(listed[0].last_used_at_ms, Some(100_000));
    store
        .user_for_subsonic_key("hash-1", 170_001)
        .await
        .unwrap();
    assert_eq!(
        store.subsonic_keys(&ann.id).await.unwrap()[0].last_used_at_ms,
        Some(170_001)
    );
    assert!(store
        .user_for_subsonic_key("nope", 1)
        .await
        .unwrap()
        .is_none());

    // Only its owner deletes a key.
    assert!(!store.delete_subsonic_key(&bob.id, &k1.id).await.unwrap());
    assert!(store.delete_subsonic_key(&ann.id, &k1.id).await.unwrap());
    assert!(store
        .user_for_subsonic_key("hash-1", 1)
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.subsonic_keys(&ann.id).await.unwrap().len(), 1);

    // Passwords: set, replaced, removed; each user's own.
    assert_eq!(store.subsonic_password(&ann.id).await.unwrap(), None);
    store
        .set_subsonic_password(&ann.id, Some("sealed-1"), 1)
        .await
        .unwrap();
    store
        .set_subsonic_password(&ann.id, Some("sealed-2"), 2)
        .await
        .unwrap();
    assert_eq!(
        store.subsonic_password(&ann.id).await.unwrap().as_deref(),
        Some("sealed-2")
    );
    assert_eq!(store.subsonic_password(&bob.id).await.unwrap(), None);
    store.set_subsonic_password(&ann.id, None, 3).await.unwrap();
    assert_eq!(store.subsonic_password(&ann.id).await.unwrap(), None);
}

async fn stars_ratings_and_now_playing(store: SqlStore) {
    let ann = store.create_user(new_user("ann")).await.unwrap();
    let bob = store.create_user(new_user("bob")).await.unwrap();
    let ids = seed_tracks(&store, 3).await;
    let albums = vec!["album-a".to_owned(), "album-b".to_owned()];
    store
        .set_stars(&ann.id, "album", &albums, true, 5)
        .await
        .unwrap();
    store
        .set_stars(&ann.id, "album", &albums[..1], true, 9)
        .await
        .unwrap();
    store
        .set_stars(&ann.id, "artist", &["artist-a".to_owned()], true, 7)
        .await
        .unwrap();
    assert_eq!(
        store.stars(&ann.id, "album").await.unwrap(),
        [("album-a".to_owned(), 5), ("album-b".to_owned(), 5)],
        "a star keeps its date"
    );
    assert_eq!(store.stars(&ann.id, "artist").await.unwrap().len(), 1);
    assert!(store.stars(&bob.id, "album").await.unwrap().is_empty());
    store
        .set_stars(&ann.id, "album", &albums[..1], false, 10)
        .await
        .unwrap();
    assert_eq!(
        store.stars(&ann.id, "album").await.unwrap(),
        [("album-b".to_owned(), 5)]
    );

    store
        .set_rating(&ann.id, "song", &ids[0], 4, 1)
        .await
        .unwrap();
    store
        .set_rating(&ann.id, "song", &ids[0], 2, 2)
        .await
        .unwrap();
    store
        .set_rating(&ann.id, "album", "album-a", 5, 2)
        .await
        .unwrap();
    assert_eq!(
        store.ratings(&ann.id).await.unwrap(),
        [
            ("album".to_owned(), "album-a".to_owned(), 5),
            ("song".to_owned(), ids[0].to_string(), 2)
        ]
    );
    store
        .set_rating(&ann.id, "song", &ids[0], 0, 3)
        .await
        .unwrap();
    assert_eq!(store.ratings(&ann.id).await.unwrap().len(), 1);

    store
        .set_now_playing(&ann.id, "phone", &ids[0], 1_000)
        .await
        .unwrap();
    store
        .set_now_playing(&ann.id, "phone", &ids[1], 2_000)
        .await
        .unwrap();
    store
        .set_now_playing(&bob.id, "car", &ids[2], 500)
        .await
        .unwrap();
    let now = store.now_playing(900).await.unwrap();
    assert_eq!(
        now.len(),
        1,
        "one per user and player, recent only: {now:?}"
    );
    assert_eq!(now[0].track_id, ids[1]);
    assert_eq!(now[0].username, "ann");
    assert_eq!(store.now_playing(0).await.unwrap().len(), 2);
}

async fn playlists_are_deleted(store: SqlStore) {
    let ann = store.create_user(new_user("ann")).await.unwrap();
    let ids = seed_tracks(&store, 2).await;
    let id = PlaylistId::new();
    store
        .create_playlist(NewPlaylist {
            id: id.clone(),
            owner_id: ann.id.clone(),
            name: "Doomed".into(),
            description: None,
            public: false,
            collaborative: false,
            now_ms: 1,
        })
        .await
        .unwrap();
    store
        .edit_items(
            &id,
            &ann.id,
            None,
            medley_store::ItemsEdit::Add {
                track_ids: ids,
                position: None,
            },
            100,
            2,
        )
        .await
        .unwrap();
    assert!(store.delete_playlist(&id, 3).await.unwrap());
    assert!(store.playlist(&id).await.unwrap().is_none());
    assert!(store.playlist_items(&id, 10, 0).await.unwrap().is_empty());
    assert!(!store.delete_playlist(&id, 4).await.unwrap());
}
