//! Every sample export in `shared/samples` parses, with exact values checked.
mod common;

use common::{plays, read_ok, sample};
use medley_history::{Format, Item, PlayKind, RowError, RowOutcome, SkipReason};

#[test]
fn extended_2023_era() {
    let (report, rows) = read_ok(&sample("Streaming_History_Audio_2023_sample.json"));
    assert_eq!(report.format, Format::ExtendedAudio);
    assert_eq!((report.rows, report.parsed, report.rejected), (5, 5, 0));
    let plays = plays(&rows);
    let first = plays[0];
    assert_eq!(first.ended_at_ms, 1_713_636_922_000); // 2024-04-20T18:15:22Z
    assert_eq!(first.ms_played, 2385);
    assert_eq!(first.started_at_ms, 1_713_636_922_000 - 2385);
    assert_eq!(
        first.item,
        Item::Track {
            name: Some("Beqaaboo".into()),
            artist: Some("OAFF".into()),
            album: Some("Gehraiyaan".into()),
            uri: Some("spotify:track:1U8rhryVYw9gWZ6zvw4Orc".into()),
        }
    );
    assert_eq!(first.platform.as_deref(), Some("android"));
    assert_eq!(first.country, None, "an empty conn_country is no country");
    assert_eq!(first.reason_start.as_deref(), Some("fwdbtn"));
    assert_eq!(first.reason_end.as_deref(), Some("fwdbtn"));
    assert_eq!(
        (first.shuffle, first.skipped, first.offline, first.incognito),
        (Some(true), Some(true), Some(true), Some(false))
    );
    assert_eq!(
        first.offline_timestamp_ms,
        Some(1_679_249_719_000),
        "seconds → ms"
    );
    assert!(plays
        .iter()
        .all(|p| p.kind() == PlayKind::Track && p.ms_played_measured));
    assert_eq!(plays[4].ms_played, 203_048);
}

#[test]
fn endsong_era() {
    let (report, rows) = read_ok(&sample("endsong_sample.json"));
    assert_eq!(report.format, Format::ExtendedLegacy);
    assert_eq!((report.rows, report.parsed, report.rejected), (5, 4, 0));
    assert_eq!(report.skipped_for(SkipReason::ZeroLength), 1);
    let plays = plays(&rows);
    assert_eq!(plays[0].ended_at_ms, 1_363_257_865_000); // 2013-03-14T10:44:25Z
    assert_eq!(plays[0].ms_played, 154_902);
    assert_eq!(
        plays[0].item.names(),
        (Some("The Yardbirds"), Some("Got To Hurry"))
    );
    assert_eq!(plays[0].offline_timestamp_ms, None, "0 means none");
    assert_eq!(
        plays[1].offline_timestamp_ms,
        Some(1_514_143_428_800),
        "already ms"
    );
    assert_eq!(plays[1].skipped, None);
    assert!(matches!(
        rows[2],
        RowOutcome::Skipped { reason: SkipReason::ZeroLength, position } if position.index == 2
    ));
}

#[test]
fn endsong_with_skips_and_broken_rows() {
    let (report, rows) = read_ok(&sample("endsong_skipped_sample.json"));
    assert_eq!(report.format, Format::ExtendedLegacy);
    assert_eq!((report.rows, report.parsed, report.rejected), (15, 10, 1));
    assert_eq!(report.skipped_for(SkipReason::ZeroLength), 3);
    assert_eq!(report.skipped_for(SkipReason::Incognito), 1);
    match &rows[13] {
        RowOutcome::Rejected { position, error } => {
            assert_eq!(*error, RowError::Missing("ms_played"));
            assert_eq!(position.index, 13);
        }
        other => panic!("{other:?}"),
    }
    let first = plays(&rows)[0];
    assert_eq!(first.country.as_deref(), Some("DE"));
    assert_eq!(first.reason_end, None);
    assert_eq!(first.offline_timestamp_ms, Some(1_512_420_608_296));
    // Rows 10 and 11 differ only in `skipped`: one stream, one dedup key.
    let key = |i: usize| match &rows[i] {
        RowOutcome::Parsed { play, .. } => play.dedup_key(),
        other => panic!("{other:?}"),
    };
    assert_eq!(key(10), key(11));
    assert_ne!(key(10), key(14));
}

#[test]
fn positions_point_at_the_records() {
    let bytes = sample("endsong_skipped_sample.json");
    let (_, rows) = read_ok(&bytes);
    let text = std::str::from_utf8(&bytes).unwrap();
    for row in &rows {
        let p = row.position();
        assert_eq!(bytes[p.byte as usize], b'{', "{p}");
        let line = text[..p.byte as usize].matches('\n').count() as u64 + 1;
        assert_eq!(p.line, line, "{p}");
    }
}
