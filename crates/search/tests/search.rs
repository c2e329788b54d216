//! Behaviour of `SearchIndex`: what matches, in which order, and how updates show.

use std::sync::Arc;

use medley_search::{Hits, Kind, SearchIndex, TrackDoc};

/// A track with one artist; the album's artist is the track's artist.
fn track(id: &str, name: &str, artist: (&str, &str), album: (&str, &str)) -> TrackDoc {
    TrackDoc {
        track_id: id.into(),
        track_name: name.into(),
        artists: vec![(artist.0.into(), artist.1.into())],
        album_id: album.0.into(),
        album_name: album.1.into(),
        album_artists: vec![artist.1.into()],
    }
}

fn index_of(docs: &[TrackDoc]) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index.index_tracks(docs).unwrap();
    index
}

fn ids(index: &SearchIndex, query: &str, kind: Kind) -> Vec<String> {
    index.search(query, kind, 20, 0).unwrap().ids
}

fn first(index: &SearchIndex, query: &str, kind: Kind) -> Option<String> {
    ids(index, query, kind).into_iter().next()
}

/// A small catalog used by most tests.
fn catalog() -> SearchIndex {
    let beatles = ("ar-beatles", "The Beatles");
    let help = ("al-help", "Help!");
    let abbey = ("al-abbey", "Abbey Road");
    index_of(&[
        track("t-help", "Help!", beatles, help),
        track("t-yesterday", "Yesterday", beatles, help),
        track("t-ticket", "Ticket to Ride", beatles, help),
        track("t-something", "Something", beatles, abbey),
        track("t-come", "Come Together", beatles, abbey),
        track(
            "t-helpme",
            "Help Me Rhonda",
            ("ar-beach", "The Beach Boys"),
            ("al-today", "Today!"),
        ),
        track(
            "t-halo",
            "Halo",
            ("ar-beyonce", "Beyoncé"),
            ("al-sasha", "I Am... Sasha Fierce"),
        ),
        track(
            "t-thunder",
            "Thunderstruck",
            ("ar-acdc", "AC/DC"),
            ("al-razors", "The Razors Edge"),
        ),
        track(
            "t-sweet",
            "Sweet Child O' Mine",
            ("ar-gnr", "Guns N' Roses"),
            ("al-appetite", "Appetite for Destruction"),
        ),
        track(
            "t-joga",
            "Jóga",
            ("ar-bjork", "Bjo\u{308}rk"),
            ("al-homogenic", "Homogenic"),
        ),
    ])
}

#[test]
fn empty_whitespace_and_punctuation_queries_find_nothing() {
    let index = catalog();
    for query in ["", "   ", "\t\n", "!?", "/-'.", "\"()*"] {
        for kind in [Kind::Track, Kind::Artist, Kind::Album] {
            let hits = index.search(query, kind, 10, 0).unwrap();
            assert!(hits.ids.is_empty(), "{query:?} {kind:?}");
            assert_eq!(hits.total, 0, "{query:?} {kind:?}");
        }
    }
}

#[test]
fn a_track_matches_its_name_artists_and_album() {
    let index = catalog();
    assert_eq!(
        first(&index, "thunderstruck", Kind::Track).unwrap(),
        "t-thunder"
    );
    assert_eq!(ids(&index, "beach boys", Kind::Track), ["t-helpme"]);
    let mut abbey = ids(&index, "abbey road", Kind::Track);
    abbey.sort();
    assert_eq!(abbey, ["t-come", "t-something"]);
}

#[test]
fn a_track_with_several_artists_matches_each() {
    let mut doc = track(
        "t-duet",
        "Under Pressure",
        ("ar-queen", "Queen"),
        ("al-hot", "Hot Space"),
    );
    doc.artists.push(("ar-bowie".into(), "David Bowie".into()));
    let index = index_of(&[doc]);
    assert_eq!(ids(&index, "bowie", Kind::Track), ["t-duet"]);
    assert_eq!(ids(&index, "queen", Kind::Track), ["t-duet"]);
    assert_eq!(ids(&index, "david bowie", Kind::Artist), ["ar-bowie"]);
}

#[test]
fn an_artist_matches_its_name_only() {
    let index = catalog();
    assert_eq!(ids(&index, "beatles", Kind::Artist), ["ar-beatles"]);
    assert!(ids(&index, "yesterday", Kind::Artist).is_empty());
    assert!(ids(&index, "abbey road", Kind::Artist).is_empty());
}

#[test]
fn an_album_matches_its_name_and_its_artists() {
    let index = catalog();
    assert_eq!(
        first(&index, "abbey road", Kind::Album).unwrap(),
        "al-abbey"
    );
    let mut beatles = ids(&index, "beatles", Kind::Album);
    beatles.sort();
    assert_eq!(beatles, ["al-abbey", "al-help"]);
    assert!(ids(&index, "yesterday", Kind::Album).is_empty());
}

#[test]
fn own_name_ranks_above_related_names() {
    let index = catalog();
    let help = ids(&index, "help", Kind::Track);
    assert_eq!(help[0], "t-help", "{help:?}");
    // A partial own-name match still beats a match only through the album's name.
    let pos = |id: &str| help.iter().position(|h| h == id).unwrap();
    assert!(pos("t-helpme") < pos("t-yesterday"), "{help:?}");
    assert!(pos("t-helpme") < pos("t-ticket"), "{help:?}");
    assert_eq!(help.len(), 4, "{help:?}");
}

#[test]
fn whole_name_match_ranks_first_among_albums_and_artists() {
    let index = index_of(&[
        track(
            "t1",
            "A",
            ("ar-1", "Road Runners"),
            ("al-1", "Abbey Road Revisited"),
        ),
        track("t2", "B", ("ar-2", "Abbey"), ("al-2", "Abbey Road")),
        track("t3", "C", ("ar-3", "Road"), ("al-3", "Road to Abbey Road")),
    ]);
    assert_eq!(first(&index, "abbey road", Kind::Album).unwrap(), "al-2");
    assert_eq!(first(&index, "road", Kind::Artist).unwrap(), "ar-3");
}

#[test]
fn documents_matching_more_terms_rank_higher() {
    let index = index_of(&[
        track(
            "t-one",
            "Love Love Love Love",
            ("a1", "Nobody"),
            ("l1", "Nothing"),
        ),
        track(
            "t-two",
            "Love Song",
            ("a2", "Somebody"),
            ("l2", "Something"),
        ),
        track(
            "t-three",
            "Love Song Tonight",
            ("a3", "Anybody"),
            ("l3", "Anything"),
        ),
        track(
            "t-none",
            "Tonight",
            ("a4", "Everybody"),
            ("l4", "Everything"),
        ),
    ]);
    let found = ids(&index, "love song tonight", Kind::Track);
    assert_eq!(found[..2], ["t-three", "t-two"], "{found:?}");
    // The two single-term matches follow, in either order.
    assert_eq!(found.len(), 4, "{found:?}");
    // Terms split across the name and related names still count as matching all terms.
    let mixed = ids(&index, "song somebody", Kind::Track);
    assert_eq!(mixed[0], "t-two", "{mixed:?}");
}

#[test]
fn documents_with_all_terms_come_before_partial_matches() {
    let index = index_of(&[
        // Rare-word partial match: high BM25 but misses "dance".
        track("t-rare", "Xylophone", ("a1", "Zed"), ("l1", "Zzz")),
        track(
            "t-all",
            "Night Dance Xylophone",
            ("a2", "Bee"),
            ("l2", "Bbb"),
        ),
        track("t-dance1", "Dance", ("a3", "Cee"), ("l3", "Ccc")),
        track("t-dance2", "Dance Dance", ("a4", "Dee"), ("l4", "Ddd")),
    ]);
    let found = ids(&index, "xylophone dance", Kind::Track);
    assert_eq!(found[0], "t-all", "{found:?}");
    assert_eq!(found.len(), 4, "partial matches still appear: {found:?}");
}

#[test]
fn case_and_accents_are_folded() {
    let index = catalog();
    for query in ["beyonce", "Beyoncé", "BEYONCE", "beyonce\u{301}"] {
        assert_eq!(ids(&index, query, Kind::Artist), ["ar-beyonce"], "{query}");
    }
    assert_eq!(ids(&index, "halo beyonce", Kind::Track), ["t-halo"]);
    // Decomposed accents in the catalog fold too.
    assert_eq!(ids(&index, "bjork", Kind::Artist), ["ar-bjork"]);
    assert_eq!(ids(&index, "Björk", Kind::Artist), ["ar-bjork"]);
    assert_eq!(first(&index, "joga", Kind::Track).unwrap(), "t-joga");
}

#[test]
fn punctuation_and_spacing_are_folded() {
    let index = catalog();
    for query in ["AC/DC", "ac dc", "acdc", "AC-DC", "ac.dc", "Ac / Dc"] {
        assert_eq!(
            first(&index, query, Kind::Artist).unwrap(),
            "ar-acdc",
            "{query}"
        );
        assert_eq!(
            first(&index, query, Kind::Track).unwrap(),
            "t-thunder",
            "{query}"
        );
    }
    for query in [
        "guns n roses",
        "Guns N' Roses",
        "guns n' roses",
        "gunsnroses",
        "guns 'n' roses",
    ] {
        assert_eq!(
            first(&index, query, Kind::Artist).unwrap(),
            "ar-gnr",
            "{query}"
        );
    }
    assert_eq!(
        first(&index, "acdc thunderstruck", Kind::Track).unwrap(),
        "t-thunder"
    );
    assert_eq!(
        first(&index, "sweet child o mine", Kind::Track).unwrap(),
        "t-sweet"
    );
}

#[test]
fn catalog_names_without_punctuation_match_punctuated_queries() {
    let index = index_of(&[track("t1", "Dont Stop", ("a1", "ACDC"), ("l1", "Live"))]);
    assert_eq!(ids(&index, "AC/DC", Kind::Artist), ["a1"]);
    assert_eq!(ids(&index, "don't stop", Kind::Track), ["t1"]);
}

#[test]
fn last_term_matches_as_a_prefix() {
    let index = catalog();
    assert_eq!(ids(&index, "beatl", Kind::Artist), ["ar-beatles"]);
    assert_eq!(ids(&index, "the beatl", Kind::Artist)[0], "ar-beatles");
    assert_eq!(ids(&index, "thund", Kind::Track), ["t-thunder"]);
    assert_eq!(
        first(&index, "ticket to ri", Kind::Track).unwrap(),
        "t-ticket"
    );
    assert_eq!(ids(&index, "acd", Kind::Artist), ["ar-acdc"]);
    // Only the last term is a prefix.
    assert!(ids(&index, "beatl zzz", Kind::Artist).is_empty());
}

#[test]
fn query_syntax_in_user_text_is_just_text() {
    let index = catalog();
    for query in [
        "\"unbalanced",
        "help AND (",
        "name:help",
        "*",
        "help~2",
        "[a TO z]",
        "-help",
        "+help",
        "\\",
        "help^10",
        "IN [a b]",
    ] {
        for kind in [Kind::Track, Kind::Artist, Kind::Album] {
            assert!(index.search(query, kind, 10, 0).is_ok(), "{query:?}");
        }
    }
    assert_eq!(first(&index, "name:help", Kind::Track).unwrap(), "t-help");
    assert_eq!(first(&index, "-help", Kind::Track).unwrap(), "t-help");
    assert_eq!(first(&index, "help^10", Kind::Track).unwrap(), "t-help");
}

#[test]
fn reindexing_a_track_replaces_it() {
    let index = catalog();
    assert_eq!(index.len(Kind::Track), 10);
    let renamed = track(
        "t-yesterday",
        "Tomorrow Never Knows",
        ("ar-beatles", "The Beatles"),
        ("al-revolver", "Revolver"),
    );
    index.index_tracks(&[renamed]).unwrap();
    assert_eq!(index.len(Kind::Track), 10);
    assert!(ids(&index, "yesterday", Kind::Track).is_empty());
    assert_eq!(
        ids(&index, "tomorrow never knows", Kind::Track),
        ["t-yesterday"]
    );
    assert_eq!(ids(&index, "revolver", Kind::Track), ["t-yesterday"]);
    assert_eq!(ids(&index, "revolver", Kind::Album), ["al-revolver"]);
}

#[test]
fn the_same_id_twice_in_one_batch_keeps_the_last() {
    let index = index_of(&[
        track(
            "t1",
            "First Name",
            ("a1", "Old Artist"),
            ("l1", "Old Album"),
        ),
        track(
            "t1",
            "Second Name",
            ("a1", "New Artist"),
            ("l1", "New Album"),
        ),
    ]);
    assert_eq!(index.len(Kind::Track), 1);
    assert_eq!(index.len(Kind::Artist), 1);
    assert_eq!(index.len(Kind::Album), 1);
    assert!(ids(&index, "first", Kind::Track).is_empty());
    assert_eq!(ids(&index, "second", Kind::Track), ["t1"]);
    assert!(ids(&index, "old", Kind::Artist).is_empty());
    assert_eq!(ids(&index, "new artist", Kind::Artist), ["a1"]);
    assert_eq!(ids(&index, "new album", Kind::Album), ["l1"]);
}

#[test]
fn shared_artists_and_albums_appear_once() {
    let index = catalog();
    assert_eq!(index.len(Kind::Artist), 6);
    assert_eq!(index.len(Kind::Album), 7);
    let hits = index.search("the beatles", Kind::Artist, 10, 0).unwrap();
    assert_eq!(hits.ids.iter().filter(|id| *id == "ar-beatles").count(), 1);
    let hits = index.search("help", Kind::Album, 10, 0).unwrap();
    assert_eq!(hits.ids, ["al-help"]);
    assert_eq!(hits.total, 1);

    // Naming them again in later batches does not duplicate them either.
    index
        .index_tracks(&[track(
            "t-new",
            "Eight Days a Week",
            ("ar-beatles", "The Beatles"),
            ("al-help", "Help!"),
        )])
        .unwrap();
    assert_eq!(index.len(Kind::Artist), 6);
    assert_eq!(index.len(Kind::Album), 7);
    assert_eq!(ids(&index, "beatles", Kind::Artist), ["ar-beatles"]);
    assert_eq!(ids(&index, "help", Kind::Album), ["al-help"]);
}

#[test]
fn changes_are_visible_as_soon_as_index_tracks_returns() {
    let index = SearchIndex::in_memory().unwrap();
    assert!(index.is_empty());
    assert!(ids(&index, "halo", Kind::Track).is_empty());
    for i in 0..5 {
        let id = format!("t{i}");
        index
            .index_tracks(&[track(
                &id,
                &format!("Song{i}"),
                ("a", "Artist"),
                ("l", "Album"),
            )])
            .unwrap();
        assert_eq!(ids(&index, &format!("song{i}"), Kind::Track), [id]);
        assert_eq!(index.len(Kind::Track), i + 1);
    }
    assert!(!index.is_empty());
    index.index_tracks(&[]).unwrap();
    assert_eq!(index.len(Kind::Track), 5);
}

#[test]
fn len_counts_each_kind() {
    let index = catalog();
    assert_eq!(index.len(Kind::Track), 10);
    assert_eq!(index.len(Kind::Artist), 6);
    assert_eq!(index.len(Kind::Album), 7);
    assert!(!index.is_empty());
    assert!(SearchIndex::in_memory().unwrap().is_empty());
}

#[test]
fn empty_ids_are_skipped() {
    let index = index_of(&[track("t1", "Lonely", ("", "Nameless"), ("", ""))]);
    assert_eq!(index.len(Kind::Track), 1);
    assert_eq!(index.len(Kind::Artist), 0);
    assert_eq!(index.len(Kind::Album), 0);
    assert_eq!(ids(&index, "nameless", Kind::Track), ["t1"]);
}

#[test]
fn limit_and_offset_page_through_the_total() {
    let docs: Vec<TrackDoc> = (0..25)
        .map(|i| {
            track(
                &format!("t{i:02}"),
                &format!("Rain {i}"),
                ("a", "Weather"),
                ("l", "Sky"),
            )
        })
        .collect();
    let index = index_of(&docs);
    let all = index.search("rain", Kind::Track, 50, 0).unwrap();
    assert_eq!(all.total, 25);
    assert_eq!(all.ids.len(), 25);

    let mut paged = Vec::new();
    for offset in (0..25).step_by(10) {
        let page = index.search("rain", Kind::Track, 10, offset).unwrap();
        assert_eq!(page.total, 25);
        paged.extend(page.ids);
    }
    assert_eq!(paged, all.ids);

    let counted = index.search("rain", Kind::Track, 0, 0).unwrap();
    assert!(counted.ids.is_empty());
    assert_eq!(counted.total, 25);
    let past_end = index.search("rain", Kind::Track, 10, 1000).unwrap();
    assert!(past_end.ids.is_empty());
    assert_eq!(past_end.total, 25);
    let huge = index
        .search("rain", Kind::Track, usize::MAX, usize::MAX)
        .unwrap();
    assert!(huge.ids.is_empty());
    let big_limit = index.search("rain", Kind::Track, usize::MAX, 20).unwrap();
    assert_eq!(big_limit.ids.len(), 5);
}

#[test]
fn pages_stay_in_order_where_matches_of_every_term_run_out() {
    // 25 tracks match both terms, 10 only one: pages of 10 cross from the first to the rest.
    let mut docs: Vec<TrackDoc> = (0..25)
        .map(|i| {
            track(
                &format!("both{i:02}"),
                &format!("Rain Storm {i}"),
                ("a", "Weather"),
                ("l", "Sky"),
            )
        })
        .collect();
    docs.extend((0..10).map(|i| {
        track(
            &format!("rain{i:02}"),
            &format!("Rain {i}"),
            ("b", "Drizzle"),
            ("m", "Cloud"),
        )
    }));
    let index = index_of(&docs);
    let all = index.search("rain storm", Kind::Track, 50, 0).unwrap();
    assert_eq!(all.total, 35);
    assert_eq!(all.ids.len(), 35);
    assert!(
        all.ids[..25].iter().all(|id| id.starts_with("both")),
        "{:?}",
        all.ids
    );
    let mut paged = Vec::new();
    for offset in (0..35).step_by(10) {
        let page = index.search("rain storm", Kind::Track, 10, offset).unwrap();
        assert_eq!(page.total, 35, "offset {offset}");
        paged.extend(page.ids);
    }
    assert_eq!(paged, all.ids);
    let first = index.search("rain storm", Kind::Track, 20, 0).unwrap();
    assert_eq!(first.total, 35);
    assert_eq!(first.ids, all.ids[..20]);
}

#[test]
fn hits_default_is_empty() {
    let hits = Hits::default();
    assert!(hits.ids.is_empty());
    assert_eq!(hits.total, 0);
}

#[test]
fn shared_across_threads_while_indexing() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SearchIndex>();

    let index = Arc::new(catalog());
    let writer = {
        let index = Arc::clone(&index);
        std::thread::spawn(move || {
            for i in 0..20 {
                let id = format!("t-extra{i}");
                index
                    .index_tracks(&[track(&id, "Extra", ("ar-x", "X"), ("al-x", "X"))])
                    .unwrap();
            }
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let index = Arc::clone(&index);
            std::thread::spawn(move || {
                for _ in 0..50 {
                    assert_eq!(first(&index, "help", Kind::Track).unwrap(), "t-help");
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for reader in readers {
        reader.join().unwrap();
    }
    assert_eq!(index.search("extra", Kind::Track, 1, 0).unwrap().total, 20);
}

#[test]
fn converts_from_a_domain_track() {
    use medley_domain::catalog::{Album, ArtistRef, Track};
    let artist = ArtistRef {
        id: "ar1".into(),
        name: "Daft Punk".into(),
    };
    let track = Track {
        id: "t1".into(),
        name: "One More Time".into(),
        album: Album {
            id: "al1".into(),
            name: "Discovery".into(),
            artists: vec![artist.clone()],
            release_date: None,
            album_type: "album".into(),
            total_tracks: 14,
            spotify_id: None,
            cover: None,
        },
        artists: vec![artist],
        duration_ms: 320_000,
        isrc: None,
        explicit: false,
        track_number: 1,
        disc_number: 1,
        popularity: 0,
        spotify_id: None,
        external_ids: Default::default(),
    };
    let doc = TrackDoc::from(&track);
    assert_eq!(doc.artists, [("ar1".to_string(), "Daft Punk".to_string())]);
    assert_eq!(doc.album_artists, ["Daft Punk"]);
    let index = index_of(&[doc]);
    assert_eq!(ids(&index, "daft punk one more time", Kind::Track), ["t1"]);
}
