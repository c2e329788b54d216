//! Album covers: set on an album, seen wherever the album is (albums, tracks) and on the
//! playlists whose first track is on it; the library version moves.

use medley_domain::catalog::Cover;
use medley_domain::{AlbumId, TrackId};
use medley_store::covers::{FROM_FILE, FROM_FOLDER};
use medley_store::{
    AlbumCover, CatalogStore, CoverStore, ItemsEdit, PlaylistStore, SqlStore, SubsonicStore,
    UserStore,
};

use crate::playlists::make_playlist;
use crate::{new_user, track};

on_both_backends!(an_album_cover_shows_on_its_album_tracks_and_playlists);

async fn an_album_cover_shows_on_its_album_tracks_and_playlists(store: SqlStore) {
    let owner = store.create_user(new_user("owner")).await.unwrap();
    let ids = store
        .upsert_tracks(
            &[track("A", "Band", "Covered"), track("B", "Other", "Bare")],
            1,
        )
        .await
        .unwrap();
    let (albums, covers) = store.track_albums(&ids).await.unwrap();
    assert_eq!(albums.len(), 2);
    assert!(covers.is_empty());
    let covered = albums[&ids[0]].clone();
    let before = store.library_version().await.unwrap();

    let cover = AlbumCover {
        cover: Cover {
            album_id: covered.clone(),
            hash: "ab".repeat(32),
            width: 900,
            height: 600,
        },
        source: FROM_FILE.into(),
    };
    assert!(store.set_album_cover(&covered, &cover, 5).await.unwrap());
    assert!(!store
        .set_album_cover(&AlbumId::from("no-such-album"), &cover, 5)
        .await
        .unwrap());
    assert_ne!(store.library_version().await.unwrap(), before);

    let album = store.album(&covered).await.unwrap().unwrap();
    assert_eq!(album.cover.as_ref(), Some(&cover.cover));
    let tracks = store.tracks(&ids).await.unwrap();
    assert_eq!(tracks[0].album.cover.as_ref(), Some(&cover.cover));
    assert_eq!(tracks[1].album.cover, None);
    let (_, covers) = store.track_albums(&ids).await.unwrap();
    assert_eq!(covers[&covered], cover);

    // Replaced by a folder's picture: the source is kept with it.
    let folder = AlbumCover {
        cover: Cover {
            hash: "cd".repeat(32),
            ..cover.cover.clone()
        },
        source: FROM_FOLDER.into(),
    };
    store.set_album_cover(&covered, &folder, 6).await.unwrap();
    let (_, covers) = store.track_albums(&ids).await.unwrap();
    assert_eq!(covers[&covered], folder);

    // A playlist shows its first track's album's cover, or none.
    let playlist = make_playlist(&store, &owner.id).await;
    assert_eq!(
        store.playlist(&playlist).await.unwrap().unwrap().cover,
        None
    );
    let add = |track_ids: Vec<TrackId>| ItemsEdit::Add {
        track_ids,
        position: None,
    };
    store
        .edit_items(
            &playlist,
            &owner.id,
            None,
            add(vec![ids[1].clone(), ids[0].clone()]),
            100,
            2,
        )
        .await
        .unwrap();
    assert_eq!(
        store.playlist(&playlist).await.unwrap().unwrap().cover,
        None
    );
    let outcome = store
        .edit_items(
            &playlist,
            &owner.id,
            None,
            ItemsEdit::Replace {
                track_ids: vec![ids[0].clone(), ids[1].clone()],
            },
            100,
            3,
        )
        .await
        .unwrap();
    assert_eq!(outcome.playlist.cover.as_ref(), Some(&folder.cover));
    let (listed, _) = store.user_playlists(&owner.id, 10, 0).await.unwrap();
    assert_eq!(listed[0].cover.as_ref(), Some(&folder.cover));
}
