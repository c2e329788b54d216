//! The embedded Chinook table (`data/chinook.tsv`), parsed once.

use std::sync::OnceLock;

/// The committed conversion of the Chinook database; see `tools/convert_chinook.py`.
const TSV: &str = include_str!("../data/chinook.tsv");

/// Number of tracks in the Chinook database, and so in [`crate::chinook`].
pub const CHINOOK_TRACKS: usize = 3_503;

/// One Chinook track exactly as the data file carries it, before any invented metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceTrack {
    pub artist: &'static str,
    pub album: &'static str,
    pub name: &'static str,
    pub duration_ms: i64,
    /// Chinook's genre name, such as `Rock` or `Bossa Nova`.
    pub genre: &'static str,
    /// Chinook's composer credit, free text; never used as an artist.
    pub composer: Option<&'static str>,
}

/// The Chinook tracks in Chinook order (`TrackId` 1 first).
pub fn source() -> &'static [SourceTrack] {
    static ROWS: OnceLock<Vec<SourceTrack>> = OnceLock::new();
    ROWS.get_or_init(|| parse(TSV))
}

/// Parses the data file: a header line, then six tab-separated fields per line. A missing
/// trailing composer (an editor stripping a trailing tab) is tolerated.
fn parse(text: &'static str) -> Vec<SourceTrack> {
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&'static str> = line.split('\t').collect();
            assert!(
                (5..=6).contains(&f.len()),
                "data/chinook.tsv line {}: expected 6 fields, found {}",
                i + 2,
                f.len()
            );
            let composer = f.get(5).copied().filter(|c| !c.is_empty());
            SourceTrack {
                artist: f[0],
                album: f[1],
                name: f[2],
                duration_ms: f[3].parse().unwrap_or_else(|_| {
                    panic!("data/chinook.tsv line {}: bad duration {:?}", i + 2, f[3])
                }),
                genre: f[4],
                composer,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_parses_completely() {
        assert_eq!(source().len(), CHINOOK_TRACKS);
        let first = source()[0];
        assert_eq!(
            first.composer,
            Some("Angus Young, Malcolm Young, Brian Johnson")
        );
        assert_eq!(first.genre, "Rock");
        assert_eq!(source()[1].composer, None);
    }

    #[test]
    fn a_stripped_trailing_tab_is_tolerated() {
        let rows = parse("h\nA\tB\tC\t1000\tRock\nA\tB\tD\t2000\tRock\tX\r\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].composer, None);
        assert_eq!(rows[1].composer, Some("X"));
    }
}
