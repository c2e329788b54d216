//! The demo catalog's promises, checked on the real embedded data.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use medley_demo::{chinook, playlists, scaled, source, users, CHINOOK_TRACKS, DEMO_PASSWORD};
use medley_domain::catalog::{date_precision, name_key, NewTrack};
use medley_domain::user::{validate_password, validate_username};

fn year(date: &str) -> i32 {
    date[..4].parse().unwrap()
}

fn album(t: &NewTrack) -> &str {
    t.album.as_deref().expect("every demo track has an album")
}

#[test]
fn chinook_has_the_whole_catalog() {
    let tracks = chinook();
    assert_eq!(tracks.len(), 3_503);
    assert_eq!(tracks.len(), CHINOOK_TRACKS);
    let artists: HashSet<&str> = tracks
        .iter()
        .flat_map(|t| &t.artists)
        .map(|a| a.as_str())
        .collect();
    let albums: HashSet<&str> = tracks.iter().map(album).collect();
    assert!(artists.len() >= 30, "{} artists", artists.len());
    assert!(albums.len() >= 60, "{} albums", albums.len());
    // Chinook: 204 artists with tracks, 347 albums.
    assert_eq!((artists.len(), albums.len()), (204, 347));
}

#[test]
fn the_first_track_is_acdc() {
    let t = &chinook()[0];
    assert_eq!(t.name, "For Those About To Rock (We Salute You)");
    assert_eq!(t.artists, vec!["AC/DC".to_string()]);
    assert_eq!(
        t.album.as_deref(),
        Some("For Those About To Rock We Salute You")
    );
    assert_eq!(t.duration_ms, 343_719);
    assert_eq!(t.track_number, Some(1));
    assert!(t.artist_details.contains_key("AC/DC"));
    assert_eq!(
        source()[0].composer,
        Some("Angus Young, Malcolm Young, Brian Johnson")
    );
}

/// Pinned invented metadata: a change here changes every demo server's catalog.
#[test]
fn the_first_tracks_invented_metadata_is_stable() {
    let t = &chinook()[0];
    assert_eq!(t.isrc.as_deref(), Some("USNP09131337"));
    assert_eq!(t.release_date.as_deref(), Some("1991-07-12"));
    assert!(!t.explicit);
    let acdc = &t.artist_details["AC/DC"];
    assert_eq!(acdc.birth_date.as_deref(), Some("1988-10-12"));
    assert_eq!(acdc.country.as_deref(), Some("US"));
    assert_eq!(acdc.status.as_deref(), Some("active"));
}

#[test]
fn calls_are_deterministic() {
    assert_eq!(chinook(), chinook());
    assert_eq!(scaled(8_000), scaled(8_000));
    assert_eq!(playlists(), playlists());
}

#[test]
fn every_track_is_valid() {
    for (i, t) in chinook().iter().chain(&scaled(20_000)).enumerate() {
        assert_eq!(t.validate(), Ok(()), "track {i}: {t:?}");
    }
}

#[test]
fn isrcs_are_unique_and_well_formed() {
    let tracks = scaled(20_000);
    let mut seen = HashSet::new();
    for t in &tracks {
        let isrc = t.isrc.as_deref().expect("every demo track has an ISRC");
        assert!(seen.insert(isrc), "duplicate ISRC {isrc}");
        assert_eq!(isrc.len(), 12);
        let details = &t.artist_details[&t.artists[0]];
        assert_eq!(Some(&isrc[..2]), details.country.as_deref(), "{isrc}");
        let yy = year(t.release_date.as_deref().unwrap()) % 100;
        assert_eq!(isrc[5..7], format!("{yy:02}"), "{isrc}");
        assert!(isrc[7..].bytes().all(|b| b.is_ascii_digit()), "{isrc}");
    }
}

#[test]
fn scaled_has_exactly_n_tracks_and_grows_by_appending() {
    for n in [0, 1, 3_502, 3_503, 3_504, 20_000] {
        assert_eq!(scaled(n).len(), n);
    }
    let big = scaled(9_000);
    assert_eq!(big[..CHINOOK_TRACKS], chinook()[..]);
    assert_eq!(big[..5_000], scaled(5_000)[..]);
}

#[test]
fn scaled_keeps_the_artists_and_adds_albums() {
    let base = chinook();
    let tracks = scaled(20_000);
    let artists = |ts: &[NewTrack]| -> BTreeSet<String> {
        ts.iter().flat_map(|t| t.artists.iter().cloned()).collect()
    };
    assert_eq!(artists(&tracks), artists(&base));
    assert!(tracks.iter().all(|t| t.artists.len() == 1));
    let albums: HashSet<&str> = tracks.iter().map(album).collect();
    assert!(albums.len() >= 347 * 5, "{} albums", albums.len());
    let names: Vec<&str> = tracks[CHINOOK_TRACKS..]
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(" (Live)")));
    assert!(names.iter().any(|n| n.contains(" (Remastered ")));
    assert!(names.iter().any(|n| n.ends_with(" (Demo)")));
    assert!(tracks
        .iter()
        .any(|t| album(t).ends_with(" (Deluxe Edition)")));
}

/// Albums are found by name, so each album name must mean one artist, one release date and
/// distinct track numbers 1..=k — for the originals and for every re-release round,
/// including the numbered second cycle.
#[test]
fn each_album_name_is_one_coherent_album() {
    let tracks = scaled(40_000);
    #[derive(Default)]
    struct Seen<'a> {
        artists: BTreeSet<&'a str>,
        dates: BTreeSet<&'a str>,
        numbers: Vec<i64>,
    }
    let mut albums: HashMap<String, Seen> = HashMap::new();
    for t in &tracks {
        let seen = albums.entry(name_key(album(t))).or_default();
        seen.artists.insert(&t.artists[0]);
        seen.dates.insert(t.release_date.as_deref().unwrap());
        seen.numbers.push(t.track_number.unwrap());
    }
    for (name, mut seen) in albums {
        assert_eq!(seen.artists.len(), 1, "{name}: {:?}", seen.artists);
        assert_eq!(seen.dates.len(), 1, "{name}: {:?}", seen.dates);
        seen.numbers.sort_unstable();
        let expected: Vec<i64> = (1..=seen.numbers.len() as i64).collect();
        assert_eq!(seen.numbers, expected, "{name}");
    }
    assert!(tracks.iter().any(|t| t.name.ends_with(" (Live 2)")));
    assert!(tracks
        .iter()
        .any(|t| album(t).ends_with(" (Deluxe Edition 2)")));
}

#[test]
fn release_dates_are_plausible() {
    for t in chinook() {
        let date = t.release_date.as_deref().unwrap();
        assert_eq!(date_precision(date), Some("day"), "{date}");
        assert!((1960..=2013).contains(&year(date)), "{date}");
    }
    for t in &scaled(20_000)[CHINOOK_TRACKS..] {
        let date = t.release_date.as_deref().unwrap();
        assert!((1961..=2024).contains(&year(date)), "{date}");
    }
}

#[test]
fn every_artist_has_believable_details() {
    let tracks = chinook();
    let mut by_artist = BTreeMap::new();
    let mut first_release: BTreeMap<&str, i32> = BTreeMap::new();
    for t in &tracks {
        let name = &t.artists[0];
        assert_eq!(t.artist_details.len(), 1);
        let details = &t.artist_details[name];
        if let Some(previous) = by_artist.insert(name.as_str(), details) {
            assert_eq!(previous, details, "{name}: details differ between tracks");
        }
        let y = year(t.release_date.as_deref().unwrap());
        let first = first_release.entry(name).or_insert(y);
        *first = (*first).min(y);
    }
    let mut countries = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    for (name, details) in by_artist {
        let born = details.birth_date.as_deref().unwrap();
        assert_eq!(date_precision(born), Some("day"), "{name}: {born}");
        let age = first_release[name] - year(born);
        assert!(
            (1..=30).contains(&age),
            "{name}: born {born}, first album at {age}"
        );
        let country = details.country.as_deref().unwrap();
        assert!(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()));
        countries.insert(country);
        statuses.insert(details.status.as_deref().unwrap());
    }
    assert!(countries.len() >= 8, "{countries:?}");
    assert!(
        countries.contains("BR"),
        "Chinook's Latin artists are Brazilian"
    );
    let all: BTreeSet<&str> = ["active", "disbanded", "hiatus"].into();
    assert_eq!(statuses, all);
}

#[test]
fn composers_are_never_artists() {
    for (t, row) in chinook().iter().zip(source()) {
        assert_eq!(t.artists, vec![row.artist.to_string()]);
    }
    assert!(source().iter().filter(|r| r.composer.is_some()).count() > 2_000);
}

#[test]
fn about_eight_percent_are_explicit() {
    let tracks = chinook();
    let explicit = tracks.iter().filter(|t| t.explicit).count();
    let share = explicit as f64 / tracks.len() as f64;
    assert!(
        (0.05..=0.11).contains(&share),
        "{explicit} explicit ({share:.3})"
    );
    for (t, row) in tracks.iter().zip(source()) {
        if matches!(row.genre, "Classical" | "Opera" | "Jazz" | "TV Shows") {
            assert!(!t.explicit, "{}", t.name);
        }
    }
}

#[test]
fn playlists_are_themed_and_point_at_real_tracks() {
    let lists = playlists();
    assert_eq!(lists.len(), 4);
    let owners: HashSet<&str> = users().iter().map(|u| u.username).collect();
    let names: HashSet<&str> = lists.iter().map(|p| p.name).collect();
    assert_eq!(names.len(), lists.len());
    let genres = |name: &str| -> &[&str] {
        match name {
            "Rock Classics" => &["Rock"],
            "Jazz Evening" => &["Jazz"],
            "Late Night Latin" => &["Latin", "Bossa Nova"],
            "Metal Workout" => &["Metal", "Heavy Metal"],
            other => panic!("unexpected playlist {other}"),
        }
    };
    for p in &lists {
        assert!(
            (20..=60).contains(&p.tracks.len()),
            "{}: {}",
            p.name,
            p.tracks.len()
        );
        assert!(owners.contains(p.owner), "{}", p.owner);
        assert!(!p.description.is_empty());
        let unique: HashSet<usize> = p.tracks.iter().copied().collect();
        assert_eq!(unique.len(), p.tracks.len(), "{}: repeated track", p.name);
        for &i in &p.tracks {
            assert!(i < CHINOOK_TRACKS, "{}: index {i}", p.name);
            assert!(
                genres(p.name).contains(&source()[i].genre),
                "{}: {i}",
                p.name
            );
        }
    }
    assert!(lists.iter().any(|p| p.public) && lists.iter().any(|p| !p.public));
}

#[test]
fn demo_users_can_log_in() {
    assert_eq!(validate_password(DEMO_PASSWORD), Ok(()));
    let list = users();
    assert!(!list.is_empty());
    for u in list {
        assert_eq!(validate_username(u.username), Ok(()), "{}", u.username);
    }
}
