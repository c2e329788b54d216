//! Audio files and library scans, on SQLite and (when `MEDLEY_TEST_DATABASE_URL` is set)
//! PostgreSQL, each test in a fresh database.

use medley_domain::catalog::NewTrack;
use medley_domain::text::TextEnum;
use medley_domain::{AudioFileId, TrackId};
use medley_store::{
    AudioFile, AudioOrigin, AudioStatus, AudioStore, CatalogStore, ScanStore, SqlStore, StoreError,
    TrackChoice, TrackToAdd,
};

on_both_backends!(
    files_bring_tracks_or_join_existing_ones,
    compilations_share_the_album_artists_album,
    files_move_go_missing_and_come_back,
    a_tracks_best_file_plays_first,
    matching_reads_find_isrcs_and_titles,
    scans_record_progress_and_their_end,
);

/// A scanned file at `root/rel`.
fn scanned(root: &str, rel: &str, hash: &str) -> AudioFile {
    AudioFile {
        id: AudioFileId::new(),
        track_id: TrackId::from(String::new()),
        origin: AudioOrigin::Scan,
        root: root.into(),
        path: format!("{root}/{rel}"),
        object_key: None,
        size: 1000,
        mtime_ms: 5,
        content_hash: hash.into(),
        format: "flac".into(),
        codec: "flac".into(),
        duration_ms: 180_000,
        bitrate_kbps: Some(900),
        sample_rate_hz: Some(44_100),
        channels: Some(2),
        bit_depth: Some(16),
        tags: "{}".into(),
        status: AudioStatus::Present,
        uploaded_by: None,
        created_at_ms: 0,
        updated_at_ms: 0,
        missing_since_ms: None,
    }
}

fn new_track(name: &str, artists: &[&str], album: &str) -> TrackToAdd {
    TrackToAdd {
        track: NewTrack {
            name: name.into(),
            artists: artists.iter().map(|a| a.to_string()).collect(),
            album: Some(album.into()),
            duration_ms: 180_000,
            ..Default::default()
        },
        album_artist: None,
        disc_number: None,
    }
}

async fn files_bring_tracks_or_join_existing_ones(store: SqlStore) {
    let existing = store
        .upsert_tracks(
            &[NewTrack {
                name: "Known".into(),
                artists: vec!["Band".into()],
                duration_ms: 1000,
                ..Default::default()
            }],
            1,
        )
        .await
        .unwrap()
        .remove(0);
    let a = scanned("/music", "a.flac", "h-a");
    let b = scanned("/music", "b.flac", "h-b");
    let mut disc_two = new_track("New Song", &["Band", "Guest"], "Album");
    disc_two.disc_number = Some(2);
    let ids = store
        .write_audio_files(
            &[disc_two],
            &[
                (a.clone(), TrackChoice::Existing(existing.clone())),
                (b.clone(), TrackChoice::New(0)),
            ],
            10,
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 1);
    let track = store.tracks(&ids).await.unwrap().remove(0);
    assert_eq!(track.name, "New Song");
    assert_eq!(track.disc_number, 2);
    let names: Vec<&str> = track.artists.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Band", "Guest"]);
    assert_eq!(
        store.audio_file(&a.id).await.unwrap().unwrap().track_id,
        existing
    );
    let stored_b = store.audio_file(&b.id).await.unwrap().unwrap();
    assert_eq!(
        (stored_b.track_id.as_str(), stored_b.created_at_ms),
        (ids[0].as_str(), 10)
    );
    let mut with = store
        .tracks_with_audio(&[existing.clone(), ids[0].clone(), "nope".into()])
        .await
        .unwrap();
    with.sort();
    let mut expected = vec![existing.clone(), ids[0].clone()];
    expected.sort();
    assert_eq!(with, expected);

    // Writing a file again by id updates it in place.
    let mut changed = b.clone();
    changed.size = 2000;
    changed.content_hash = "h-b2".into();
    store
        .write_audio_files(
            &[],
            &[(changed, TrackChoice::Existing(existing.clone()))],
            20,
        )
        .await
        .unwrap();
    let stored_b = store.audio_file(&b.id).await.unwrap().unwrap();
    assert_eq!(
        (
            stored_b.size,
            stored_b.content_hash.as_str(),
            stored_b.track_id.as_str()
        ),
        (2000, "h-b2", existing.as_str())
    );
    assert_eq!((stored_b.created_at_ms, stored_b.updated_at_ms), (10, 20));

    // One place holds one scanned file.
    let twin = scanned("/music", "a.flac", "h-a");
    let e = store
        .write_audio_files(&[], &[(twin, TrackChoice::Existing(existing.clone()))], 30)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    // An upload may share its name with anything.
    let mut upload = scanned("", "a.flac", "h-a");
    upload.origin = AudioOrigin::Upload;
    upload.object_key = Some("h-/h-a.flac".into());
    store
        .write_audio_files(
            &[],
            &[(upload.clone(), TrackChoice::Existing(existing))],
            30,
        )
        .await
        .unwrap();
    assert!(store.object_in_use("h-/h-a.flac").await.unwrap());
    assert!(store.delete_audio_file(&upload.id).await.unwrap());
    assert!(!store.delete_audio_file(&upload.id).await.unwrap());
    assert!(!store.object_in_use("h-/h-a.flac").await.unwrap());
}

async fn compilations_share_the_album_artists_album(store: SqlStore) {
    let mut one = new_track("One", &["Singer A"], "Hits 2001");
    one.album_artist = Some("Various Artists".into());
    let mut two = new_track("Two", &["Singer B"], "Hits 2001");
    two.album_artist = Some("Various Artists".into());
    let files = [
        (scanned("/m", "1.flac", "1"), TrackChoice::New(0)),
        (scanned("/m", "2.flac", "2"), TrackChoice::New(1)),
    ];
    let ids = store
        .write_audio_files(&[one, two], &files, 1)
        .await
        .unwrap();
    let tracks = store.tracks(&ids).await.unwrap();
    assert_eq!(tracks[0].album.id, tracks[1].album.id);
    assert_eq!(tracks[0].album.artists[0].name, "Various Artists");
    assert_eq!(tracks[0].artists[0].name, "Singer A");
    assert_eq!(tracks[1].artists[0].name, "Singer B");
    assert_eq!(
        store
            .album(&tracks[0].album.id)
            .await
            .unwrap()
            .unwrap()
            .total_tracks,
        2
    );
}

async fn files_move_go_missing_and_come_back(store: SqlStore) {
    let ids = store
        .write_audio_files(
            &[new_track("S", &["A"], "L")],
            &[
                (scanned("/m", "x/1.flac", "h1"), TrackChoice::New(0)),
                (scanned("/m", "x/2.flac", "h2"), TrackChoice::New(0)),
                (scanned("/other", "3.flac", "h3"), TrackChoice::New(0)),
                (scanned("/m_x", "100% off.flac", "h4"), TrackChoice::New(0)),
            ],
            1,
        )
        .await
        .unwrap();
    // Files below a folder, whichever folder their scan named; `_` and `%` are not patterns.
    let under = store.audio_files_under("/m").await.unwrap();
    assert_eq!(under.len(), 2);
    assert_eq!(store.audio_files_under("/m/x/").await.unwrap().len(), 2);
    assert_eq!(store.audio_files_under("/m_").await.unwrap().len(), 0);
    assert_eq!(store.audio_files_under("/m_x").await.unwrap().len(), 1);
    assert_eq!(store.audio_files_under("/").await.unwrap().len(), 4);
    let one = under
        .iter()
        .find(|f| f.path == "/m/x/1.flac")
        .unwrap()
        .clone();
    assert_eq!(
        store
            .set_audio_status(std::slice::from_ref(&one.id), false, 5)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .set_audio_status(std::slice::from_ref(&one.id), false, 6)
            .await
            .unwrap(),
        0
    );
    let missing = store.audio_file(&one.id).await.unwrap().unwrap();
    assert_eq!(
        (missing.status.as_str(), missing.missing_since_ms),
        ("missing", Some(5))
    );
    let found = store
        .missing_audio_by_hash(&["h1".into(), "h2".into()])
        .await
        .unwrap();
    assert_eq!(found.iter().map(|f| &f.id).collect::<Vec<_>>(), [&one.id]);
    store
        .move_audio_file(&one.id, "/other", "/other/moved/1.flac", 9, 7)
        .await
        .unwrap();
    let moved = store.audio_file(&one.id).await.unwrap().unwrap();
    assert_eq!(
        (
            moved.root.as_str(),
            moved.path.as_str(),
            moved.status.as_str(),
            moved.mtime_ms
        ),
        ("/other", "/other/moved/1.flac", "present", 9)
    );
    assert_eq!(
        (moved.track_id.as_str(), moved.missing_since_ms),
        (ids[0].as_str(), None)
    );
    assert_eq!(store.audio_files_under("/other").await.unwrap().len(), 2);
    assert!(store
        .missing_audio_by_hash(&["h1".into()])
        .await
        .unwrap()
        .is_empty());
}

async fn a_tracks_best_file_plays_first(store: SqlStore) {
    let mut low = scanned("/m", "low.mp3", "l");
    low.bitrate_kbps = Some(128);
    let mut high = scanned("/m", "high.flac", "h");
    high.bitrate_kbps = Some(1000);
    let mut unknown = scanned("/m", "unknown.wav", "u");
    unknown.bitrate_kbps = None;
    let ids = store
        .write_audio_files(
            &[new_track("S", &["A"], "L")],
            &[
                (low.clone(), TrackChoice::New(0)),
                (high.clone(), TrackChoice::New(0)),
                (unknown.clone(), TrackChoice::New(0)),
            ],
            1,
        )
        .await
        .unwrap();
    let order = |files: Vec<AudioFile>| files.into_iter().map(|f| f.id).collect::<Vec<_>>();
    assert_eq!(
        order(store.track_audio(&ids[0]).await.unwrap()),
        [high.id.clone(), low.id.clone(), unknown.id.clone()]
    );
    store
        .set_audio_status(&[high.id.clone()], false, 2)
        .await
        .unwrap();
    assert_eq!(
        order(store.track_audio(&ids[0]).await.unwrap()),
        [low.id.clone(), unknown.id.clone(), high.id.clone()]
    );
    store
        .set_audio_status(&[low.id.clone(), unknown.id.clone()], false, 3)
        .await
        .unwrap();
    assert!(store.tracks_with_audio(&ids).await.unwrap().is_empty());
}

async fn matching_reads_find_isrcs_and_titles(store: SqlStore) {
    let ids = store
        .upsert_tracks(
            &[
                NewTrack {
                    name: "Hello  World".into(),
                    artists: vec!["Alpha".into(), "Beta".into()],
                    duration_ms: 200_000,
                    isrc: Some("USRC17607839".into()),
                    ..Default::default()
                },
                NewTrack {
                    name: "hello world".into(),
                    artists: vec!["Gamma".into()],
                    album: Some("Other".into()),
                    duration_ms: 100_000,
                    ..Default::default()
                },
            ],
            1,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .tracks_by_isrcs(&["USRC17607839".into(), "GBAAA0000001".into()])
            .await
            .unwrap(),
        [("USRC17607839".to_owned(), ids[0].clone())]
    );
    let mut found = store
        .title_candidates(&["hello world".into(), "absent".into()])
        .await
        .unwrap();
    found.sort_by_key(|c| c.duration_ms);
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[0].track_id.as_str(), found[0].artist_keys.clone()),
        (ids[1].as_str(), vec!["gamma".to_owned()])
    );
    assert_eq!(found[1].artist_keys, ["alpha", "beta"]);
    assert_eq!(found[1].name_key, "hello world");
}

async fn scans_record_progress_and_their_end(store: SqlStore) {
    let paths = vec!["/music".to_owned(), "/more music".to_owned()];
    store
        .create_scan("s1", None, &paths, true, 1)
        .await
        .unwrap();
    store
        .create_scan("s2", None, &paths[..1], false, 2)
        .await
        .unwrap();
    let s1 = store.scan("s1").await.unwrap().unwrap();
    assert_eq!(
        (s1.status.as_str(), s1.paths.clone(), s1.copy_files),
        ("queued", paths, true)
    );
    // Progress counts only while running.
    store.scan_progress("s1", 10, 3, "{}", 3).await.unwrap();
    assert_eq!(store.scan("s1").await.unwrap().unwrap().files_done, 0);
    store.start_scan("s1", 4).await.unwrap();
    store
        .scan_progress("s1", 10, 3, "{\"a\":1}", 5)
        .await
        .unwrap();
    let s1 = store.scan("s1").await.unwrap().unwrap();
    assert_eq!(
        (
            s1.status.as_str(),
            s1.files_total,
            s1.files_done,
            s1.started_at_ms
        ),
        ("running", 10, 3, Some(4))
    );
    store.finish_scan("s1", "{\"b\":2}", None, 6).await.unwrap();
    store
        .finish_scan("s2", "{}", Some("the folder vanished"), 7)
        .await
        .unwrap();
    let s1 = store.scan("s1").await.unwrap().unwrap();
    assert_eq!(
        (
            s1.status.as_str(),
            s1.files_done,
            s1.report.as_deref(),
            s1.finished_at_ms
        ),
        ("done", 10, Some("{\"b\":2}"), Some(6))
    );
    let s2 = store.scan("s2").await.unwrap().unwrap();
    assert_eq!(
        (s2.status.as_str(), s2.error.as_deref(), s2.started_at_ms),
        ("failed", Some("the folder vanished"), Some(7))
    );
    let listed: Vec<String> = store
        .scans(10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, ["s2", "s1"]);
    assert!(store.scan("nope").await.unwrap().is_none());
}
