//! The composite planner's speed (docs/BENCHMARKS.md, "Composite planner").
//!
//! Run with `cargo bench -p medley-compose --bench planner`. Every case times one `sync` call
//! alone: its inputs are built beforehand, outside the timed closure, and the outcome it returns
//! is dropped outside the timing too (`BatchSize::PerIteration`).
//!
//! * `incremental_1000_changes_100k`: a composite of 50 include sources x 2,000 tracks (100,000
//!   ledger entries, 100,000 items in the target, `cap` raised to 100,000 from its default
//!   10,000), settled by a first sync; then 1,000 source changes (10 tracks dropped and 10 new
//!   ones added in each source: 500 + 500) in one sync. Target: under 20 ms.
//! * `resync_no_change_100k`: the same settled composite synced again with the same reads (the
//!   idempotent path: an empty plan).
//! * `stored_1000_changes_100k`: the 1,000 changes again, but from the settled ledger as read
//!   back from storage (a serde round trip): it carries no basis of the sync that made it, so
//!   the sync takes the full path (every key), as it does after a restart.
//! * `rebuild_10k`: 5 sources x 2,000 tracks into an empty ledger and an empty target (default
//!   options, `cap` 10,000). Target: under 100 ms.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use medley_compose::{
    sync, Composite, Ledger, Mode, Options, Outcome, Read, Source, SourceItem, SyncInput, Track,
};

const NOW_MS: i64 = 1_700_000_000_000;
const TRACKS_PER_SOURCE: usize = 2_000;
/// In the changed reads, each source drops the track at `j % CHANGE_STRIDE == CHANGE_STRIDE - 1`
/// and gains a new one before `j % CHANGE_STRIDE == CHANGE_STRIDE / 2`: 10 of each per source.
const CHANGE_STRIDE: usize = 200;

fn track(id: &str) -> Track {
    Track {
        id: id.into(),
        isrc: None,
        name: format!("Song {id}"),
        artists: vec!["Band".to_owned()],
        duration_ms: 180_000,
        explicit: false,
    }
}

fn item(id: &str, j: usize) -> SourceItem {
    SourceItem {
        track: track(id),
        added_at_ms: Some(NOW_MS - j as i64 * 60_000),
    }
}

fn composite(sources: usize, cap: usize) -> Composite {
    Composite {
        sources: (0..sources)
            .map(|i| Source {
                uri: format!("medley:playlist:s{i}"),
                mode: Mode::Include,
            })
            .collect(),
        options: Options {
            cap,
            ..Options::default()
        },
    }
}

/// Complete reads of every source: tracks `s{i}t{j}`, unique per source. With `changed`, each
/// source has dropped `TRACKS_PER_SOURCE / CHANGE_STRIDE` tracks and gained as many new ones
/// (`s{i}n{k}`), spread through it.
fn reads(c: &Composite, changed: bool) -> BTreeMap<String, Read> {
    c.sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut items = Vec::with_capacity(TRACKS_PER_SOURCE);
            for j in 0..TRACKS_PER_SOURCE {
                if changed && j % CHANGE_STRIDE == CHANGE_STRIDE / 2 {
                    items.push(item(&format!("s{i}n{}", j / CHANGE_STRIDE), j));
                }
                if changed && j % CHANGE_STRIDE == CHANGE_STRIDE - 1 {
                    continue;
                }
                items.push(item(&format!("s{i}t{j}"), j));
            }
            (s.uri.clone(), Read::Complete(items))
        })
        .collect()
}

fn run(
    c: &Composite,
    ledger: &Ledger,
    reads: &BTreeMap<String, Read>,
    target: &[Track],
) -> Outcome {
    sync(
        ledger,
        &SyncInput {
            composite: c,
            reads,
            target,
            now_ms: NOW_MS,
        },
    )
}

/// A composite settled by one sync of `reads` into an empty target: its ledger and its target.
fn settled(c: &Composite, reads: &BTreeMap<String, Read>) -> (Ledger, Vec<Track>) {
    let first = run(c, &Ledger::default(), reads, &[]);
    let ids = first.plan.apply(&[]);
    assert!(first.report.overflow.is_empty(), "the cap cut the setup");
    (first.ledger, ids.iter().map(|id| track(id)).collect())
}

fn large_composite(criterion: &mut Criterion) {
    let c = composite(50, 100_000);
    let before = reads(&c, false);
    let after = reads(&c, true);
    let (ledger, target) = settled(&c, &before);
    assert_eq!(ledger.entries.len(), 100_000);
    assert_eq!(target.len(), 100_000);

    // What the measured syncs do, checked once outside the timing.
    let changed = run(&c, &ledger, &after, &target);
    assert_eq!(changed.plan.remove.len(), 500);
    assert_eq!(changed.plan.insert.len(), 500);
    assert!(changed.report.overflow.is_empty());
    assert_eq!(changed.ledger.entries.len(), 100_000);
    let unchanged = run(&c, &ledger, &before, &target);
    assert!(unchanged.plan.is_empty());
    assert_eq!(unchanged.ledger, ledger);
    let stored: Ledger = serde_json::from_str(&serde_json::to_string(&ledger).unwrap()).unwrap();
    let from_stored = run(&c, &stored, &after, &target);
    assert_eq!(from_stored.plan, changed.plan);
    assert_eq!(from_stored.ledger, changed.ledger);
    drop((changed, unchanged, from_stored));

    let mut group = criterion.benchmark_group("composite_planner");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    group.bench_function("incremental_1000_changes_100k", |b| {
        b.iter_batched(
            || (),
            |()| {
                run(
                    &c,
                    black_box(&ledger),
                    black_box(&after),
                    black_box(&target),
                )
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("stored_1000_changes_100k", |b| {
        b.iter_batched(
            || (),
            |()| {
                run(
                    &c,
                    black_box(&stored),
                    black_box(&after),
                    black_box(&target),
                )
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("resync_no_change_100k", |b| {
        b.iter_batched(
            || (),
            |()| {
                run(
                    &c,
                    black_box(&ledger),
                    black_box(&before),
                    black_box(&target),
                )
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn rebuild(criterion: &mut Criterion) {
    let c = composite(5, Options::default().cap);
    let all = reads(&c, false);
    let empty = Ledger::default();
    let check = run(&c, &empty, &all, &[]);
    assert_eq!(check.plan.insert.len(), 10_000);
    assert!(check.report.overflow.is_empty());
    drop(check);

    let mut group = criterion.benchmark_group("composite_planner");
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("rebuild_10k", |b| {
        b.iter_batched(
            || (),
            |()| run(&c, black_box(&empty), black_box(&all), &[]),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, large_composite, rebuild);
criterion_main!(benches);
