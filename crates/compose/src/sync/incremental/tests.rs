//! The incremental path against the full one, over random histories: every sync is run both
//! ways and must give the same outcome, ledger and basis.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering as AtomicOrdering;

use proptest::prelude::*;

use crate::model::{Composite, Mode, Options, Read, Source, SourceItem};
use crate::sync::full::full;
use crate::sync::{Outcome, SyncInput};
use crate::Ledger;
use history::{action, configuration, track, SOURCES};
use world::{same, World, INCREMENTAL, SYNCS};

mod history;
mod world;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3_000),
        max_shrink_iters: 5_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_incremental_sync_agrees_with_the_full_one(
        composite in configuration(),
        actions in proptest::collection::vec(action(), 1..60),
    ) {
        let mut world = World {
            composite,
            sources: Default::default(),
            failing: [false; SOURCES],
            target: Vec::new(),
            ledger: Ledger::default(),
            now_ms: 0,
        };
        for a in &actions {
            world.step(a)?;
        }
        world.sync(true)?;
        world.sync(true)?;
    }
}

/// In archive mode, tracks that no configured source holds any more but an exclude source
/// kept out come in when it lets them go: in key order, as the full sync places them.
#[test]
fn archived_tracks_no_source_holds_come_back_in_key_order() {
    let composite = Composite {
        sources: vec![
            Source {
                uri: "s0".into(),
                mode: Mode::Include,
            },
            Source {
                uri: "s1".into(),
                mode: Mode::Exclude,
            },
        ],
        options: Options {
            archive: true,
            ..Options::default()
        },
    };
    let read = |ids: &[usize]| {
        Read::Complete(
            ids.iter()
                .map(|&t| SourceItem {
                    track: track(t),
                    added_at_ms: None,
                })
                .collect(),
        )
    };
    let mut ledger = Ledger::default();
    for (step, (held, excluded)) in [(&[2, 1][..], &[2, 1][..]), (&[], &[2, 1]), (&[], &[])]
        .into_iter()
        .enumerate()
    {
        let reads = BTreeMap::from([
            ("s0".to_owned(), read(held)),
            ("s1".to_owned(), read(excluded)),
        ]);
        let input = SyncInput {
            composite: &composite,
            reads: &reads,
            target: &[],
            now_ms: 0,
        };
        let slow = full(&ledger, &input);
        if step > 0 {
            let fast = super::sync(&ledger, &input).expect("the incremental path");
            same(&fast, &slow).unwrap();
        }
        if step == 2 {
            assert_eq!(slow.report.added, vec!["t1".to_owned(), "t2".to_owned()]);
        }
        ledger = slow.ledger;
    }
}

/// The basis a ledger carries keeps it (and an outcome) free to move between threads.
#[test]
fn ledgers_and_outcomes_stay_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Ledger>();
    send_sync::<Outcome>();
}

/// The differential test above is worth something only if the incremental path runs.
#[test]
fn the_incremental_path_runs_in_the_differential_test() {
    the_incremental_sync_agrees_with_the_full_one();
    let (fast, all) = (
        INCREMENTAL.load(AtomicOrdering::Relaxed),
        SYNCS.load(AtomicOrdering::Relaxed),
    );
    eprintln!("incremental in {fast} of {all} syncs");
    assert!(fast * 5 > all, "incremental in {fast} of {all} syncs");
}
