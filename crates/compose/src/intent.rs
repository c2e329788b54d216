//! Writes to a target Medley cannot change in the same transaction as its ledger (a Spotify
//! playlist): the intent is recorded before writing, and settled against the target as read
//! by the next sync, so that a write cut off at any point is neither mistaken for the owner's
//! edit nor applied twice.
//!
//! - An intended addition found in the target was Medley's: it is `written`, not `direct`.
//! - An intended addition not found never happened: the next plan adds it again.
//! - An intended removal gone from the target was Medley's: it is not a tombstone.
//! - An intended removal still there did not happen: the next plan removes it again.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::identity::Keys;
use crate::ledger::{Entry, Ledger};
use crate::model::{Identity, Track};

/// What Medley set out to write to a target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub add: Vec<Track>,
    pub remove: Vec<Track>,
}

impl Intent {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }

    /// This intent and a newer one, for a sync that writes again before an earlier,
    /// unsettled write was accounted for in a committed ledger: both must be settled by the
    /// next sync. (Settling a track named by both agrees either way: present, it is written;
    /// absent, it is not.)
    pub fn merged(&self, newer: &Intent) -> Intent {
        let join = |a: &[Track], b: &[Track]| -> Vec<Track> {
            let mut seen = HashSet::new();
            a.iter()
                .chain(b)
                .filter(|t| seen.insert(t.id.clone()))
                .cloned()
                .collect()
        };
        Intent {
            add: join(&self.add, &newer.add),
            remove: join(&self.remove, &newer.remove),
        }
    }
}

/// Folds an unfinished intent into the ledger, given the target as it is now.
pub fn settle(ledger: &mut Ledger, intent: &Intent, target: &[Track], identity: Identity) {
    let mut keys = Keys::new(identity);
    for (key, entry) in &ledger.entries {
        keys.remember(key, &entry.track);
    }
    let present: HashSet<String> = target.iter().map(|t| keys.key(t)).collect();
    for track in &intent.add {
        let key = keys.key(track);
        if present.contains(&key) {
            let entry = ledger
                .entries
                .entry(key)
                .or_insert_with(|| Entry::new(track.clone()));
            entry.written = true;
        }
    }
    for track in &intent.remove {
        let key = keys.key(track);
        if !present.contains(&key) {
            if let Some(entry) = ledger.entries.get_mut(&key) {
                entry.written = false;
            }
        }
    }
    ledger.forget_idle();
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{Composite, Mode, Read, Source, SourceItem};
    use crate::sync::{sync, SyncInput};

    fn t(id: &str) -> Track {
        Track {
            id: id.into(),
            isrc: None,
            name: id.into(),
            artists: vec!["a".into()],
            duration_ms: 1,
            explicit: false,
        }
    }

    fn composite() -> Composite {
        Composite {
            sources: vec![Source {
                uri: "s".into(),
                mode: Mode::Include,
            }],
            options: Default::default(),
        }
    }

    fn run(ledger: &Ledger, source: &[&str], target: &[&str]) -> crate::sync::Outcome {
        let items = source
            .iter()
            .map(|id| SourceItem {
                track: t(id),
                added_at_ms: None,
            })
            .collect();
        let reads = BTreeMap::from([("s".to_owned(), Read::Complete(items))]);
        let target: Vec<Track> = target.iter().map(|id| t(id)).collect();
        sync(
            ledger,
            &SyncInput {
                composite: &composite(),
                reads: &reads,
                target: &target,
                now_ms: 0,
            },
        )
    }

    #[test]
    fn an_addition_that_happened_is_medleys_and_one_that_did_not_is_planned_again() {
        // Start: the target holds a; the source holds a, b, c.
        let first = run(&Ledger::default(), &["a"], &[]);
        let ledger = first.ledger;
        let planned = run(&ledger, &["a", "b", "c"], &["a"]);
        let intent = Intent {
            add: vec![t("b"), t("c")],
            remove: vec![],
        };
        // The write of b went through, then the connection dropped before c.
        let mut settled = ledger.clone();
        settle(&mut settled, &intent, &[t("a"), t("b")], Identity::Id);
        let next = run(&settled, &["a", "b", "c"], &["a", "b"]);
        assert!(
            next.report.learned_direct.is_empty(),
            "b is not the owner's"
        );
        assert_eq!(next.report.added, vec!["c".to_owned()]);
        // Without settling, b would have been taken for the owner's own addition.
        let unsettled = run(&ledger, &["a", "b", "c"], &["a", "b"]);
        assert_eq!(unsettled.report.learned_direct, vec!["b".to_owned()]);
        assert_eq!(planned.report.added, vec!["b".to_owned(), "c".to_owned()]);
    }

    #[test]
    fn two_cut_off_writes_in_a_row_are_both_settled() {
        // Medley wrote a, b, c. The source drops b and gains d: the removal of b goes
        // through, the addition of d does not. Before any sync commits, the source drops c:
        // the next attempt (starting again from the committed ledger, in which b is still
        // written) records a newer intent, and its removal of c goes through too.
        let ledger = run(&Ledger::default(), &["a", "b", "c"], &[]).ledger;
        let first = Intent {
            add: vec![t("d")],
            remove: vec![t("b")],
        };
        let second = Intent {
            add: vec![t("d")],
            remove: vec![t("c")],
        };
        let target = [t("a")];
        // Settled with the merged intent, neither b nor c reads as the owner's removal.
        let mut settled = ledger.clone();
        settle(&mut settled, &first.merged(&second), &target, Identity::Id);
        let next = run(&settled, &["a", "d"], &["a"]);
        assert!(
            next.report.learned_suppressed.is_empty(),
            "{:?}",
            next.report
        );
        assert_eq!(next.report.added, vec!["d".to_owned()]);
        // With only the newer intent, b would have become a tombstone.
        let mut lost = ledger.clone();
        settle(&mut lost, &second, &target, Identity::Id);
        let wrong = run(&lost, &["a", "d"], &["a"]);
        assert_eq!(wrong.report.learned_suppressed, vec!["b".to_owned()]);
    }

    #[test]
    fn a_removal_that_happened_is_no_tombstone_and_one_that_did_not_is_planned_again() {
        let ledger = run(&Ledger::default(), &["a", "b", "c"], &[]).ledger;
        // The source dropped b and c; Medley set out to remove both; only b went.
        let intent = Intent {
            add: vec![],
            remove: vec![t("b"), t("c")],
        };
        let mut settled = ledger.clone();
        settle(&mut settled, &intent, &[t("a"), t("c")], Identity::Id);
        let next = run(&settled, &["a"], &["a", "c"]);
        assert!(next.report.learned_suppressed.is_empty());
        assert_eq!(next.report.removed, vec!["c".to_owned()]);
        // If the source brings b back later, it returns: it was never the owner's removal.
        let back = run(&next.ledger, &["a", "b"], &["a"]);
        assert_eq!(back.report.added, vec!["b".to_owned()]);
        // Unsettled, b's disappearance reads as the owner's removal: a tombstone.
        let unsettled = run(&ledger, &["a"], &["a", "c"]);
        assert_eq!(unsettled.report.learned_suppressed, vec!["b".to_owned()]);
    }
}
