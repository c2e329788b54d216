//! Copies of one play recorded with different precision: the same stream seen in Extended
//! history (exact), in Account data (end time truncated to the minute) and live (a scrobbler,
//! or Spotify's recently-played). Their deduplication keys differ, so they are paired by
//! tolerance instead and only the most precise copy is kept.
//!
//! Pairing is one-to-one per precision: an exact play absorbs at most one Account-data row and
//! at most one live row. Two quick plays of one song in a row therefore stay two plays even
//! though both copies of each fall within the tolerance.

use std::collections::{HashMap, HashSet};

use medley_store::{PlayStamp, Precision};

/// How far apart the times of two copies of one play may be.
pub const TOLERANCE_MS: i64 = 60_000;

/// Whether `coarse` may be a less precise copy of `keeper`. A play Medley counted from a
/// stream knows exactly when its stream started, on the server's clock: a stream that started
/// only after the other play had ended is a later listen of the same song, not a copy of it,
/// however near in time (two listens of a short song in a row).
fn close(keeper: &PlayStamp, coarse: &PlayStamp) -> bool {
    let near = (keeper.ended_at_ms - coarse.ended_at_ms).abs() <= TOLERANCE_MS
        || (keeper.started_at_ms - coarse.started_at_ms).abs() <= TOLERANCE_MS;
    near && (coarse.precision != Precision::Stream || coarse.started_at_ms < keeper.ended_at_ms)
}

/// The `seq`s of plays that are less precise copies of another play in `stamps`.
pub fn redundant(stamps: &[PlayStamp]) -> Vec<i64> {
    let mut groups: HashMap<i64, Vec<&PlayStamp>> = HashMap::new();
    for s in stamps {
        groups.entry(s.name_hash).or_default().push(s);
    }
    let mut out = Vec::new();
    for mut group in groups.into_values() {
        if group.iter().all(|s| s.precision == Precision::Exact) {
            continue;
        }
        group.sort_by_key(|s| (s.precision, s.ended_at_ms, s.seq));
        let mut removed: HashSet<i64> = HashSet::new();
        // (keeper seq, precision absorbed)
        let mut absorbed: HashSet<(i64, Precision)> = HashSet::new();
        for (i, coarse) in group.iter().enumerate() {
            if coarse.precision == Precision::Exact {
                continue;
            }
            let keeper = group[..i]
                .iter()
                .filter(|k| k.precision < coarse.precision && !removed.contains(&k.seq))
                .filter(|k| !absorbed.contains(&(k.seq, coarse.precision)) && close(k, coarse))
                .min_by_key(|k| ((k.ended_at_ms - coarse.ended_at_ms).abs(), k.seq));
            if let Some(keeper) = keeper {
                absorbed.insert((keeper.seq, coarse.precision));
                removed.insert(coarse.seq);
                out.push(coarse.seq);
            }
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(seq: i64, name: i64, precision: Precision, ended: i64) -> PlayStamp {
        PlayStamp {
            seq,
            name_hash: name,
            precision,
            started_at_ms: ended - 200_000,
            ended_at_ms: ended,
        }
    }

    #[test]
    fn coarse_copies_give_way_to_precise_ones() {
        let t = 1_700_000_000_000;
        let stamps = [
            stamp(1, 7, Precision::Exact, t + 37_000),
            stamp(2, 7, Precision::Minute, t),
            stamp(3, 7, Precision::Live, t + 30_000),
            // Another song at the same minute is another play.
            stamp(4, 8, Precision::Minute, t),
        ];
        assert_eq!(redundant(&stamps), vec![2, 3]);
    }

    #[test]
    fn pairs_one_to_one() {
        let t = 1_700_000_000_000;
        // One exact play and two Account rows of a 20-second song played twice in a minute.
        let stamps = [
            stamp(1, 7, Precision::Exact, t + 10_000),
            stamp(2, 7, Precision::Minute, t),
            stamp(3, 7, Precision::Minute, t + 20_000),
        ];
        assert_eq!(redundant(&stamps).len(), 1);
        // Too far apart: different plays.
        let far = [
            stamp(1, 7, Precision::Exact, t + 61_000),
            stamp(2, 7, Precision::Minute, t),
        ];
        let mut far = far.to_vec();
        far[1].started_at_ms = t - 10_000;
        assert!(redundant(&far).is_empty());
        // A live copy gives way to an Account row when there is no exact one.
        let live = [
            stamp(1, 7, Precision::Minute, t),
            stamp(2, 7, Precision::Live, t + 20_000),
        ];
        assert_eq!(redundant(&live), vec![2]);
    }

    #[test]
    fn a_stream_started_after_a_play_ended_is_another_listen() {
        let t = 1_700_000_000_000;
        // A 40-second song: the player reported the first listen (0..40 s); the second was
        // only streamed, from 45 s, and counted at its 20-second threshold.
        let reported = PlayStamp {
            seq: 1,
            name_hash: 7,
            precision: Precision::Exact,
            started_at_ms: t,
            ended_at_ms: t + 40_000,
        };
        let streamed = PlayStamp {
            seq: 2,
            name_hash: 7,
            precision: Precision::Stream,
            started_at_ms: t + 45_000,
            ended_at_ms: t + 65_000,
        };
        assert!(redundant(&[reported, streamed]).is_empty());
        // The stream of the reported listen itself is its copy.
        let copy = PlayStamp {
            seq: 3,
            started_at_ms: t - 1_000,
            ended_at_ms: t + 19_000,
            ..streamed
        };
        assert_eq!(redundant(&[reported, streamed, copy]), vec![3]);
    }
}
