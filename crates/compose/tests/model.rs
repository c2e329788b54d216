//! Model-based test of the engine: random sequences of source edits, owner edits (made on the
//! target behind Medley's back), reorders, source failures, restarts, restores and nested
//! composites, checked after every sync against a small independent reference of the rule.
//!
//! Cases: `PROPTEST_CASES` (default 10,000; the bench run uses more).

use std::collections::{BTreeMap, BTreeSet};

use medley_compose::{
    sync, Composite, Ledger, Mode, Options, Read, Source, SourceItem, SyncInput, Track,
};
use medley_domain::TrackId;
use proptest::prelude::*;

const TRACKS: u8 = 12;
/// Plain sources: S0, S1 include into C1; S2 excludes from C1; S3 includes into C2.
const PLAIN: usize = 4;

fn track(n: u8) -> Track {
    Track {
        id: format!("t{n}").into(),
        isrc: None,
        name: format!("Song {n}"),
        artists: vec!["A".into()],
        duration_ms: 1000,
        explicit: false,
    }
}

#[derive(Clone, Debug)]
enum Action {
    SourceAdd(usize, u8),
    SourceRemove(usize, u8),
    SourceFail(usize),
    SourceHeal(usize),
    /// Owner of composite `c` adds a track to its target.
    OwnerAdd(usize, u8),
    OwnerRemove(usize, u8),
    OwnerMove(usize, usize, usize),
    Restore(usize, u8),
    Sync,
    Restart,
}

fn action() -> impl Strategy<Value = Action> {
    let s = 0..PLAIN;
    let c = 0..2usize;
    let t = 0..TRACKS;
    prop_oneof![
        4 => (s.clone(), t.clone()).prop_map(|(s, t)| Action::SourceAdd(s, t)),
        2 => (s.clone(), t.clone()).prop_map(|(s, t)| Action::SourceRemove(s, t)),
        1 => s.clone().prop_map(Action::SourceFail),
        1 => s.prop_map(Action::SourceHeal),
        1 => (c.clone(), t.clone()).prop_map(|(c, t)| Action::OwnerAdd(c, t)),
        2 => (c.clone(), t.clone()).prop_map(|(c, t)| Action::OwnerRemove(c, t)),
        1 => (c.clone(), 0..20usize, 0..20usize).prop_map(|(c, a, b)| Action::OwnerMove(c, a, b)),
        1 => (c, t).prop_map(|(c, t)| Action::Restore(c, t)),
        3 => Just(Action::Sync),
        1 => Just(Action::Restart),
    ]
}

/// The reference: what each composite must hold, computed from first principles.
#[derive(Default, Clone)]
struct Reference {
    direct: [BTreeSet<String>; 2],
    suppressed: [BTreeSet<String>; 2],
    /// What each plain source held at its last successful read.
    frozen: [Vec<String>; PLAIN],
}

struct World {
    sources: [Vec<String>; PLAIN],
    failing: [bool; PLAIN],
    targets: [Vec<String>; 2],
    ledgers: [Ledger; 2],
    reference: Reference,
}

fn composites() -> [Composite; 2] {
    let src = |uri: &str, mode| Source {
        uri: uri.into(),
        mode,
    };
    [
        Composite {
            sources: vec![
                src("s0", Mode::Include),
                src("s1", Mode::Include),
                src("s2", Mode::Exclude),
            ],
            options: Options::default(),
        },
        Composite {
            sources: vec![src("c0", Mode::Include), src("s3", Mode::Include)],
            options: Options::default(),
        },
    ]
}

impl World {
    fn new() -> World {
        World {
            sources: Default::default(),
            failing: [false; PLAIN],
            targets: Default::default(),
            ledgers: Default::default(),
            reference: Reference::default(),
        }
    }

    fn read(&self, uri: &str) -> Read {
        let items = |ids: &Vec<String>| {
            Read::Complete(
                ids.iter()
                    .map(|id| SourceItem {
                        track: track(id[1..].parse().unwrap()),
                        added_at_ms: None,
                    })
                    .collect(),
            )
        };
        match uri {
            "c0" => items(&self.targets[0]),
            _ => {
                let i: usize = uri[1..].parse().unwrap();
                if self.failing[i] {
                    Read::Failed("503 from the source".into())
                } else {
                    items(&self.sources[i])
                }
            }
        }
    }

    fn expected(&self, c: usize) -> BTreeSet<String> {
        let r = &self.reference;
        let (include, exclude): (Vec<Vec<String>>, Vec<Vec<String>>) = match c {
            0 => (
                vec![r.frozen[0].clone(), r.frozen[1].clone()],
                vec![r.frozen[2].clone()],
            ),
            _ => (vec![self.targets[0].clone(), r.frozen[3].clone()], vec![]),
        };
        (0..TRACKS)
            .map(|n| format!("t{n}"))
            .filter(|t| {
                !r.suppressed[c].contains(t)
                    && (r.direct[c].contains(t)
                        || (include.iter().any(|s| s.contains(t))
                            && !exclude.iter().any(|s| s.contains(t))))
            })
            .collect()
    }

    /// Syncs composite `c` and checks every invariant.
    fn sync(&mut self, c: usize) -> Result<(), TestCaseError> {
        let composite = &composites()[c];
        let plain: &[usize] = if c == 0 { &[0, 1, 2] } else { &[3] };
        for &i in plain {
            if !self.failing[i] {
                self.reference.frozen[i] = self.sources[i].clone();
            }
        }
        let reads: BTreeMap<String, Read> = composite
            .sources
            .iter()
            .map(|s| (s.uri.clone(), self.read(&s.uri)))
            .collect();
        let before = self.targets[c].clone();
        let target: Vec<Track> = before
            .iter()
            .map(|id| track(id[1..].parse().unwrap()))
            .collect();
        let outcome = sync(
            &self.ledgers[c],
            &SyncInput {
                composite,
                reads: &reads,
                target: &target,
                now_ms: 0,
            },
        );
        // The reference names tracks by their text; the engine by their typed ids.
        let before_ids: Vec<TrackId> = before.iter().map(|id| TrackId::from(id.as_str())).collect();
        let after: Vec<String> = outcome
            .plan
            .apply(&before_ids)
            .into_iter()
            .map(String::from)
            .collect();

        let unique: BTreeSet<&String> = after.iter().collect();
        prop_assert_eq!(
            unique.len(),
            after.len(),
            "each track at most once: {:?}",
            after
        );
        let got: BTreeSet<String> = after.iter().cloned().collect();
        prop_assert_eq!(
            &got,
            &self.expected(c),
            "composite {} holds what the rule says",
            c
        );
        let kept_before: Vec<&String> =
            before
                .iter()
                .filter(|t| got.contains(*t))
                .fold(Vec::new(), |mut v, t| {
                    if !v.contains(&t) {
                        v.push(t);
                    }
                    v
                });
        let kept_after: Vec<&String> = after.iter().filter(|t| before.contains(*t)).collect();
        prop_assert_eq!(
            kept_before,
            kept_after,
            "items already there keep their order"
        );

        self.targets[c] = after.clone();
        self.ledgers[c] = outcome.ledger;
        let again = sync(
            &self.ledgers[c],
            &SyncInput {
                composite,
                reads: &reads,
                target: &target_of(&after),
                now_ms: 0,
            },
        );
        prop_assert!(
            again.plan.is_empty(),
            "a second sync changes nothing: {:?}",
            again.plan
        );
        prop_assert_eq!(&again.ledger, &self.ledgers[c], "and learns nothing");
        Ok(())
    }

    fn step(&mut self, a: &Action) -> Result<(), TestCaseError> {
        let name = |t: u8| format!("t{t}");
        match *a {
            Action::SourceAdd(s, t) if !self.sources[s].contains(&name(t)) => {
                self.sources[s].push(name(t))
            }
            Action::SourceRemove(s, t) => self.sources[s].retain(|x| *x != name(t)),
            Action::SourceFail(s) => self.failing[s] = true,
            Action::SourceHeal(s) => self.failing[s] = false,
            Action::OwnerAdd(c, t) if !self.targets[c].contains(&name(t)) => {
                self.targets[c].push(name(t));
                self.reference.direct[c].insert(name(t));
                self.reference.suppressed[c].remove(&name(t));
                self.sync(c)?;
            }
            Action::OwnerRemove(c, t) if self.targets[c].contains(&name(t)) => {
                self.targets[c].retain(|x| *x != name(t));
                self.reference.direct[c].remove(&name(t));
                self.reference.suppressed[c].insert(name(t));
                self.sync(c)?;
            }
            Action::OwnerMove(c, from, to) if !self.targets[c].is_empty() => {
                let len = self.targets[c].len();
                let item = self.targets[c].remove(from % len);
                self.targets[c].insert(to % len, item);
                self.sync(c)?;
            }
            Action::Restore(c, t) => {
                if self.ledgers[c].restore(&[name(t).into()]) > 0 {
                    self.reference.suppressed[c].remove(&name(t));
                }
                self.sync(c)?;
            }
            Action::Sync => {
                self.sync(0)?;
                self.sync(1)?;
            }
            Action::Restart => {
                for l in &mut self.ledgers {
                    let text = serde_json::to_string(l).unwrap();
                    let back: Ledger = serde_json::from_str(&text).unwrap();
                    prop_assert_eq!(&back, &*l, "the ledger survives a restart");
                    *l = back;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn target_of(ids: &[String]) -> Vec<Track> {
    ids.iter()
        .map(|id| track(id[1..].parse().unwrap()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000),
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_interleaving_converges_to_the_rule(actions in proptest::collection::vec(action(), 1..60)) {
        let mut world = World::new();
        for a in &actions {
            world.step(a)?;
        }
        // Faults stop; a final sync of both levels must match the rule.
        world.failing = [false; PLAIN];
        world.sync(0)?;
        world.sync(1)?;
    }
}
