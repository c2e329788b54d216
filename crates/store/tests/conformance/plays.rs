//! Listening history: plays, the catalog items they name, and what statistics read of them.

use medley_domain::TrackId;
use medley_store::{
    CatalogStore, ItemRef, NewPlay, PlayStore, PlayedItem, PlayedKind, Precision, SqlStore,
    UserStore,
};

use crate::{new_user, track};

on_both_backends!(
    plays_resolve_items_deduplicate_and_roll_back,
    plays_break_ties_between_catalog_tracks_alike,
    plays_without_a_duration_are_confirmed_listens
);

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

/// A played track named with `album`.
fn played_on(spotify_id: Option<&str>, album: Option<&str>) -> PlayedItem {
    PlayedItem::Track {
        spotify_id: spotify_id.map(Into::into),
        name: "Song".into(),
        artist: "Band".into(),
        album: album.map(Into::into),
    }
}

fn track_id(item: &ItemRef) -> TrackId {
    match item {
        ItemRef::Track(id) => id.clone(),
        ItemRef::Episode(_) => panic!("a track was meant: {item:?}"),
    }
}

/// Catalog tracks equal on what plays are matched by (first artist and title): the rule of
/// `plays::catalog_match` picks the one on the play's album, then the oldest, then the
/// smallest id, and gives a Spotify id only to a track without one.
async fn plays_break_ties_between_catalog_tracks_alike(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap().id;
    let tied = store
        .upsert_tracks(
            &[
                track("Song", "Band", "First"),
                track("song ", "BAND", "Second"),
            ],
            5,
        )
        .await
        .unwrap();
    let third = store
        .upsert_tracks(&[track("Song", "Band", "Third")], 9)
        .await
        .unwrap()
        .remove(0);
    let (first, second) = (tied[0].clone(), tied[1].clone());
    let smallest = tied.iter().min().unwrap().clone();

    let mut w = store.play_writer(&ana, None).await.unwrap();
    // One batch, resolved in order: what an item adopts is seen by the items after it.
    let refs = w
        .resolve(
            &[
                // Equal on album (none matches) and age: the smallest id.
                played_on(None, Some("Elsewhere")),
                // No album: a single named as the title would be preferred; none, so age.
                played_on(None, None),
                // The album first, even over an older track.
                played_on(None, Some("THIRD")),
                // A Spotify id goes to the track on the play's album that has none.
                played_on(Some("spX"), Some("Second")),
                // Found by that id now, whatever the album.
                played_on(Some("spX"), Some("First")),
                // The track with another id is another recording: the oldest one without.
                played_on(Some("spY"), Some("Second")),
            ],
            20,
        )
        .await
        .unwrap();
    let got: Vec<TrackId> = refs.iter().map(track_id).collect();
    assert_eq!(
        got,
        [
            smallest.clone(),
            smallest,
            third.clone(),
            second.clone(),
            second.clone(),
            first.clone(),
        ]
    );
    // One by one, the same rule: the last track without an id takes the next one, then a
    // play of yet another id is a new recording.
    let z = w
        .resolve(&[played_on(Some("spZ"), Some("Nope"))], 30)
        .await
        .unwrap();
    assert_eq!(track_id(&z[0]), third);
    let spw = w
        .resolve(&[played_on(Some("spW"), Some("First"))], 31)
        .await
        .unwrap();
    let new = track_id(&spw[0]);
    assert!(![&first, &second, &third].contains(&&new), "a new track");
    // Without an id: every track is open again; the album decides.
    let back = w
        .resolve(
            &[
                played_on(None, Some("First")),
                played_on(None, Some("Second")),
            ],
            32,
        )
        .await
        .unwrap();
    assert_eq!(
        back.iter().map(track_id).collect::<Vec<_>>(),
        [first.clone(), second.clone()],
        "the album, then the older of the two tracks on `First`"
    );
    w.commit().await.unwrap();
    let ids = store
        .tracks_by_spotify_ids(&["spX".into(), "spY".into(), "spZ".into(), "spW".into()])
        .await
        .unwrap();
    assert_eq!(ids["spX"], second);
    assert_eq!(ids["spY"], first);
    assert_eq!(ids["spZ"], third);
    assert_eq!(ids["spW"], new);
}

/// Listens whose time was not measured (scrobbles, Spotify's recently-played) are read back
/// as confirmed; those stored without a length take the catalog track's, when it has one.
async fn plays_without_a_duration_are_confirmed_listens(store: SqlStore) {
    let ana = store.create_user(new_user("ana")).await.unwrap().id;
    let known = store
        .upsert_tracks(&[track("Known", "Band", "Album")], 1)
        .await
        .unwrap()
        .remove(0);
    let known = ItemRef::Track(known);
    let mut w = store.play_writer(&ana, None).await.unwrap();
    let unknown = w
        .resolve(
            &[
                played_track(None, "Unknown", "Nobody"),
                PlayedItem::Episode {
                    spotify_id: None,
                    name: "Ep".into(),
                    show: "Show".into(),
                    audiobook: false,
                },
            ],
            1,
        )
        .await
        .unwrap();
    let play = |dedup, item: &ItemRef, ms_played, measured| {
        let mut p = new_play(dedup, Precision::Live, 1_000_000 + dedup, item.clone());
        (p.ms_played, p.measured) = (ms_played, measured);
        if matches!(item, ItemRef::Episode(_)) {
            p.kind = PlayedKind::Episode;
        }
        p
    };
    let plays = vec![
        play(1, &known, 0, false),
        play(2, &unknown[0], 0, false),
        play(3, &known, 180_000, false),
        play(4, &known, 10_000, true),
        play(5, &known, 0, true),
        play(6, &unknown[1], 0, false),
    ];
    assert_eq!(w.insert(plays).await.unwrap(), 6);
    w.commit().await.unwrap();
    let read: Vec<(bool, i64)> = store
        .stat_plays_after(&ana, 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|p| (p.confirmed, p.ms_played))
        .collect();
    assert_eq!(
        read,
        [
            (true, 200_000),
            (true, 0),
            (true, 180_000),
            (false, 10_000),
            (false, 0),
            (true, 0),
        ]
    );
}
