//! Random sequences of joins, leaves, ticks and ops from random people keep the show's
//! invariants: one creator; roles change only as the rules allow and only with
//! `role.changed`; the hands queue holds present listeners once each, in the order raised;
//! `seq` has no gaps; banned people are never present; a refused op changes nothing; a
//! client kept up to date by the events sees what a fresh `welcome` shows; a resume from
//! the `seq` before any step replays exactly the reliable events that step sent; and the
//! state stored after any step, caught up by the events stored since, is the show's state.

use std::collections::BTreeMap;

use medley_live::{Event, EventKind, Hello, Op, Role, Settings, Show, ShowState, Since};
use proptest::prelude::*;

use crate::fixture::{durable, empty_show, C, T0};
use crate::mirror::Mirror;

const USERS: [&str; 6] = ["c", "u1", "u2", "u3", "u4", "u5"];

#[derive(Clone, Debug)]
enum Step {
    Join(&'static str),
    Leave(&'static str),
    Tick,
    Apply(&'static str, Op),
}

fn user() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(USERS.to_vec()).prop_map(str::to_owned),
        1 => Just("ghost".to_owned()),
    ]
}

fn actor() -> impl Strategy<Value = &'static str> {
    // The creator acts more often, so that moderators and speakers appear.
    prop_oneof![3 => Just(C), 5 => proptest::sample::select(USERS[1..].to_vec())]
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        3 => Just(Role::Moderator),
        3 => Just(Role::Speaker),
        3 => Just(Role::Listener),
        1 => Just(Role::Creator),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let text = prop_oneof![
        8 => "[a-z ]{1,20}",
        1 => Just(String::new()),
        1 => Just("x".repeat(501)),
    ];
    let position = prop_oneof![4 => 0i64..250_000, 1 => Just(-1i64)];
    prop_oneof![
        3 => text.prop_map(|text| Op::Comment { text }),
        3 => (1u64..8).prop_map(|n| Op::CommentDelete { id: n.to_string() }),
        2 => proptest::sample::select(vec!["🔥", "👏", "", "a b"])
            .prop_map(|e| Op::React { emoji: e.to_owned() }),
        4 => Just(Op::HandRaise {}),
        2 => Just(Op::HandLower {}),
        3 => user().prop_map(|user| Op::HandAccept { user }),
        2 => user().prop_map(|user| Op::HandReject { user }),
        8 => (user(), role()).prop_map(|(user, role)| Op::RoleSet { user, role }),
        2 => user().prop_map(|user| Op::Mute { user }),
        4 => user().prop_map(|user| Op::Unmute { user }),
        2 => user().prop_map(|user| Op::Remove { user }),
        2 => user().prop_map(|user| Op::Ban { user }),
        5 => user().prop_map(|user| Op::Unban { user }),
        2 => (proptest::option::of(0usize..4), proptest::option::of(position.clone()))
            .prop_map(|(index, position_ms)| Op::PlaybackPlay { index, position_ms }),
        1 => Just(Op::PlaybackPause {}),
        1 => Just(Op::PlaybackNext {}),
        1 => Just(Op::PlaybackPrev {}),
        1 => position.prop_map(|position_ms| Op::PlaybackSeek { position_ms }),
        1 => prop_oneof![0u32..4, Just(4_000)].prop_map(|seconds| Op::SlowModeSet { seconds }),
        1 => Just(Op::Ping { t0: 1 }),
        1 => Just(Op::Hello(Hello { v: 1, token: "t".into(), csrf: None, resume: None })),
        1 => Just(Op::Leave {}),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        75 => proptest::sample::select(USERS.to_vec()).prop_map(Step::Join),
        25 => proptest::sample::select(USERS.to_vec()).prop_map(Step::Leave),
        25 => Just(Step::Tick),
        375 => (actor(), op()).prop_map(|(a, op)| Step::Apply(a, op)),
        // Rarely the end, after which everything is refused.
        1 => Just(Step::Apply(C, Op::ShowEnd {})),
    ]
}

/// A role known to the test from the events alone: who is what, present or away.
type Roles = BTreeMap<String, Role>;

fn check_step(
    before: &Show,
    after: &Show,
    step: &Step,
    result: &Result<Vec<Event>, medley_live::Refusal>,
    roles: &mut Roles,
) -> Result<(), TestCaseError> {
    let Ok(events) = result else {
        prop_assert_eq!(before, after, "a refused {:?} changed the show", step);
        return Ok(());
    };
    // seq: the reliable events continue the count without gaps; ephemeral ones have none.
    let mut seq = before.seq();
    for e in events {
        if let Some(s) = e.seq {
            prop_assert!(e.kind.is_reliable());
            prop_assert_eq!(s, seq + 1);
            seq = s;
        } else {
            prop_assert!(!e.kind.is_reliable());
        }
    }
    prop_assert_eq!(after.seq(), seq);
    // Roles change only by the rules, and only with `role.changed`.
    let mut changed = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::RoleChanged { user, role: to, by } => {
                let from = before
                    .role(user)
                    .expect("role.changed names someone present");
                let by_role = before.role(by).expect("role.changed is by someone present");
                prop_assert!(*to != Role::Creator && from != Role::Creator);
                let own_move_down = by == user && *to < from;
                let moderated = by_role.moderates() && by_role > from && by_role > *to;
                prop_assert!(
                    own_move_down || moderated,
                    "{} made {} a {} from {}",
                    by,
                    user,
                    to,
                    from
                );
                roles.insert(user.clone(), *to);
                changed.push(user.clone());
            }
            EventKind::Removed(b) | EventKind::Banned(b) => {
                roles.remove(&b.user);
            }
            EventKind::Joined(m) => {
                let expected = if m.user == C {
                    Role::Creator
                } else {
                    roles.get(&m.user).copied().unwrap_or(Role::Listener)
                };
                prop_assert_eq!(m.role, expected, "{} came back in another role", &m.user);
            }
            _ => {}
        }
    }
    for (user, role) in after.participants() {
        if let Some(old) = before.role(user) {
            prop_assert!(old == role || changed.iter().any(|c| c == user));
        }
    }
    Ok(())
}

fn check_state(show: &Show) -> Result<(), TestCaseError> {
    // Exactly one creator: nobody but `c` is one, and `c` always is.
    for (user, role) in show.participants() {
        prop_assert_eq!(role == Role::Creator, user == C);
    }
    // Hands: present listeners, each once.
    let hands = show.hands();
    for (i, h) in hands.iter().enumerate() {
        prop_assert_eq!(show.role(h), Some(Role::Listener), "{} has a hand up", h);
        prop_assert!(!hands[..i].contains(h), "{} is queued twice", h);
    }
    for user in show.banned() {
        prop_assert!(!show.is_present(user), "{} is banned but present", user);
    }
    Ok(())
}

fn run(steps: Vec<(Step, i64)>) -> Result<(), TestCaseError> {
    let settings = Settings::default();
    let mut show = empty_show(settings);
    let welcome = |show: &Show, now| match show.welcome("observer", "s", now).kind {
        EventKind::Welcome(w) => *w,
        _ => unreachable!(),
    };
    let mut mirror = Mirror::from_welcome(&welcome(&show, T0));
    let mut roles = Roles::new();
    let mut now = T0;
    // What the server stores: the state now and then, and every reliable event.
    let mut states = Vec::new();
    let mut stored = Vec::new();
    let everyone = USERS.iter().map(|u| (Step::Join(u), 0));
    for (step, dt) in everyone.chain(steps) {
        now += dt;
        let before = show.clone();
        let result = match &step {
            Step::Join(u) => match show.join(u, now) {
                Ok(joined) => {
                    prop_assert!(!before.is_banned(u));
                    prop_assert_eq!(joined.replaced, before.is_present(u));
                    Ok(joined.events)
                }
                Err(close) => {
                    prop_assert_eq!(&show, &before, "a refused join changed the show");
                    prop_assert!(
                        before.is_banned(u) || show.state() == ShowState::Ended,
                        "{:?}",
                        close
                    );
                    continue;
                }
            },
            Step::Leave(u) => Ok(show.leave(u, now)),
            Step::Tick => Ok(show.tick(now)),
            Step::Apply(actor, op) => show.apply(actor, op, now),
        };
        check_step(&before, &show, &step, &result, &mut roles)?;
        check_state(&show)?;
        let events = result.unwrap_or_default();
        for e in &events {
            mirror.apply(e);
        }
        // The events told a client everything a fresh welcome would.
        prop_assert_eq!(mirror.visible(), Mirror::from_welcome(&welcome(&show, now)));
        // A client that saw this step's first seq would be replayed exactly this step's events.
        let sent: Vec<Event> = events.into_iter().filter(|e| e.seq.is_some()).collect();
        prop_assert_eq!(show.since(before.seq(), now), Since::Events(sent.clone()));
        stored.extend(sent);
        states.push(serde_json::to_string(&show).expect("a show serialises"));
    }
    let every = (states.len() / 6).max(1);
    for state in states.iter().step_by(every).chain(states.last()) {
        let mut back: Show = serde_json::from_str(state).expect("a stored show reads back");
        back.catch_up(stored.clone(), now);
        prop_assert_eq!(durable(&back), durable(&show));
        for seq in 0..=show.seq() + 1 {
            prop_assert_eq!(back.since(seq, now), show.since(seq, now), "since {}", seq);
        }
    }
    Ok(())
}

proptest! {
    // `PROPTEST_CASES` runs more (or fewer) than the default 512.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_sequences_keep_the_invariants(
        steps in proptest::collection::vec((step(), prop_oneof![0i64..300, 0i64..3_000]), 1..120)
    ) {
        run(steps)?;
    }
}
