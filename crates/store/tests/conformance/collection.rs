//! What migrations 0018 and 0019 store: saved albums and followed artists (a user's
//! collection), playlist covers, and Sign in with Spotify (the sign-ins in flight and which
//! Spotify account signs in to which user).

use medley_store::{
    CatalogStore, CollectionStore, ConnectionStore, NewConnection, PendingSignIn,
    PlaylistCoverStore, PlaylistStore, SpotifyLoginStore, SqlStore, StoreError, UserStore,
};

use crate::playlists::make_playlist;
use crate::{new_user, track};
use medley_domain::{AlbumId, ArtistId, PlaylistId};

on_both_backends!(
    saved_albums_keep_their_date_and_page_most_recent_first,
    followed_artists_page_by_id_and_answer_contains,
    a_playlist_cover_replaces_the_last_and_goes_with_its_playlist,
    a_spotify_sign_in_is_taken_once_and_links_one_account,
    a_spotify_account_connected_by_one_user_signs_in_to_them,
);

/// Album and artist ids of three tracks on three albums by three artists.
async fn catalog(store: &SqlStore) -> (Vec<AlbumId>, Vec<ArtistId>) {
    let ids = store
        .upsert_tracks(
            &[
                track("A", "Ash", "First"),
                track("B", "Birch", "Second"),
                track("C", "Cedar", "Third"),
            ],
            1,
        )
        .await
        .unwrap();
    let tracks = store.tracks(&ids).await.unwrap();
    let albums = tracks.iter().map(|t| t.album.id.clone()).collect();
    let artists = tracks.iter().map(|t| t.artists[0].id.clone()).collect();
    (albums, artists)
}

async fn saved_albums_keep_their_date_and_page_most_recent_first(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap();
    let bob = store.create_user(new_user("bob")).await.unwrap();
    let (albums, _) = catalog(&store).await;

    assert_eq!(
        store.save_albums(&ana.id, &albums[..2], 10).await.unwrap(),
        2
    );
    // Saving again keeps the first date and counts nothing new.
    assert_eq!(
        store.save_albums(&ana.id, &albums[1..], 20).await.unwrap(),
        1
    );
    let (page, total) = store.saved_albums(&ana.id, 10, 0).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(
        page,
        vec![
            (albums[2].clone(), 20),
            (albums[1].clone(), 10),
            (albums[0].clone(), 10)
        ],
        "most recently saved first; a second save keeps its date"
    );
    let (second, total) = store.saved_albums(&ana.id, 1, 1).await.unwrap();
    assert_eq!((second, total), (vec![(albums[1].clone(), 10)], 3));
    assert_eq!(
        store
            .saved_albums_contain(&ana.id, &[albums[0].clone(), "nope".into()])
            .await
            .unwrap(),
        vec![true, false]
    );

    assert_eq!(
        store
            .unsave_albums(&ana.id, &[albums[0].clone(), albums[0].clone()])
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.saved_albums(&ana.id, 10, 0).await.unwrap().1, 2);
    // Another user's collection is their own.
    assert_eq!(store.saved_albums(&bob.id, 10, 0).await.unwrap().1, 0);
    assert_eq!(
        store
            .saved_albums_contain(&bob.id, &[albums[1].clone()])
            .await
            .unwrap(),
        vec![false]
    );
}

async fn followed_artists_page_by_id_and_answer_contains(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap();
    let bob = store.create_user(new_user("bob")).await.unwrap();
    let (_, artists) = catalog(&store).await;
    let mut sorted = artists.clone();
    sorted.sort();

    store.follow_artists(&ana.id, &artists, 5).await.unwrap();
    // Following again changes nothing.
    store
        .follow_artists(&ana.id, &artists[..1], 6)
        .await
        .unwrap();
    let (first, total) = store.followed_artists(&ana.id, None, 2).await.unwrap();
    assert_eq!((first.clone(), total), (sorted[..2].to_vec(), 3));
    let (rest, _) = store
        .followed_artists(&ana.id, Some(&first[1]), 2)
        .await
        .unwrap();
    assert_eq!(
        rest,
        sorted[2..].to_vec(),
        "the cursor goes on after the last id"
    );

    store
        .unfollow_artists(&ana.id, &artists[1..2])
        .await
        .unwrap();
    assert_eq!(
        store.follows_artists(&ana.id, &artists).await.unwrap(),
        vec![true, false, true]
    );
    assert_eq!(
        store.follows_artists(&bob.id, &artists).await.unwrap(),
        vec![false, false, false]
    );
    assert_eq!(
        store.followed_artists(&bob.id, None, 10).await.unwrap(),
        (vec![], 0)
    );
}

async fn a_playlist_cover_replaces_the_last_and_goes_with_its_playlist(store: SqlStore) {
    let owner = store.create_user(new_user("owner")).await.unwrap();
    let id = make_playlist(&store, &owner.id).await;
    assert_eq!(store.playlist_cover(&id).await.unwrap(), None);
    let before = store.playlist(&id).await.unwrap().unwrap();
    assert_eq!(before.uploaded_cover, None);

    let first = store
        .set_playlist_cover(&id, b"jpeg one", 64, 48, 10)
        .await
        .unwrap();
    let second = store
        .set_playlist_cover(&id, b"jpeg two", 32, 32, 20)
        .await
        .unwrap();
    assert_ne!(first, second, "each upload has a version of its own");
    let cover = store.playlist_cover(&id).await.unwrap().unwrap();
    assert_eq!(
        (
            cover.jpeg.as_slice(),
            cover.width,
            cover.height,
            cover.version
        ),
        (&b"jpeg two"[..], 32, 32, second)
    );
    assert_eq!(
        store.playlist_cover_info(&id).await.unwrap(),
        Some((32, 32, second))
    );
    let after = store.playlist(&id).await.unwrap().unwrap();
    assert_ne!(
        after.snapshot_id, before.snapshot_id,
        "a new cover is a new snapshot"
    );
    let shown = after
        .uploaded_cover
        .expect("the playlist row names its cover");
    assert_eq!((shown.width, shown.height, shown.version), (32, 32, second));

    assert!(matches!(
        store
            .set_playlist_cover(&PlaylistId::from("nope"), b"jpeg", 1, 1, 30)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(store.delete_playlist(&id, 40).await.unwrap());
    assert_eq!(store.playlist_cover_info(&id).await.unwrap(), None);
}

async fn a_spotify_sign_in_is_taken_once_and_links_one_account(store: SqlStore) {
    let pending = PendingSignIn {
        browser_hash: "browser".into(),
        sealed_verifier: "sealed".into(),
        redirect_uri: "http://127.0.0.1/callback".into(),
    };
    store.put_sign_in("state-1", &pending, 1_000).await.unwrap();
    store.put_sign_in("state-2", &pending, 1_000).await.unwrap();
    let taken = store.take_sign_in("state-1", 500).await.unwrap().unwrap();
    assert_eq!(
        (
            taken.browser_hash,
            taken.sealed_verifier,
            taken.redirect_uri
        ),
        (
            "browser".to_owned(),
            "sealed".to_owned(),
            "http://127.0.0.1/callback".to_owned()
        )
    );
    assert!(
        store.take_sign_in("state-1", 500).await.unwrap().is_none(),
        "a state is good once"
    );
    assert!(
        store
            .take_sign_in("state-2", 1_001)
            .await
            .unwrap()
            .is_none(),
        "an expired sign-in is not taken"
    );
    assert!(store.take_sign_in("state-2", 500).await.unwrap().is_none());

    assert_eq!(store.spotify_login("alice").await.unwrap(), None);
    let made = store
        .create_spotify_user(new_user("alice"), Some("https://i.example/a.jpg"), "alice")
        .await
        .unwrap();
    assert_eq!(store.spotify_login("alice").await.unwrap(), Some(made.id));
    // The same Spotify account cannot make a second user, nor a username be taken twice.
    assert!(matches!(
        store
            .create_spotify_user(new_user("alice-2"), None, "alice")
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .create_spotify_user(new_user("alice"), None, "other")
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store.user_by_username("alice-2").await.unwrap().is_none(),
        "nothing of a refused sign-up stays"
    );
    assert_eq!(store.spotify_login("other").await.unwrap(), None);
}

async fn a_spotify_account_connected_by_one_user_signs_in_to_them(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap();
    let bob = store.create_user(new_user("bob")).await.unwrap();
    let scopes = vec!["user-read-private".to_owned()];
    let link = |id, user, spotify| NewConnection {
        id,
        user_id: user,
        client_id: "app",
        spotify_user_id: spotify,
        display_name: None,
        scopes: &scopes,
        sealed_tokens: "sealed",
        now_ms: 1,
    };
    assert_eq!(
        store.adopt_spotify_login("nobody", 2).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(store.spotify_login("nobody").await.unwrap(), None);

    store
        .upsert_connection(link("c1", &ana.id, "sp-ana"))
        .await
        .unwrap();
    assert_eq!(
        store.adopt_spotify_login("sp-ana", 2).await.unwrap(),
        vec![ana.id.clone()]
    );
    assert_eq!(
        store.spotify_login("sp-ana").await.unwrap(),
        Some(ana.id.clone()),
        "stored: the next sign-in finds it directly"
    );

    // Connected by two users: no one is chosen, and nothing is stored.
    store
        .upsert_connection(link("c2", &ana.id, "sp-shared"))
        .await
        .unwrap();
    store
        .upsert_connection(link("c3", &bob.id, "sp-shared"))
        .await
        .unwrap();
    let mut both = vec![ana.id.clone(), bob.id.clone()];
    both.sort();
    assert_eq!(
        store.adopt_spotify_login("sp-shared", 3).await.unwrap(),
        both
    );
    assert_eq!(store.spotify_login("sp-shared").await.unwrap(), None);
}
