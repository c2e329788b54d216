//! Format recognition by fields, for every format, with small inline fixtures.
mod common;

use common::{options, plays, read, read_ok};
use medley_history::{
    account_row_matches, FileError, Format, Item, PlayKind, RowOutcome, SkipReason,
};

const ACCOUNT: &str = r#"[
  {"endTime":"2025-04-12 13:50","artistName":"Busy Signal","trackName":"Happy Birthday","msPlayed":175843},
  {"endTime":"2025-04-12 13:55","artistName":"Unknown Artist","trackName":"Unknown Track","msPlayed":1000},
  {"endTime":"2025-04-12 14:40","podcastName":"The Show","episodeName":"Episode 1","msPlayed":2400000},
  {"endTime":"2025-04-12 14:41","artistName":"Busy Signal","trackName":"Happy Birthday","msPlayed":0},
  {"endTime":"12 April 2025","artistName":"A","trackName":"B","msPlayed":1}
]"#;

#[test]
fn account_data() {
    let (report, rows) = read_ok(ACCOUNT.as_bytes());
    assert_eq!(report.format, Format::AccountData);
    assert_eq!((report.parsed, report.rejected), (2, 1));
    assert_eq!(report.skipped_for(SkipReason::NoTrack), 1);
    assert_eq!(report.skipped_for(SkipReason::ZeroLength), 1);
    let plays = plays(&rows);
    assert_eq!(plays[0].ended_at_ms, 1_744_465_800_000); // 2025-04-12T13:50:00Z
    assert_eq!(plays[0].started_at_ms, 1_744_465_800_000 - 175_843);
    assert_eq!(
        plays[0].item.names(),
        (Some("Busy Signal"), Some("Happy Birthday"))
    );
    assert_eq!(plays[0].item.uri(), None);
    assert_eq!(plays[1].kind(), PlayKind::Episode);
    assert_eq!(plays[1].item.names(), (Some("The Show"), Some("Episode 1")));
    assert!(
        matches!(&rows[4], RowOutcome::Rejected { error, .. } if error.to_string().contains("endTime"))
    );
}

#[test]
fn account_rows_match_extended_rows() {
    let extended = r#"[{"ts":"2025-04-12T13:50:41Z","ms_played":175843,
        "master_metadata_track_name":"Happy Birthday","master_metadata_album_artist_name":"Busy Signal",
        "spotify_track_uri":"spotify:track:abc"}]"#;
    let (_, ext_rows) = read_ok(extended.as_bytes());
    let (_, acc_rows) = read_ok(ACCOUNT.as_bytes());
    let (ext, acc) = (plays(&ext_rows)[0], plays(&acc_rows));
    assert!(account_row_matches(acc[0], ext));
    assert!(!account_row_matches(acc[1], ext));
    assert_ne!(acc[0].dedup_key(), ext.dedup_key());
}

const LISTENS: &str = r#"{"listened_at":1633024583,"recording_msid":"x","user_name":"u","track_metadata":{"artist_name":"Daft Punk","track_name":"Veridis Quo","release_name":"Discovery","additional_info":{"spotify_id":"https://open.spotify.com/track/2LD2gT7gwAurzdQDQtILds","duration_ms":345000,"media_player":"Spotify"}}}
{"listened_at":1633024999,"track_metadata":{"artist_name":"Nobody","track_name":"Nothing","additional_info":{"duration":"long"}}}

{"listened_at":"yesterday","track_metadata":{"artist_name":"A","track_name":"B"}}
"#;

#[test]
fn listenbrainz_json_lines() {
    let (report, rows) = read_ok(LISTENS.as_bytes());
    assert_eq!(report.format, Format::ListenBrainz);
    assert_eq!((report.rows, report.parsed, report.rejected), (3, 2, 1));
    let plays = plays(&rows);
    let p = plays[0];
    assert_eq!(p.started_at_ms, 1_633_024_583_000);
    assert_eq!((p.ms_played, p.ms_played_measured), (345_000, false));
    assert_eq!(p.ended_at_ms, 1_633_024_583_000 + 345_000);
    assert_eq!(
        p.item,
        Item::Track {
            name: Some("Veridis Quo".into()),
            artist: Some("Daft Punk".into()),
            album: Some("Discovery".into()),
            uri: Some("spotify:track:2LD2gT7gwAurzdQDQtILds".into()),
        }
    );
    assert_eq!(p.platform.as_deref(), Some("Spotify"));
    assert_eq!(
        plays[1].ms_played, 0,
        "a duration of the wrong type is unknown"
    );
    let rejected = &rows[2];
    assert_eq!(rejected.position().line, 4, "blank lines count as lines");
}

#[test]
fn listenbrainz_json_array() {
    let array = format!("[{}]", LISTENS.lines().next().unwrap());
    let (report, rows) = read_ok(array.as_bytes());
    assert_eq!((report.format, report.parsed), (Format::ListenBrainz, 1));
    assert_eq!(
        plays(&rows)[0].item.names(),
        (Some("Daft Punk"), Some("Veridis Quo"))
    );
}

#[test]
fn video_rows_are_recognised_and_ignored() {
    let video = r#"[{"ts":"2024-01-01T10:00:00Z","ms_played":5000,"ip_addr":"",
        "episode_name":"A video","spotify_episode_uri":"spotify:episode:v"}]"#;
    let (result, rows) = read(video.as_bytes(), &options().video(true));
    let report = result.unwrap();
    assert_eq!(report.format, Format::ExtendedVideo);
    assert_eq!(report.skipped_for(SkipReason::Video), 1);
    assert!(matches!(
        rows[0],
        RowOutcome::Skipped {
            reason: SkipReason::Video,
            ..
        }
    ));
    // Without the hint the same row is an episode play.
    let (report, _) = read_ok(video.as_bytes());
    assert_eq!((report.format, report.parsed), (Format::ExtendedAudio, 1));
}

#[test]
fn episodes_audiobooks_and_null_tracks() {
    let rows = r#"[
      {"ts":"2024-01-01T10:00:00Z","ms_played":5000,"master_metadata_track_name":null,"episode_name":"E","episode_show_name":"S","spotify_episode_uri":"spotify:episode:e"},
      {"ts":"2024-01-01T11:00:00Z","ms_played":5000,"audiobook_title":"Book","audiobook_uri":"spotify:show:b","audiobook_chapter_uri":"spotify:episode:c","audiobook_chapter_title":"Ch 1"},
      {"ts":"2024-01-01T12:00:00Z","ms_played":5000,"master_metadata_track_name":null,"spotify_track_uri":null,"episode_name":null}
    ]"#;
    let (report, outcomes) = read_ok(rows.as_bytes());
    assert_eq!(report.skipped_for(SkipReason::NoTrack), 1);
    let plays = plays(&outcomes);
    assert_eq!(plays[0].kind(), PlayKind::Episode);
    assert_eq!(plays[0].item.uri(), Some("spotify:episode:e"));
    assert_eq!(plays[1].kind(), PlayKind::Audiobook);
    assert_eq!(plays[1].item.uri(), Some("spotify:episode:c"));
}

#[test]
fn empty_array_and_unknown_format() {
    let (report, _) = read_ok(b" [ ] ");
    assert_eq!((report.format, report.rows), (Format::Empty, 0));
    let (result, rows) = read(br#"[{"name":"My playlist","items":[]}]"#, &options());
    let err = result.unwrap_err();
    assert!(matches!(err, FileError::Unrecognized(_)), "{err}");
    assert!(err.to_string().contains("neither `ts`"), "{err}");
    assert!(err.to_string().contains("items, name"), "{err}");
    assert!(rows.is_empty());
}
