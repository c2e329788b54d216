//! Listening history: plays, the catalog items they name, and what statistics read of them.

use medley_store::{
    CatalogStore, ItemRef, NewPlay, PlayStore, PlayedItem, PlayedKind, Precision, SqlStore,
    UserStore,
};

use crate::new_user;

on_both_backends!(plays_resolve_items_deduplicate_and_roll_back);

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
