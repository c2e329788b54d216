//! The catalog: tracks, albums and artists found or created by name.

use medley_domain::{ArtistId, TrackId};
use medley_store::{CatalogStore, SqlStore};

use crate::track;

on_both_backends!(catalog_finds_or_creates_by_name);

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
        .tracks(&[
            ids[2].clone(),
            ids[0].clone(),
            TrackId::new(),
            ids[0].clone(),
        ])
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
    assert!(store.artist(&ArtistId::new()).await.unwrap().is_none());

    let mut seen = Vec::new();
    let mut after: Option<TrackId> = None;
    loop {
        let batch = store.tracks_after(after.as_ref(), 2).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        seen.extend(batch.into_iter().map(|t| t.id));
    }
    seen.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected);
}
