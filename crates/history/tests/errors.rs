//! Broken files fail with a precise [`FileError`]; broken records are rejected with their
//! position and the file goes on.
mod common;

use common::{options, read, read_ok, NOW_MS};
use medley_history::read::MAX_RECORD_BYTES;
use medley_history::{FileError, RowError, RowOutcome};

const ROW: &str = r#"{"ts":"2020-05-01T10:00:00Z","ms_played":200000,"master_metadata_track_name":"T","master_metadata_album_artist_name":"A","spotify_track_uri":"spotify:track:t"}"#;

fn with(field: &str, value: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(ROW).unwrap();
    v[field] = serde_json::from_str(value).unwrap();
    v.to_string()
}

fn file_error(bytes: &[u8]) -> FileError {
    read(bytes, &options()).0.expect_err("file should fail")
}

fn rejection(row: &str) -> RowError {
    let file = format!("[{ROW},\n{row}]");
    let (report, rows) = read_ok(file.as_bytes());
    assert_eq!((report.parsed, report.rejected), (1, 1), "{row}");
    match &rows[1] {
        RowOutcome::Rejected { position, error } => {
            assert_eq!(
                (position.index, position.line, position.byte),
                (1, 2, ROW.len() as u64 + 3)
            );
            error.clone()
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_array() {
    let file = format!("[{ROW},\n{ROW}");
    let cut = &file[..file.len() - 20];
    assert!(matches!(
        file_error(cut.as_bytes()),
        FileError::Truncated { line: 2, .. }
    ));
    assert!(matches!(
        file_error(format!("[{ROW},").as_bytes()),
        FileError::Truncated { .. }
    ));
    assert!(matches!(
        file_error(format!("[{ROW}").as_bytes()),
        FileError::Truncated { .. }
    ));
}

#[test]
fn truncated_json_lines() {
    let file = format!("{ROW}\n{ROW}\n{}", &ROW[..40]);
    let err = file_error(file.as_bytes());
    assert!(matches!(err, FileError::Truncated { line: 3, .. }), "{err}");
}

#[test]
fn malformed_json_line_in_the_middle_is_rejected() {
    let file = format!("{ROW}\n{{\"ts\": oops}}\n{ROW}\n");
    let (report, rows) = read_ok(file.as_bytes());
    assert_eq!((report.parsed, report.rejected), (2, 1));
    assert!(
        matches!(&rows[1], RowOutcome::Rejected { error: RowError::Syntax(_), position } if position.line == 2)
    );
}

#[test]
fn non_utf8_bytes_are_located() {
    let mut file = format!("[{ROW},\n{ROW}]").into_bytes();
    let at = ROW.len() + 3 + 10;
    file[at] = 0xFF;
    match file_error(&file) {
        FileError::NotUtf8 { byte } => assert_eq!(byte, at as u64),
        other => panic!("{other}"),
    }
    // A multi-byte sequence cut short, in JSON lines.
    let mut lines = format!("{ROW}\n{ROW}\n").into_bytes();
    lines[ROW.len() + 20] = 0xC3;
    assert!(
        matches!(file_error(&lines), FileError::NotUtf8 { byte } if byte == ROW.len() as u64 + 20)
    );
    // Valid non-ASCII passes.
    let (report, _) = read_ok(
        format!(
            "[{}]",
            with("master_metadata_track_name", "\"Sigur Rós ☃ 𝄞\"")
        )
        .as_bytes(),
    );
    assert_eq!(report.parsed, 1);
}

#[test]
fn wrong_top_level_shapes() {
    for (bytes, want) in [
        (&b"\"just a string\""[..], "starts with `\"`"),
        (b"42", "starts with `4`"),
        (
            b"{\n  \"ts\": \"2020-05-01T10:00:00Z\"\n}\n",
            "does not end on that line",
        ),
    ] {
        let err = file_error(bytes);
        assert!(matches!(err, FileError::Shape(_)), "{err}");
        assert!(err.to_string().contains(want), "{err}");
    }
    let err = file_error(b"[1, 2]");
    assert!(
        err.to_string().contains("first record is a number"),
        "{err}"
    );
    assert!(matches!(file_error(b""), FileError::Empty));
    assert!(matches!(file_error(b" \n\t "), FileError::Empty));
    assert!(matches!(
        file_error(format!("[{ROW}] trailing").as_bytes()),
        FileError::Syntax { .. }
    ));
    assert!(matches!(
        file_error(format!("[{ROW},]").as_bytes()),
        FileError::Syntax { line: 1, .. }
    ));
    assert!(matches!(
        file_error(b"\xFF[]"),
        FileError::NotUtf8 { byte: 0 }
    ));
}

#[test]
fn byte_order_mark_is_accepted() {
    let (report, _) = read_ok(format!("\u{feff}[{ROW}]").as_bytes());
    assert_eq!(report.parsed, 1);
}

#[test]
fn wrong_types_are_rejected() {
    for (field, value) in [
        ("ms_played", "\"abc\""),
        ("shuffle", "\"yes\""),
        ("ts", "12"),
        ("ms_played", "1.5"),
    ] {
        assert!(
            matches!(rejection(&with(field, value)), RowError::Type(_)),
            "{field}"
        );
    }
    assert_eq!(rejection("[1]"), RowError::NotAnObject);
    assert!(matches!(
        rejection(&with("ts", "\"yesterday\"")),
        RowError::BadTime { .. }
    ));
}

#[test]
fn absurd_values_are_rejected() {
    assert_eq!(
        rejection(&with("ms_played", "-5")),
        RowError::Negative {
            field: "ms_played",
            value: -5
        }
    );
    assert!(matches!(
        rejection(&with("ms_played", "86400001")),
        RowError::TooLong { .. }
    ));
    let early = rejection(&with("ts", "\"2005-12-31T23:59:59Z\""));
    assert!(matches!(early, RowError::TooEarly { .. }));
    assert!(
        early.to_string().contains("before 2006-01-01T00:00:00Z"),
        "{early}"
    );
    let future = rejection(&with("ts", "\"2031-01-01T00:00:00Z\""));
    assert_eq!(
        future,
        RowError::InFuture {
            field: "ts",
            value_ms: 1_924_992_000_000,
            now_ms: NOW_MS
        }
    );
    assert!(matches!(
        rejection(r#"{"ms_played": 5}"#),
        RowError::Missing("ts")
    ));
}

#[test]
fn oversized_records_stop_the_file() {
    let huge = with(
        "master_metadata_track_name",
        &format!("\"{}\"", "x".repeat(MAX_RECORD_BYTES as usize)),
    );
    let err = file_error(format!("[{ROW},{huge}]").as_bytes());
    assert!(
        matches!(err, FileError::RecordTooLong { index: 2, .. }),
        "{err}"
    );
    let err = file_error(format!("{ROW}\n{huge}\n").as_bytes());
    assert!(
        matches!(err, FileError::RecordTooLong { index: 2, .. }),
        "{err}"
    );
}
