//! Playlist edit arithmetic. Storage applies edits with set-based SQL; the functions here decide
//! whether an edit is valid and which position ranges move by how much, so that the rules live
//! in one place and are tested without a database. [`apply`] is the plain in-memory meaning of
//! every edit, used as the reference the storage backends are checked against.

/// Why an edit cannot be applied; each message tells the user what to change.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error("`position` {position} is out of range: the playlist has {len} items")]
    Position { position: i64, len: i64 },
    #[error("the range starting at `range_start` {start} with `range_length` {length} does not fit a playlist of {len} items")]
    Range { start: i64, length: i64, len: i64 },
    #[error("`insert_before` {insert_before} is out of range: it must be between 0 and {len}")]
    InsertBefore { insert_before: i64, len: i64 },
    #[error("the playlist would hold {would_hold} items; the limit is {cap}")]
    Full { would_hold: i64, cap: i64 },
    #[error("the item at position {position} is not `{uri}`: reload the playlist and try again")]
    Mismatch { position: i64, uri: String },
}

/// Where an insertion of `count` items lands, given the current length.
pub fn insert_position(
    len: i64,
    position: Option<i64>,
    count: i64,
    cap: i64,
) -> Result<i64, EditError> {
    if len + count > cap {
        return Err(EditError::Full {
            would_hold: len + count,
            cap,
        });
    }
    match position {
        None => Ok(len),
        Some(p) if (0..=len).contains(&p) => Ok(p),
        Some(position) => Err(EditError::Position { position, len }),
    }
}

/// A contiguous run of positions `[start, end)` that moves by `delta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    pub start: i64,
    pub end: i64,
    pub delta: i64,
}

/// The two shifts a reorder makes (the moved block, and the items it jumps over), or `None`
/// when the reorder leaves the order unchanged.
pub fn reorder_shifts(
    len: i64,
    range_start: i64,
    range_length: i64,
    insert_before: i64,
) -> Result<Option<[Shift; 2]>, EditError> {
    // Checked: a range near 2^63 must be refused, not wrapped into one that looks valid.
    let end = range_start
        .checked_add(range_length)
        .filter(|&end| range_length >= 1 && range_start >= 0 && end <= len);
    let Some(end) = end else {
        return Err(EditError::Range {
            start: range_start,
            length: range_length,
            len,
        });
    };
    if !(0..=len).contains(&insert_before) {
        return Err(EditError::InsertBefore { insert_before, len });
    }
    Ok(if insert_before > end {
        Some([
            Shift {
                start: range_start,
                end,
                delta: insert_before - end,
            },
            Shift {
                start: end,
                end: insert_before,
                delta: -range_length,
            },
        ])
    } else if insert_before < range_start {
        Some([
            Shift {
                start: range_start,
                end,
                delta: insert_before - range_start,
            },
            Shift {
                start: insert_before,
                end: range_start,
                delta: range_length,
            },
        ])
    } else {
        None
    })
}

/// Checks positions given for a removal: each within range; duplicates are folded.
pub fn check_positions(len: i64, positions: &[i64]) -> Result<Vec<i64>, EditError> {
    let mut out = positions.to_vec();
    out.sort_unstable();
    out.dedup();
    if let Some(&position) = out.iter().find(|p| !(0..len).contains(*p)) {
        return Err(EditError::Position { position, len });
    }
    Ok(out)
}

/// An edit in its plainest form, for the in-memory reference model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit<T> {
    Add {
        items: Vec<T>,
        position: Option<i64>,
    },
    RemoveAll {
        items: Vec<T>,
    },
    RemovePositions {
        positions: Vec<i64>,
    },
    Reorder {
        range_start: i64,
        range_length: i64,
        insert_before: i64,
    },
    Replace {
        items: Vec<T>,
    },
}

/// Applies an edit to a list in memory: the meaning every storage backend must reproduce.
pub fn apply<T: Clone + PartialEq>(
    list: &mut Vec<T>,
    edit: &Edit<T>,
    cap: i64,
) -> Result<(), EditError> {
    let len = list.len() as i64;
    match edit {
        Edit::Add { items, position } => {
            let at = insert_position(len, *position, items.len() as i64, cap)? as usize;
            list.splice(at..at, items.iter().cloned());
        }
        Edit::RemoveAll { items } => list.retain(|t| !items.contains(t)),
        Edit::RemovePositions { positions } => {
            let positions = check_positions(len, positions)?;
            let mut i = 0;
            list.retain(|_| {
                let keep = positions.binary_search(&i).is_err();
                i += 1;
                keep
            });
        }
        Edit::Reorder {
            range_start,
            range_length,
            insert_before,
        } => {
            if reorder_shifts(len, *range_start, *range_length, *insert_before)?.is_some() {
                let (s, l, b) = (
                    *range_start as usize,
                    *range_length as usize,
                    *insert_before as usize,
                );
                let block: Vec<T> = list.drain(s..s + l).collect();
                let at = if b > s { b - l } else { b };
                list.splice(at..at, block);
            }
        }
        Edit::Replace { items } => {
            if items.len() as i64 > cap {
                return Err(EditError::Full {
                    would_hold: items.len() as i64,
                    cap,
                });
            }
            *list = items.clone();
        }
    }
    Ok(())
}

/// Applies reorder shifts to positions: what storage does with one `UPDATE`.
pub fn shifted(position: i64, shifts: &[Shift; 2]) -> i64 {
    shifts
        .iter()
        .find(|s| (s.start..s.end).contains(&position))
        .map_or(position, |s| position + s.delta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spotify_reorder_examples() {
        // "To reorder the first item to the last position in a playlist with 10 items, set
        // range_start to 0 and insert_before to 10."
        let mut v: Vec<i64> = (0..10).collect();
        apply(
            &mut v,
            &Edit::Reorder {
                range_start: 0,
                range_length: 1,
                insert_before: 10,
            },
            100,
        )
        .unwrap();
        assert_eq!(v, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
        let mut v: Vec<i64> = (0..10).collect();
        apply(
            &mut v,
            &Edit::Reorder {
                range_start: 9,
                range_length: 1,
                insert_before: 0,
            },
            100,
        )
        .unwrap();
        assert_eq!(v, vec![9, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn ranges_near_the_integer_limit_are_refused_not_wrapped() {
        for (start, length) in [
            (i64::MAX, 1),
            (1, i64::MAX),
            (i64::MAX, i64::MAX),
            (3, i64::MAX - 2),
        ] {
            assert_eq!(
                reorder_shifts(5, start, length, 0),
                Err(EditError::Range {
                    start,
                    length,
                    len: 5
                })
            );
        }
    }

    #[test]
    fn out_of_range_edits_are_refused() {
        let mut v = vec![1, 2, 3];
        assert_eq!(
            apply(
                &mut v,
                &Edit::Add {
                    items: vec![4],
                    position: Some(4)
                },
                100
            ),
            Err(EditError::Position {
                position: 4,
                len: 3
            })
        );
        assert_eq!(
            apply(
                &mut v,
                &Edit::Add {
                    items: vec![4, 5],
                    position: None
                },
                4
            ),
            Err(EditError::Full {
                would_hold: 5,
                cap: 4
            })
        );
        assert!(apply(&mut v, &Edit::RemovePositions { positions: vec![3] }, 100).is_err());
        assert!(apply(
            &mut v,
            &Edit::Reorder {
                range_start: 2,
                range_length: 2,
                insert_before: 0
            },
            100
        )
        .is_err());
        assert!(apply(
            &mut v,
            &Edit::Reorder {
                range_start: 0,
                range_length: 1,
                insert_before: 4
            },
            100
        )
        .is_err());
        assert_eq!(v, vec![1, 2, 3], "a refused edit changes nothing");
    }

    #[test]
    fn remove_all_removes_every_occurrence() {
        let mut v = vec![1, 2, 1, 3];
        apply(&mut v, &Edit::RemoveAll { items: vec![1] }, 100).unwrap();
        assert_eq!(v, vec![2, 3]);
    }

    proptest! {
        /// The shift arithmetic storage uses gives the same order as moving the block in memory.
        #[test]
        fn shifts_match_the_in_memory_move(len in 1i64..40, a in 0i64..40, l in 1i64..40, b in 0i64..41) {
            let (start, length, before) = (a % len, 1 + (l - 1) % len, b % (len + 1));
            prop_assume!(start + length <= len);
            let mut expected: Vec<i64> = (0..len).collect();
            apply(&mut expected, &Edit::Reorder { range_start: start, range_length: length, insert_before: before }, 1000).unwrap();
            let mut actual = vec![-1; len as usize];
            match reorder_shifts(len, start, length, before).unwrap() {
                None => actual = (0..len).collect(),
                Some(shifts) => for p in 0..len { actual[shifted(p, &shifts) as usize] = p },
            }
            prop_assert_eq!(actual, expected);
        }
    }
}
