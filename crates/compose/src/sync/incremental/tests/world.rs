//! One composite living through a history, every sync of it run both ways and compared.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use medley_domain::TrackId;
use proptest::prelude::*;

use super::history::{track, Action, SOURCES, TRACKS};
use crate::model::{Composite, Ordering, Read, SourceItem, Track};
use crate::sync::full::full;
use crate::sync::{incremental, Outcome, SyncInput};
use crate::Ledger;

/// A composite, its sources, its target and its ledger, as a history leaves them.
pub(super) struct World {
    pub(super) composite: Composite,
    pub(super) sources: [Vec<(usize, u8)>; SOURCES],
    pub(super) failing: [bool; SOURCES],
    pub(super) target: Vec<usize>,
    pub(super) ledger: Ledger,
    pub(super) now_ms: i64,
}

/// How many syncs took the incremental path, of all the syncs run (`SYNCS`).
pub(super) static INCREMENTAL: AtomicUsize = AtomicUsize::new(0);
pub(super) static SYNCS: AtomicUsize = AtomicUsize::new(0);

/// The two paths' outcomes agree: plan, report, ledger, and the bases' targets and reads.
pub(super) fn same(a: &Outcome, b: &Outcome) -> Result<(), TestCaseError> {
    prop_assert_eq!(&a.plan, &b.plan);
    prop_assert_eq!(&a.report, &b.report);
    prop_assert_eq!(&a.ledger, &b.ledger);
    let target = |l: &Ledger| l.basis.as_ref().map(|b| b.target.to_vec());
    prop_assert_eq!(target(&a.ledger), target(&b.ledger), "the bases' targets");
    let reads = |l: &Ledger| {
        l.basis
            .as_ref()
            .map(|b| b.reads.iter().map(|r| r.to_vec()).collect::<Vec<_>>())
    };
    prop_assert_eq!(reads(&a.ledger), reads(&b.ledger), "the bases' reads");
    Ok(())
}

impl World {
    /// Syncs both ways, compares, and goes on from one of the two (its plan applied to the
    /// target if `applied`).
    pub(super) fn sync(&mut self, applied: bool) -> Result<(), TestCaseError> {
        let reads: BTreeMap<String, Read> = (0..SOURCES)
            .filter(|&i| i != 3 || self.now_ms % 7 != 0) // sometimes a source is not read
            .map(|i| {
                let read = if self.failing[i] {
                    Read::Failed("503".into())
                } else {
                    Read::Complete(
                        self.sources[i]
                            .iter()
                            .map(|&(t, at)| SourceItem {
                                track: track(t),
                                added_at_ms: (at > 0).then_some(i64::from(at) * 1000),
                            })
                            .collect(),
                    )
                };
                (format!("s{i}"), read)
            })
            .collect();
        let target: Vec<Track> = self.target.iter().map(|&t| track(t)).collect();
        let input = SyncInput {
            composite: &self.composite,
            reads: &reads,
            target: &target,
            now_ms: self.now_ms,
        };
        let fast = incremental::sync(&self.ledger, &input);
        let slow = full(&self.ledger, &input);
        SYNCS.fetch_add(1, AtomicOrdering::Relaxed);
        let outcome = match fast {
            Some(fast) => {
                INCREMENTAL.fetch_add(1, AtomicOrdering::Relaxed);
                same(&fast, &slow)?;
                // Go on from either: both bases must serve the next sync.
                if self.now_ms % 2 == 0 {
                    fast
                } else {
                    slow
                }
            }
            None => slow,
        };
        if applied {
            let ids: Vec<TrackId> = target.iter().map(|t| t.id.clone()).collect();
            self.target = outcome
                .plan
                .apply(&ids)
                .iter()
                .map(|id| id[1..].parse().unwrap())
                .collect();
            self.ledger = outcome.ledger;
        }
        self.now_ms += 1;
        Ok(())
    }

    /// Plays one action of the history.
    pub(super) fn step(&mut self, a: &Action) -> Result<(), TestCaseError> {
        match *a {
            Action::Add(s, t, p, at) => {
                let list = &mut self.sources[s];
                list.insert(p.min(list.len()), (t, at));
            }
            Action::Drop(s, p) if !self.sources[s].is_empty() => {
                let len = self.sources[s].len();
                self.sources[s].remove(p % len);
            }
            Action::Move(s, a, b) if !self.sources[s].is_empty() => {
                let list = &mut self.sources[s];
                let item = list.remove(a % list.len());
                list.insert(b % (list.len() + 1), item);
            }
            Action::Retime(s, p, at) if !self.sources[s].is_empty() => {
                let len = self.sources[s].len();
                self.sources[s][p % len].1 = at;
            }
            Action::Shuffle(s, seed) => {
                let list = &mut self.sources[s];
                let mut x = seed;
                for _ in 0..(seed % 5) {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let r = (x >> 33) as usize;
                    if r.is_multiple_of(3) && !list.is_empty() {
                        let len = list.len();
                        list.remove(r % len);
                    } else {
                        let len = list.len();
                        list.insert(r % (len + 1), (r % TRACKS, (r % 3) as u8));
                    }
                }
            }
            Action::Fail(s) => self.failing[s] = true,
            Action::Heal(s) => self.failing[s] = false,
            Action::OwnerAdd(t, p) => {
                let len = self.target.len();
                self.target.insert(p.min(len), t);
            }
            Action::OwnerRemove(p) if !self.target.is_empty() => {
                let len = self.target.len();
                self.target.remove(p % len);
            }
            Action::OwnerMove(a, b) if !self.target.is_empty() => {
                let len = self.target.len();
                let item = self.target.remove(a % len);
                self.target.insert(b % len, item);
            }
            Action::Restore(t) => {
                self.ledger.restore(&[format!("t{t}").into()]);
            }
            Action::Sync(applied) => self.sync(applied)?,
            Action::Restart => {
                let text = serde_json::to_string(&self.ledger).unwrap();
                self.ledger = serde_json::from_str(&text).unwrap();
            }
            Action::Reconfigure(n) => {
                let options = &mut self.composite.options;
                match n % 4 {
                    0 => options.archive = !options.archive,
                    1 => options.cap = if options.cap > 100 { 5 } else { 10_000 },
                    2 => options.ordering = Ordering::Append,
                    _ => {
                        let first = self.composite.sources.remove(0);
                        self.composite.sources.push(first);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
