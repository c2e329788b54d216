//! The options of a composite, each through `sync`.

use std::collections::BTreeMap;

use medley_compose::{
    sync, Composite, Filters, Identity, Ledger, Mode, Options, Ordering, Read, Source, SourceItem,
    SyncInput, Track,
};
use medley_domain::TrackId;

fn t(id: &str) -> Track {
    Track {
        id: id.into(),
        isrc: None,
        name: format!("Song {id}"),
        artists: vec!["Band".into()],
        duration_ms: 200_000,
        explicit: false,
    }
}

fn read(tracks: &[Track]) -> Read {
    Read::Complete(
        tracks
            .iter()
            .map(|t| SourceItem {
                track: t.clone(),
                added_at_ms: Some(0),
            })
            .collect(),
    )
}

fn composite(n: usize, options: Options) -> Composite {
    Composite {
        sources: (0..n)
            .map(|i| Source {
                uri: format!("s{i}"),
                mode: Mode::Include,
            })
            .collect(),
        options,
    }
}

/// Runs a sync and returns (new ledger, resulting target ids, report).
fn run(
    c: &Composite,
    ledger: &Ledger,
    reads: Vec<Read>,
    target: &[Track],
    now_ms: i64,
) -> (Ledger, Vec<TrackId>, medley_compose::Report) {
    let reads: BTreeMap<String, Read> =
        c.sources.iter().map(|s| s.uri.clone()).zip(reads).collect();
    let out = sync(
        ledger,
        &SyncInput {
            composite: c,
            reads: &reads,
            target,
            now_ms,
        },
    );
    let ids: Vec<TrackId> = target.iter().map(|t| t.id.clone()).collect();
    (out.ledger, out.plan.apply(&ids), out.report)
}

fn tracks(ids: &[TrackId]) -> Vec<Track> {
    ids.iter().map(|id| t(id)).collect()
}

#[test]
fn a_track_in_two_sources_appears_once_and_leaves_only_when_both_drop_it() {
    let c = composite(2, Options::default());
    let (l, ids, _) = run(
        &c,
        &Ledger::default(),
        vec![read(&[t("a"), t("b")]), read(&[t("b"), t("c")])],
        &[],
        0,
    );
    assert_eq!(ids, ["a", "b", "c"]);
    let (l, ids, r) = run(
        &c,
        &l,
        vec![read(&[t("a")]), read(&[t("b"), t("c")])],
        &tracks(&ids),
        0,
    );
    assert_eq!(ids, ["a", "b", "c"], "b is still held by the second source");
    assert!(r.removed.is_empty());
    let (_, ids, r) = run(
        &c,
        &l,
        vec![read(&[t("a")]), read(&[t("c")])],
        &tracks(&ids),
        0,
    );
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(r.removed, ["b"]);
}

#[test]
fn a_failed_source_freezes_its_contributions_and_is_reported() {
    let c = composite(1, Options::default());
    let (l, ids, _) = run(
        &c,
        &Ledger::default(),
        vec![read(&[t("a"), t("b")])],
        &[],
        0,
    );
    let (l, ids, r) = run(
        &c,
        &l,
        vec![Read::Failed("429 Too Many Requests".into())],
        &tracks(&ids),
        1,
    );
    assert_eq!(ids, ["a", "b"], "a failed read is never empty");
    assert_eq!(
        r.unhealthy,
        [("s0".to_string(), "429 Too Many Requests".to_string())]
    );
    assert!(!l.sources["s0"].healthy);
    assert_eq!(l.sources["s0"].last_ok_ms, Some(0));
}

#[test]
fn archive_mode_only_adds() {
    let c = composite(
        1,
        Options {
            archive: true,
            ..Options::default()
        },
    );
    let (l, ids, _) = run(
        &c,
        &Ledger::default(),
        vec![read(&[t("a"), t("b")])],
        &[],
        0,
    );
    let (l, ids, _) = run(&c, &l, vec![read(&[t("c")])], &tracks(&ids), 0);
    assert_eq!(
        ids,
        ["a", "b", "c"],
        "nothing leaves because the source dropped it"
    );
    let owner_removed: Vec<TrackId> = vec!["a".into(), "c".into()];
    let (_, ids, r) = run(
        &c,
        &l,
        vec![read(&[t("b"), t("d")])],
        &tracks(&owner_removed),
        0,
    );
    assert_eq!(
        ids,
        ["a", "c", "d"],
        "b, deleted by the owner, is never copied again"
    );
    assert_eq!(r.learned_suppressed, ["b"]);
}

#[test]
fn exclude_sources_keep_tracks_out_unless_the_owner_added_them() {
    let mut c = composite(1, Options::default());
    c.sources.push(Source {
        uri: "x".into(),
        mode: Mode::Exclude,
    });
    let (l, ids, _) = run(
        &c,
        &Ledger::default(),
        vec![read(&[t("a"), t("b")]), read(&[t("b")])],
        &[],
        0,
    );
    assert_eq!(ids, ["a"]);
    let mut owner = tracks(&ids);
    owner.push(t("b"));
    let (_, ids, r) = run(
        &c,
        &l,
        vec![read(&[t("a"), t("b")]), read(&[t("b")])],
        &owner,
        0,
    );
    assert_eq!(ids, ["a", "b"], "the owner's own addition stays");
    assert_eq!(r.learned_direct, ["b"]);
}

#[test]
fn the_cap_is_reported_not_silently_applied() {
    let c = composite(
        1,
        Options {
            cap: 2,
            ..Options::default()
        },
    );
    let (_, ids, r) = run(
        &c,
        &Ledger::default(),
        vec![read(&[t("a"), t("b"), t("c")])],
        &[],
        0,
    );
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(r.overflow, ["c"]);
}

#[test]
fn filters_apply_to_contributions() {
    let mut long = t("long");
    long.duration_ms = 900_000;
    let mut rude = t("rude");
    rude.explicit = true;
    let mut other = t("other");
    other.artists = vec!["Someone Else".into()];
    let filters = Filters {
        explicit: Some(false),
        max_duration_ms: Some(600_000),
        exclude_artists: vec!["someone else".into()],
        ..Filters::default()
    };
    let c = composite(
        1,
        Options {
            filters,
            ..Options::default()
        },
    );
    let (_, ids, _) = run(
        &c,
        &Ledger::default(),
        vec![read(&[t("a"), long, rude, other])],
        &[],
        0,
    );
    assert_eq!(ids, ["a"]);

    let recent = Filters {
        added_within_days: Some(30),
        ..Filters::default()
    };
    let c = composite(
        1,
        Options {
            filters: recent,
            ..Options::default()
        },
    );
    let day = 86_400_000;
    let items = Read::Complete(vec![
        SourceItem {
            track: t("old"),
            added_at_ms: Some(0),
        },
        SourceItem {
            track: t("new"),
            added_at_ms: Some(40 * day),
        },
    ]);
    let (_, ids, _) = run(&c, &Ledger::default(), vec![items], &[], 45 * day);
    assert_eq!(ids, ["new"]);
}

#[test]
fn ordering_of_newcomers() {
    let owner_first: Vec<TrackId> = vec!["z".into()];
    let reads = || {
        vec![
            read(&[t("a1"), t("a2"), t("a3")]),
            read(&[t("b1"), t("b2")]),
        ]
    };
    let c = composite(
        2,
        Options {
            ordering: Ordering::Interleave,
            ..Options::default()
        },
    );
    let (_, ids, _) = run(&c, &Ledger::default(), reads(), &[], 0);
    assert_eq!(ids, ["a1", "b1", "a2", "b2", "a3"]);

    let c = composite(
        1,
        Options {
            ordering: Ordering::SourceOrder,
            ..Options::default()
        },
    );
    let (l, ids, _) = run(
        &c,
        &Ledger::default(),
        vec![read(&[t("a"), t("c")])],
        &tracks(&owner_first),
        0,
    );
    assert_eq!(ids, ["a", "c", "z"]);
    let (_, ids, _) = run(
        &c,
        &l,
        vec![read(&[t("a"), t("b"), t("c")])],
        &tracks(&ids),
        0,
    );
    assert_eq!(
        ids,
        ["a", "b", "c", "z"],
        "b goes after a, where the source has it"
    );

    let c = composite(2, Options::default());
    let (_, ids, _) = run(&c, &Ledger::default(), reads(), &tracks(&owner_first), 0);
    assert_eq!(
        ids,
        ["z", "a1", "a2", "a3", "b1", "b2"],
        "append keeps the owner's items first"
    );
}

#[test]
fn isrc_and_fuzzy_identity_merge_copies_of_a_recording() {
    let mut a = t("a");
    a.isrc = Some("USRC17607839".into());
    let mut b = t("b");
    b.isrc = Some("usrc17607839".into());
    let c = composite(
        2,
        Options {
            identity: Identity::Isrc,
            ..Options::default()
        },
    );
    let (_, ids, _) = run(&c, &Ledger::default(), vec![read(&[a]), read(&[b])], &[], 0);
    assert_eq!(ids, ["a"], "one recording, one item");

    let mut x = t("x");
    x.name = "Halo".into();
    let mut y = t("y");
    y.name = "HALO".into();
    y.duration_ms += 1500;
    let c = composite(
        2,
        Options {
            identity: Identity::Fuzzy,
            ..Options::default()
        },
    );
    let (l, ids, _) = run(
        &c,
        &Ledger::default(),
        vec![read(&[x.clone()]), read(&[y.clone()])],
        &[],
        0,
    );
    assert_eq!(ids, ["x"]);
    let (_, ids, _) = run(&c, &l, vec![read(&[]), read(&[y])], &tracks(&ids), 0);
    assert_eq!(ids, ["x"], "still held, through its fuzzy twin");
}

#[test]
fn duplicates_in_the_target_are_reduced_to_one() {
    let c = composite(1, Options::default());
    let (l, ids, _) = run(&c, &Ledger::default(), vec![read(&[t("a")])], &[], 0);
    let mut doubled = tracks(&ids);
    doubled.insert(0, t("b"));
    doubled.push(t("b"));
    let (_, ids, r) = run(&c, &l, vec![read(&[t("a")])], &doubled, 0);
    assert_eq!(ids, ["b", "a"]);
    assert_eq!(r.removed, ["b"]);
}
