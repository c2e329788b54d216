//! The streaming readers: outcomes do not depend on how the caller's reader splits the file;
//! records the fast reader does not take (odd records, broken bytes) are read by the careful
//! one with the same positions; errors name the file's lines and columns.
mod common;

use std::io::{self, Read};

use common::{options, plays, read, read_ok};
use medley_history::synth::{write_extended, SynthConfig};
use medley_history::{read_file, FileError, Item, RowError, RowOutcome};

const ROW: &str = r#"{"ts":"2020-05-01T10:00:00Z","ms_played":200000,"master_metadata_track_name":"T","master_metadata_album_artist_name":"A","spotify_track_uri":"spotify:track:t"}"#;

/// Hands out `steps` bytes per read in turn, like a pipe or a zip entry, then maybe fails.
struct Trickle<'a> {
    bytes: &'a [u8],
    steps: &'a [usize],
    calls: usize,
    fail_at: Option<usize>,
    read: usize,
}

impl<'a> Trickle<'a> {
    fn new(bytes: &'a [u8], steps: &'a [usize]) -> Trickle<'a> {
        Trickle {
            bytes,
            steps,
            calls: 0,
            fail_at: None,
            read: 0,
        }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.fail_at.is_some_and(|at| self.read >= at) {
            return Err(io::Error::other("disk on fire"));
        }
        let step = self.steps[self.calls % self.steps.len()];
        self.calls += 1;
        let mut n = step.min(out.len()).min(self.bytes.len());
        if let Some(at) = self.fail_at {
            n = n.min(at - self.read);
        }
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        self.read += n;
        Ok(n)
    }
}

fn outcomes<R: Read>(reader: R) -> (String, Vec<RowOutcome>) {
    let mut rows = Vec::new();
    let result = read_file(reader, &options(), |row| rows.push(row));
    (format!("{result:?}"), rows)
}

fn synth(rows: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let config = SynthConfig {
        seed: 9,
        rows,
        ..SynthConfig::default()
    };
    write_extended(&config, &mut out).unwrap();
    out
}

#[test]
fn read_sizes_do_not_change_outcomes() {
    let compact = synth(3_000);
    let value: serde_json::Value = serde_json::from_slice(&compact).unwrap();
    let pretty = serde_json::to_vec_pretty(&value).unwrap();
    let lines: Vec<u8> = value
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| format!("{row}\n").into_bytes())
        .collect();
    let odd = format!("[{ROW}, 5, \"s\\\"]\", [1, {{\"a\": \"}}\"}}], {{\"ts\": \"x\"}},\n{ROW}]")
        .into_bytes();
    let cut = &compact[..compact.len() / 2];
    let mut broken = compact.clone();
    broken[compact.len() / 3] = 0xFF;
    for file in [&compact[..], &pretty, &lines, &odd, cut, &broken] {
        let whole = outcomes(file);
        for steps in [
            &[1][..],
            &[3, 7, 1],
            &[4095, 4097],
            &[65_535, 65_537, 131_072],
        ] {
            assert_eq!(outcomes(Trickle::new(file, steps)), whole, "{steps:?}");
        }
    }
}

#[test]
fn escaped_strings_are_unescaped() {
    let row = r#"{"ts":"2020-05-01T10:00:00Z","ms_played":1000,"master_metadata_track_name":"Sigur \"R\u00f3s\" \ud83d\ude00 \\ \/","master_metadata_album_artist_name":"A\nB","spotify_track_uri":"spotify:track:t"}"#;
    let (_, rows) = read_ok(format!("[{row},{ROW}]").as_bytes());
    let plays = plays(&rows);
    assert_eq!(
        plays[0].item.names(),
        (Some("A\nB"), Some("Sigur \"Rós\" 😀 \\ /"))
    );
    assert!(matches!(&plays[1].item, Item::Track { name: Some(n), .. } if n == "T"));
}

#[test]
fn odd_records_keep_their_positions() {
    // A string, an array and an object of the wrong shape between rows, over several lines:
    // the careful reader takes over from the first odd record on.
    let file = format!("[\n{ROW},\n \"s\" ,\n[1,\n2],\n{{\"ts\": 12}},\n{ROW}\n]");
    let (report, rows) = read_ok(file.as_bytes());
    assert_eq!((report.rows, report.parsed, report.rejected), (5, 2, 3));
    let starts: Vec<(u64, u64, u64)> = rows
        .iter()
        .map(|r| (r.position().index, r.position().line, r.position().byte))
        .collect();
    let at = |needle: &str, from: usize| file[from..].find(needle).unwrap() + from;
    let second = at(ROW, 3);
    assert_eq!(
        starts,
        vec![
            (0, 2, 2),
            (1, 3, at("\"s\"", 0) as u64),
            (2, 4, at("[1,", 0) as u64),
            (3, 6, at("{\"ts\": 12}", 0) as u64),
            (4, 7, second as u64),
        ]
    );
    assert!(matches!(
        rows[1],
        RowOutcome::Rejected {
            error: RowError::NotAnObject,
            ..
        }
    ));
    assert!(matches!(
        &rows[3],
        RowOutcome::Rejected { error: RowError::Type(m), .. } if m.contains("expected a string")
    ));
}

#[test]
fn errors_name_lines_and_columns_of_the_file() {
    let syntax = |bytes: &[u8]| match read(bytes, &options()).0 {
        Err(FileError::Syntax {
            line,
            column,
            message,
        }) => (line, column, message),
        other => panic!("{other:?}"),
    };
    let n = ROW.len() as u64;
    // Between records, after blank lines and indentation.
    assert_eq!(
        syntax(format!("\n\n  [{ROW},\n  {ROW} x]").as_bytes()),
        (4, n + 4, "expected `,` or `]`".to_owned())
    );
    // A byte-order mark counts in the columns of the first line.
    assert_eq!(
        syntax(format!("\u{feff}[{ROW},]").as_bytes()),
        (1, n + 6, "trailing comma".to_owned())
    );
    // Inside a record, on its second line.
    assert_eq!(
        syntax(format!("[{ROW},\n{{\"ts\":\n oops}}]").as_bytes()),
        (3, 2, "expected value".to_owned())
    );
    // The first line of JSON lines, indented.
    assert_eq!(
        syntax(b"  {\"ts\": oops}\n"),
        (1, 10, "expected value".to_owned())
    );
    let truncated = read(format!("\n[{ROW},").as_bytes(), &options()).0;
    assert!(
        matches!(truncated, Err(FileError::Truncated { line: 2, column }) if column == n + 2),
        "{truncated:?}"
    );
}

#[test]
fn read_errors_stop_the_file() {
    let file = synth(2_000);
    for at in [0, 10, 100_000, file.len() - 3] {
        let mut reader = Trickle::new(&file, &[4096]);
        reader.fail_at = Some(at);
        let (result, _) = outcomes(reader);
        assert!(result.contains("disk on fire"), "{at}: {result}");
    }
}
