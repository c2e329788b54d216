//! Random histories of a composite: actions on its sources, its target and its ledger, and
//! configurations to run them under.

use proptest::prelude::*;

use crate::model::{Composite, Filters, Identity, Mode, Options, Ordering, Source, Track};

pub(super) const TRACKS: usize = 14;
pub(super) const SOURCES: usize = 4;

pub(super) fn track(n: usize) -> Track {
    Track {
        id: format!("t{n}").into(),
        // Pairs of tracks share an ISRC; some have none.
        isrc: (n % 5 != 4).then(|| format!("isrc{}", n / 2)),
        name: format!("Song {n}"),
        artists: vec![if n.is_multiple_of(3) { "Loud" } else { "Calm" }.into()],
        duration_ms: 1000 * n as i64,
        explicit: n.is_multiple_of(4),
    }
}

#[derive(Clone, Debug)]
pub(super) enum Action {
    /// Source s gains track t (at position p, added at a), possibly again.
    Add(usize, usize, usize, u8),
    /// Source s drops the item at position p.
    Drop(usize, usize),
    /// Source s moves an item.
    Move(usize, usize, usize),
    /// An item of source s gets another `added_at`.
    Retime(usize, usize, u8),
    /// Many changes to source s at once.
    Shuffle(usize, u64),
    Fail(usize),
    Heal(usize),
    /// The owner adds, removes, moves or doubles an item of the target.
    OwnerAdd(usize, usize),
    OwnerRemove(usize),
    OwnerMove(usize, usize),
    Restore(usize),
    /// A sync whose plan is applied (or, if false, lost on the way).
    Sync(bool),
    /// The ledger read back from storage.
    Restart,
    /// The configuration changes.
    Reconfigure(u8),
}

pub(super) fn action() -> impl Strategy<Value = Action> {
    let s = 0..SOURCES;
    let t = 0..TRACKS;
    prop_oneof![
        4 => (s.clone(), t.clone(), 0..20usize, 0..3u8).prop_map(|(s, t, p, a)| Action::Add(s, t, p, a)),
        3 => (s.clone(), 0..20usize).prop_map(|(s, p)| Action::Drop(s, p)),
        1 => (s.clone(), 0..20usize, 0..20usize).prop_map(|(s, a, b)| Action::Move(s, a, b)),
        1 => (s.clone(), 0..20usize, 0..3u8).prop_map(|(s, p, a)| Action::Retime(s, p, a)),
        1 => (s.clone(), any::<u64>()).prop_map(|(s, seed)| Action::Shuffle(s, seed)),
        1 => s.clone().prop_map(Action::Fail),
        1 => s.prop_map(Action::Heal),
        1 => (t.clone(), 0..20usize).prop_map(|(t, p)| Action::OwnerAdd(t, p)),
        1 => (0..20usize).prop_map(Action::OwnerRemove),
        1 => (0..20usize, 0..20usize).prop_map(|(a, b)| Action::OwnerMove(a, b)),
        1 => t.prop_map(Action::Restore),
        5 => Just(Action::Sync(true)),
        1 => Just(Action::Sync(false)),
        1 => Just(Action::Restart),
        1 => any::<u8>().prop_map(Action::Reconfigure),
    ]
}

pub(super) fn configuration() -> impl Strategy<Value = Composite> {
    let mode = prop_oneof![3 => Just(Mode::Include), 1 => Just(Mode::Exclude)];
    (
        (
            Just((0..SOURCES).collect::<Vec<_>>()).prop_shuffle(),
            proptest::collection::vec(mode, SOURCES),
            1..=SOURCES,
            prop_oneof![5 => Just(false), 1 => Just(true)],
        )
            .prop_map(|(order, modes, n, twice)| {
                let mut sources: Vec<(usize, Mode)> =
                    order.into_iter().zip(modes).take(n).collect();
                if twice {
                    // The same URI configured twice.
                    let (i, mode) = sources[0];
                    let other = if mode == Mode::Include {
                        Mode::Exclude
                    } else {
                        Mode::Include
                    };
                    sources.push((i, other));
                }
                sources
            }),
        any::<bool>(),
        prop_oneof![3 => Just(10_000usize), 1 => 2..8usize],
        prop_oneof![
            2 => Just(Ordering::Append),
            1 => Just(Ordering::SourceOrder),
            2 => Just(Ordering::Interleave)
        ],
        prop_oneof![3 => Just(Identity::Id), 2 => Just(Identity::Isrc), 1 => Just(Identity::Fuzzy)],
        0..8u8,
    )
        .prop_map(
            |(sources, archive, cap, ordering, identity, filter)| Composite {
                sources: sources
                    .into_iter()
                    .map(|(i, mode)| Source {
                        uri: format!("s{i}"),
                        mode,
                    })
                    .collect(),
                options: Options {
                    identity,
                    archive,
                    cap,
                    ordering,
                    filters: filters(filter),
                    target: None,
                },
            },
        )
}

fn filters(n: u8) -> Filters {
    match n {
        1 => Filters {
            explicit: Some(false),
            ..Filters::default()
        },
        2 => Filters {
            exclude_artists: vec!["loud".into()],
            ..Filters::default()
        },
        3 => Filters {
            added_within_days: Some(1),
            ..Filters::default()
        },
        _ => Filters::default(),
    }
}
