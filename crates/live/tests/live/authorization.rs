//! Each op against each role. The grids are LIVE.md's "Roles" and "Ops" read by hand, not
//! derived from the code: rows are the actor's role (creator, moderator, speaker, listener),
//! columns the target's; `ok`, or the refusal's code (see `fixture::outcome`), `-` where the
//! creator would target themselves. Every refusal is also checked to change nothing.

use medley_live::{Op, Role, Settings, Show};

use crate::fixture::{outcome, people_of, show, show_with, C, T0};

const ROLES: [Role; 4] = [
    Role::Creator,
    Role::Moderator,
    Role::Speaker,
    Role::Listener,
];

/// Applies `op` and returns the outcome, checking that a refusal left the show unchanged.
fn attempt(show: &mut Show, actor: &str, op: &Op) -> &'static str {
    let before = show.clone();
    let result = show.apply(actor, op, T0 + 60_000);
    if result.is_err() {
        assert_eq!(
            *show, before,
            "{actor} {op:?} was refused but changed the show"
        );
    }
    outcome(&result)
}

fn parse_grid(grid: &str) -> Vec<Vec<&str>> {
    let rows: Vec<Vec<&str>> = grid
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|r| !r.is_empty())
        .collect();
    assert_eq!(rows.len(), 4);
    rows
}

/// Checks an op aimed at someone of each role; `setup` prepares the target first.
fn check_targeted(
    name: &str,
    grid: &str,
    op: impl Fn(&str) -> Op,
    setup: impl Fn(&mut Show, &str),
) {
    let grid = parse_grid(grid);
    for (a, actor_role) in ROLES.iter().enumerate() {
        let actor = people_of(*actor_role).0;
        for (t, target_role) in ROLES.iter().enumerate() {
            let expected = grid[a][t];
            let (first, second) = people_of(*target_role);
            let target = if first == actor { second } else { Some(first) };
            let Some(target) = target else {
                assert_eq!(expected, "-", "{name}: the creator has no peer");
                continue;
            };
            let mut show = show();
            setup(&mut show, target);
            let got = attempt(&mut show, actor, &op(target));
            assert_eq!(
                got, expected,
                "{name}: a {actor_role} ({actor}) on a {target_role} ({target})"
            );
        }
    }
}

/// Checks an op without a target from each role; `setup` prepares the actor first.
fn check_untargeted(
    name: &str,
    settings: Settings,
    row: &str,
    op: Op,
    setup: impl Fn(&mut Show, &str),
) {
    let expected: Vec<&str> = row.split_whitespace().collect();
    for (i, role) in ROLES.iter().enumerate() {
        let actor = people_of(*role).0;
        let mut show = show_with(settings.clone());
        setup(&mut show, actor);
        let got = attempt(&mut show, actor, &op);
        assert_eq!(got, expected[i], "{name} by a {role} ({actor})");
    }
}

fn nothing(_: &mut Show, _: &str) {}

#[test]
fn moderation_is_for_moderators_over_lower_roles() {
    let below_only = "
        -  ok ok ok
        F  F  ok ok
        F  F  F  F
        F  F  F  F";
    check_targeted("mute", below_only, |u| Op::Mute { user: u.into() }, nothing);
    check_targeted(
        "remove",
        below_only,
        |u| Op::Remove { user: u.into() },
        nothing,
    );
    check_targeted("ban", below_only, |u| Op::Ban { user: u.into() }, nothing);
    let muted_by_creator = |show: &mut Show, target: &str| {
        let _ = show.apply(
            C,
            &Op::Mute {
                user: target.into(),
            },
            T0,
        );
    };
    check_targeted(
        "unmute",
        below_only,
        |u| Op::Unmute { user: u.into() },
        muted_by_creator,
    );
    let banned_by_creator = |show: &mut Show, target: &str| {
        let _ = show.apply(
            C,
            &Op::Ban {
                user: target.into(),
            },
            T0,
        );
    };
    // The creator cannot be banned, so a moderator's unban of the creator finds no ban.
    let unban = "
        -  ok ok ok
        C  F  ok ok
        F  F  F  F
        F  F  F  F";
    check_targeted(
        "unban",
        unban,
        |u| Op::Unban { user: u.into() },
        banned_by_creator,
    );
}

#[test]
fn roles_are_set_below_ones_own() {
    let set = |role| {
        move |u: &str| Op::RoleSet {
            user: u.into(),
            role,
        }
    };
    // Only the creator appoints moderators.
    let to_moderator = "
        -  C  ok ok
        F  F  F  F
        F  F  F  F
        F  F  F  F";
    check_targeted(
        "role.set moderator",
        to_moderator,
        set(Role::Moderator),
        nothing,
    );
    let to_speaker = "
        -  ok C  ok
        F  F  C  ok
        F  F  F  F
        F  F  F  F";
    check_targeted("role.set speaker", to_speaker, set(Role::Speaker), nothing);
    // Only the creator dismisses moderators; moderators move speakers back to listeners.
    let to_listener = "
        -  ok ok C
        F  F  ok C
        F  F  F  F
        F  F  F  F";
    check_targeted(
        "role.set listener",
        to_listener,
        set(Role::Listener),
        nothing,
    );
    // Nobody makes a second creator.
    let to_creator = "
        -  B  B  B
        B  B  B  B
        B  B  B  B
        B  B  B  B";
    check_targeted("role.set creator", to_creator, set(Role::Creator), nothing);
}

#[test]
fn anyone_but_the_creator_moves_themselves_down() {
    // Rows: the actor's role; columns: moderator, speaker, listener.
    let grid = [
        (Role::Creator, ["F", "F", "F"]),
        (Role::Moderator, ["C", "ok", "ok"]),
        (Role::Speaker, ["F", "C", "ok"]),
        (Role::Listener, ["F", "F", "C"]),
    ];
    for (role, row) in grid {
        let actor = people_of(role).0;
        for (to, expected) in [Role::Moderator, Role::Speaker, Role::Listener]
            .into_iter()
            .zip(row)
        {
            let mut show = show();
            let op = Op::RoleSet {
                user: actor.into(),
                role: to,
            };
            assert_eq!(attempt(&mut show, actor, &op), expected, "a {role} to {to}");
        }
    }
}

#[test]
fn hands_are_raised_by_listeners_and_answered_by_moderators() {
    let d = Settings::default;
    let raised = |show: &mut Show, actor: &str| {
        let _ = show.apply(actor, &Op::HandRaise {}, T0);
    };
    check_untargeted("hand.raise", d(), "F F F ok", Op::HandRaise {}, nothing);
    check_untargeted("hand.lower", d(), "C C C ok", Op::HandLower {}, raised);
    let l2_raised = |show: &mut Show, _: &str| raised(show, "l2");
    let accept = Op::HandAccept { user: "l2".into() };
    check_untargeted("hand.accept", d(), "ok ok F F", accept, l2_raised);
    let reject = Op::HandReject { user: "l2".into() };
    check_untargeted("hand.reject", d(), "ok ok F F", reject, l2_raised);
}

#[test]
fn everyone_comments_reacts_and_deletes_their_own_comments() {
    let d = Settings::default;
    let comment = Op::Comment {
        text: "hello".into(),
    };
    check_untargeted("comment", d(), "ok ok ok ok", comment.clone(), nothing);
    check_untargeted(
        "react",
        d(),
        "ok ok ok ok",
        Op::React {
            emoji: "🔥".into()
        },
        nothing,
    );
    // Comment ids are the show's count: the setup's comment is "1".
    let delete = Op::CommentDelete { id: "1".into() };
    let own = |show: &mut Show, actor: &str| {
        show.apply(
            actor,
            &Op::Comment {
                text: "mine".into(),
            },
            T0,
        )
        .unwrap();
    };
    check_untargeted(
        "comment.delete own",
        d(),
        "ok ok ok ok",
        delete.clone(),
        own,
    );
    let l2s = |show: &mut Show, _: &str| own(show, "l2");
    check_untargeted(
        "comment.delete another's",
        d(),
        "ok ok F F",
        delete.clone(),
        l2s,
    );
    let creators = |show: &mut Show, _: &str| own(show, C);
    check_untargeted(
        "comment.delete the creator's",
        d(),
        "ok ok F F",
        delete,
        creators,
    );
    check_untargeted("ping", d(), "ok ok ok ok", Op::Ping { t0: 1 }, nothing);
    check_untargeted("leave", d(), "ok ok ok ok", Op::Leave {}, nothing);
}

#[test]
fn the_show_and_its_playback_are_the_creators() {
    let playing = |show: &mut Show, _: &str| {
        let play = Op::PlaybackPlay {
            index: Some(1),
            position_ms: Some(10_000),
        };
        show.apply(C, &play, T0).unwrap();
    };
    let ops = [
        Op::PlaybackPlay {
            index: Some(0),
            position_ms: None,
        },
        Op::PlaybackPause {},
        Op::PlaybackNext {},
        Op::PlaybackPrev {},
        Op::PlaybackSeek { position_ms: 5_000 },
    ];
    let allowing = Settings {
        moderators_control_playback: true,
        ..Settings::default()
    };
    for op in ops {
        check_untargeted(
            op.name(),
            Settings::default(),
            "ok F F F",
            op.clone(),
            playing,
        );
        check_untargeted(op.name(), allowing.clone(), "ok ok F F", op, playing);
    }
    check_untargeted(
        "slow_mode.set",
        Settings::default(),
        "ok ok F F",
        Op::SlowModeSet { seconds: 5 },
        nothing,
    );
    check_untargeted(
        "show.end",
        Settings::default(),
        "ok F F F",
        Op::ShowEnd {},
        nothing,
    );
}

#[test]
fn nobody_absent_may_act_and_nothing_is_accepted_once_the_show_ended() {
    let mut s = show();
    assert_eq!(
        attempt(&mut s, "stranger", &Op::Comment { text: "hi".into() }),
        "U"
    );
    assert_eq!(attempt(&mut s, "stranger", &Op::Leave {}), "U");
    assert_eq!(
        attempt(
            &mut s,
            C,
            &Op::Hello(medley_live::Hello {
                v: 1,
                token: "t".into(),
                csrf: None,
                resume: None
            })
        ),
        "C"
    );
    s.apply(C, &Op::ShowEnd {}, T0).unwrap();
    for (actor, _) in crate::fixture::PEOPLE {
        assert_eq!(
            attempt(&mut s, actor, &Op::Comment { text: "hi".into() }),
            "C"
        );
    }
    assert_eq!(attempt(&mut s, C, &Op::ShowEnd {}), "C");
}
