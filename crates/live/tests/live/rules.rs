//! What each rule does, step by step: joining and returning, large audiences, hands,
//! comments and slow mode, reactions, playback over time, the end, welcome and resume.

use medley_live::{
    Close, EventKind, Member, Op, PlayState, Role, Settings, Show, Since, Welcome,
    EPHEMERAL_INTERVAL_MS, KEEP_COMMENTS, PLAYBACK_LEAD_MS,
};
use serde_json::json;

use crate::fixture::{durable, empty_show, kinds, reliable, show, show_with, C, T0};

fn welcome_of(show: &Show, user: &str, now: i64) -> Welcome {
    match show.welcome(user, "sess", now).kind {
        EventKind::Welcome(w) => *w,
        other => panic!("{other:?}"),
    }
}

fn set(show: &mut Show, actor: &str, user: &str, role: Role) {
    show.apply(
        actor,
        &Op::RoleSet {
            user: user.into(),
            role,
        },
        T0,
    )
    .unwrap();
}

#[test]
fn the_role_on_joining_comes_from_the_show() {
    let mut s = empty_show(Settings::default());
    let joined = s.join(C, T0).unwrap();
    assert_eq!(joined.role, Role::Creator);
    assert_eq!(
        reliable(&joined.events),
        [EventKind::Joined(Member {
            user: C.into(),
            role: Role::Creator
        })]
    );
    assert_eq!(joined.events[0].seq, Some(1));
    // The first join also says the audience grew (ephemeral, no seq).
    assert_eq!(joined.events[1].kind, EventKind::Audience { count: 1 });
    assert_eq!(joined.events[1].seq, None);
    assert_eq!(s.join("m", T0).unwrap().role, Role::Listener);
    set(&mut s, C, "m", Role::Moderator);
    // Leaving and coming back keeps the role.
    s.leave("m", T0);
    assert!(!s.is_present("m"));
    assert_eq!(s.join("m", T0).unwrap().role, Role::Moderator);
    // A second connection replaces the first: nobody is told, nothing changes.
    let before = s.clone();
    let again = s.join("m", T0 + 1).unwrap();
    assert!(again.replaced && again.events.is_empty());
    assert_eq!(s, before);
}

#[test]
fn removal_forgets_the_role_and_a_ban_keeps_people_out() {
    let mut s = show();
    let out = s.apply(C, &Op::Remove { user: "m1".into() }, T0).unwrap();
    assert_eq!(
        out[0].closes(),
        Some(medley_live::Closing::User("m1", Close::Removed))
    );
    assert!(!s.is_present("m1"));
    assert_eq!(s.join("m1", T0).unwrap().role, Role::Listener);
    s.apply("m2", &Op::Ban { user: "s1".into() }, T0).unwrap();
    assert!(!s.is_present("s1"));
    assert_eq!(s.join("s1", T0), Err(Close::Banned));
    // Someone not here may be banned ahead of time.
    s.apply(
        "m2",
        &Op::Ban {
            user: "troll".into(),
        },
        T0,
    )
    .unwrap();
    assert_eq!(s.join("troll", T0), Err(Close::Banned));
    s.apply("m2", &Op::Unban { user: "s1".into() }, T0).unwrap();
    assert_eq!(
        s.join("s1", T0).unwrap().role,
        Role::Listener,
        "an unbanned speaker returns as a listener"
    );
}

#[test]
fn an_unban_needs_someone_above_the_role_banned() {
    let mut s = show();
    s.apply(C, &Op::Ban { user: "m1".into() }, T0).unwrap();
    let refused = s
        .apply("m2", &Op::Unban { user: "m1".into() }, T0)
        .unwrap_err();
    assert_eq!(
        refused.message,
        "you can only unban people below you: `m1` is a moderator"
    );
    s.apply(C, &Op::Unban { user: "m1".into() }, T0).unwrap();
}

#[test]
fn a_large_audience_counts_listeners_instead_of_naming_them() {
    let settings = Settings {
        large_audience: 8,
        ..Settings::default()
    };
    let mut s = show_with(settings); // 7 present
    let eighth = s.join("l3", T0 + 1_000).unwrap();
    assert_eq!(
        reliable(&eighth.events).len(),
        1,
        "at 8 listeners are still announced"
    );
    let ninth = s.join("l4", T0 + 2_000).unwrap();
    assert_eq!(kinds(&ninth.events), [EventKind::Audience { count: 9 }]);
    // Speakers and up are always announced.
    s.apply(
        C,
        &Op::RoleSet {
            user: "l4".into(),
            role: Role::Speaker,
        },
        T0,
    )
    .unwrap();
    assert_eq!(
        s.leave("l4", T0 + 3_000).len(),
        2,
        "left, and the audience count"
    );
    s.join("l5", T0 + 4_000).unwrap();
    s.join("l6", T0 + 5_000).unwrap();
    let w = welcome_of(&s, "l5", T0);
    assert_eq!((w.audience, w.listeners), (10, 5));
    let listed: Vec<(&str, Role)> = w
        .participants
        .iter()
        .map(|p| (p.user.as_str(), p.role))
        .collect();
    assert_eq!(
        listed,
        [
            ("c", Role::Creator),
            ("m1", Role::Moderator),
            ("m2", Role::Moderator),
            ("s1", Role::Speaker),
            ("s2", Role::Speaker)
        ]
    );
    assert!(reliable(&s.leave("l6", T0 + 6_000)).is_empty());
}

#[test]
fn hands_queue_in_the_order_raised() {
    let mut s = show();
    s.join("l3", T0).unwrap();
    for user in ["l2", "l1", "l3"] {
        let out = s.apply(user, &Op::HandRaise {}, T0).unwrap();
        assert_eq!(
            reliable(&out),
            [EventKind::HandRaised { user: user.into() }]
        );
    }
    assert_eq!(s.hands(), ["l2", "l1", "l3"]);
    let out = s
        .apply("m1", &Op::HandAccept { user: "l1".into() }, T0)
        .unwrap();
    assert_eq!(
        reliable(&out),
        [
            EventKind::HandLowered {
                user: "l1".into(),
                by: Some("m1".into())
            },
            EventKind::RoleChanged {
                user: "l1".into(),
                role: Role::Speaker,
                by: "m1".into()
            },
        ]
    );
    assert_eq!(s.role("l1"), Some(Role::Speaker));
    let out = s
        .apply(C, &Op::HandReject { user: "l3".into() }, T0)
        .unwrap();
    assert_eq!(
        reliable(&out),
        [EventKind::HandLowered {
            user: "l3".into(),
            by: Some(C.into())
        }]
    );
    assert_eq!(s.role("l3"), Some(Role::Listener));
    // Leaving takes the hand down, and says so.
    let out = s.leave("l2", T0);
    assert_eq!(
        reliable(&out)[0],
        EventKind::HandLowered {
            user: "l2".into(),
            by: None
        }
    );
    assert!(s.hands().is_empty());
    let refused = s
        .apply("m1", &Op::HandAccept { user: "l2".into() }, T0)
        .unwrap_err();
    assert_eq!(refused.code, medley_live::ErrorCode::NotFound);
}

#[test]
fn comments_keep_the_latest_fifty_with_ids() {
    let mut s = show();
    let slow_mode_off = Op::SlowModeSet { seconds: 0 };
    s.apply(C, &slow_mode_off, T0).unwrap();
    for i in 0..60 {
        s.apply(
            "l1",
            &Op::Comment {
                text: format!("c{i}"),
            },
            T0 + i,
        )
        .unwrap();
    }
    let texts: Vec<&str> = s.comments().map(|c| c.text.as_str()).collect();
    assert_eq!(texts.len(), KEEP_COMMENTS);
    assert_eq!((texts[0], texts[49]), ("c10", "c59"));
    assert_eq!(s.comments().last().unwrap().id, "60");
    // The caller may assign ids; a taken one is refused.
    let op = Op::Comment {
        text: "stored".into(),
    };
    let out = s
        .apply_with_id("l2", &op, T0, Some("row-1".into()))
        .unwrap();
    assert!(matches!(&out[0].kind, EventKind::Comment(c) if c.id == "row-1" && c.user == "l2"));
    assert!(s
        .apply_with_id("l1", &op, T0 + 100, Some("row-1".into()))
        .is_err());
    // Deleting: the author, or a moderator; also comments older than the latest 50.
    s.apply("l1", &Op::CommentDelete { id: "3".into() }, T0)
        .unwrap();
    let out = s
        .apply("m1", &Op::CommentDelete { id: "row-1".into() }, T0)
        .unwrap();
    assert_eq!(
        reliable(&out),
        [EventKind::CommentDeleted {
            id: "row-1".into(),
            by: "m1".into()
        }]
    );
    assert!(s.comments().all(|c| c.id != "row-1"));
    let gone = s
        .apply("m1", &Op::CommentDelete { id: "row-1".into() }, T0)
        .unwrap_err();
    assert_eq!(
        gone.message,
        "there is no comment `row-1` in this show (it may be deleted already)"
    );
}

#[test]
fn comments_are_checked_before_they_are_taken() {
    let mut s = show();
    let say = |text: String| Op::Comment { text };
    let long = s.apply("l1", &say("é".repeat(501)), T0).unwrap_err();
    assert_eq!(
        long.message,
        "`text` is 501 characters; comments are at most 500"
    );
    s.apply("l1", &say("é".repeat(500)), T0).unwrap();
    assert_eq!(
        s.apply("l2", &say("  ".into()), T0).unwrap_err().code,
        medley_live::ErrorCode::BadRequest
    );
    s.apply("m1", &Op::Mute { user: "l2".into() }, T0).unwrap();
    let muted = s.apply("l2", &say("hi".into()), T0).unwrap_err();
    assert_eq!(
        muted.message,
        "you are muted in this show: a moderator can unmute you"
    );
    // A mute outlasts leaving.
    s.leave("l2", T0);
    s.join("l2", T0).unwrap();
    assert!(s.apply("l2", &say("hi".into()), T0).is_err());
}

#[test]
fn slow_mode_spaces_comments_out() {
    let mut s = show();
    let say = Op::Comment { text: "hi".into() };
    s.apply("l1", &say, T0).unwrap();
    let early = s.apply("l1", &say, T0 + 600).unwrap_err();
    assert_eq!(
        early.message,
        "slow mode allows one comment every 1 s: try again in 0.4 s"
    );
    s.apply("l1", &say, T0 + 1_000).unwrap();
    let out = s.apply("m1", &Op::SlowModeSet { seconds: 10 }, T0).unwrap();
    assert_eq!(
        reliable(&out),
        [EventKind::SlowModeChanged {
            seconds: 10,
            by: "m1".into()
        }]
    );
    assert_eq!(
        s.apply("l1", &say, T0 + 9_000).unwrap_err().code,
        medley_live::ErrorCode::RateLimited
    );
    s.apply("l1", &say, T0 + 11_000).unwrap();
    // Moderators are held back by the default only.
    s.apply("m1", &say, T0).unwrap();
    s.apply("m1", &say, T0 + 1_000).unwrap();
    assert_eq!(welcome_of(&s, "l1", T0).slow_mode, 10);
    assert!(s
        .apply("m1", &Op::SlowModeSet { seconds: 3_601 }, T0)
        .is_err());
}

#[test]
fn reactions_are_merged_per_interval() {
    let mut s = show();
    let now = T0 + 10_000;
    let react = |e: &str| Op::React { emoji: e.into() };
    // After a quiet while the first reaction goes out at once, without seq.
    let out = s.apply("l1", &react("🔥"), now).unwrap();
    assert_eq!(
        kinds(&out),
        [EventKind::Reaction {
            emoji: "🔥".into(),
            count: 1
        }]
    );
    assert_eq!(out[0].seq, None);
    for (user, emoji) in [("l1", "🔥"), ("l2", "👏"), ("s1", "🔥")] {
        assert!(s.apply(user, &react(emoji), now + 10).unwrap().is_empty());
    }
    assert_eq!(s.next_wake(), Some(now + EPHEMERAL_INTERVAL_MS));
    assert!(s.tick(now + EPHEMERAL_INTERVAL_MS - 1).is_empty());
    let out = s.tick(now + EPHEMERAL_INTERVAL_MS);
    assert_eq!(
        kinds(&out),
        [
            EventKind::Reaction {
                emoji: "🔥".into(),
                count: 2
            },
            EventKind::Reaction {
                emoji: "👏".into(),
                count: 1
            },
        ]
    );
    assert_eq!(s.next_wake(), None);
    assert!(s.apply("l1", &react("not one"), now).is_err());
}

#[test]
fn playback_runs_on_server_time_and_moves_on_by_itself() {
    let mut s = show();
    let lead = PLAYBACK_LEAD_MS;
    let play = Op::PlaybackPlay {
        index: Some(2),
        position_ms: Some(50_000),
    };
    let out = s.apply(C, &play, T0).unwrap();
    let EventKind::Playback(p) = &out[0].kind else {
        panic!("{out:?}")
    };
    assert_eq!(
        (p.state, p.index, p.position_ms, p.at),
        (PlayState::Playing, 2, 50_000, T0 + lead)
    );
    assert_eq!(p.track.as_ref().unwrap().name, "Three");
    // Three lasts 60 s: it ends 10 s after `at`.
    assert_eq!(s.next_wake(), Some(T0 + lead + 10_000));
    assert_eq!(s.playback().position_at(T0 + lead + 4_000, 60_000), 54_000);
    let out = s.tick(T0 + lead + 10_000);
    let EventKind::Playback(p) = &out[0].kind else {
        panic!("{out:?}")
    };
    assert_eq!(
        (p.state, p.index),
        (PlayState::Stopped, 2),
        "the last track ends the playback"
    );
    s.apply(C, &Op::PlaybackPrev {}, T0 + 20_000).unwrap();
    assert_eq!(s.playback().index, 1);
    let refused = s.apply("m1", &Op::PlaybackPause {}, T0).unwrap_err();
    assert_eq!(
        refused.message,
        "only the creator control playback; you are a moderator"
    );
}

#[test]
fn the_end_closes_every_connection_and_accepts_nothing_more() {
    let mut s = show();
    s.apply("l1", &Op::HandRaise {}, T0).unwrap();
    s.apply(
        C,
        &Op::PlaybackPlay {
            index: None,
            position_ms: None,
        },
        T0,
    )
    .unwrap();
    let out = s.apply(C, &Op::ShowEnd {}, T0 + 5).unwrap();
    assert_eq!(reliable(&out), [EventKind::ShowEnded {}]);
    assert_eq!(
        out[0].closes(),
        Some(medley_live::Closing::Everyone(Close::ShowEnded))
    );
    assert_eq!(s.audience(), 0);
    assert!(s.hands().is_empty());
    assert_eq!(s.join("l1", T0), Err(Close::ShowEnded));
    assert!(s.tick(T0 + 1_000_000).is_empty());
    assert_eq!(s.next_wake(), None);
}

#[test]
fn the_server_ends_a_show_whoever_is_present() {
    let mut s = show();
    s.leave(C, T0);
    let seq = s.seq();
    let out = s.end_now(T0 + 5);
    assert_eq!(reliable(&out), [EventKind::ShowEnded {}]);
    assert_eq!(out[0].seq, Some(seq + 1));
    assert_eq!(s.audience(), 0);
    assert_eq!(s.join("l1", T0), Err(Close::ShowEnded));
    assert!(s.end_now(T0 + 6).is_empty(), "an ended show ends once");
    assert_eq!(s.seq(), seq + 1);
}

#[test]
fn welcome_holds_the_whole_state_in_livemds_shape() {
    let mut s = show();
    s.apply("l2", &Op::HandRaise {}, T0).unwrap();
    s.apply("l1", &Op::Comment { text: "hi".into() }, T0)
        .unwrap();
    s.apply("m1", &Op::Mute { user: "l1".into() }, T0).unwrap();
    let event = s.welcome("l1", "sess", T0 + 7);
    let value = serde_json::to_value(&event).unwrap();
    assert_eq!(value["op"], "welcome");
    assert!(value.get("seq").is_none());
    let d = &value["d"];
    let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "audience",
            "comments",
            "hands",
            "listeners",
            "participants",
            "playback",
            "seq",
            "server_time",
            "session",
            "show",
            "slow_mode",
            "you"
        ]
    );
    assert_eq!(
        d["you"],
        json!({"user": "l1", "role": "listener", "muted": true})
    );
    assert_eq!(d["seq"], json!(s.seq()));
    assert_eq!(d["hands"], json!(["l2"]));
    assert_eq!(
        d["participants"][0],
        json!({"user": "c", "role": "creator", "muted": false})
    );
    assert_eq!(d["show"]["state"], "live");
    assert_eq!(d["show"]["creator"], "c");
    assert_eq!(d["show"]["playlist"]["tracks"].as_array().unwrap().len(), 3);
    assert_eq!(d["playback"]["state"], "stopped");
    assert_eq!(d["comments"][0]["text"], "hi");
    let back: medley_live::Event = serde_json::from_value(value).unwrap();
    assert_eq!(back, event);
}

#[test]
fn a_resume_replays_what_was_missed_within_the_window() {
    let mut s = show();
    let seen = s.seq();
    s.apply("l1", &Op::HandRaise {}, T0 + 1_000).unwrap();
    s.apply("l1", &Op::HandLower {}, T0 + 2_000).unwrap();
    let Since::Events(missed) = s.since(seen, T0 + 3_000) else {
        panic!("gone")
    };
    assert_eq!(
        missed.iter().map(|e| e.seq.unwrap()).collect::<Vec<_>>(),
        [seen + 1, seen + 2]
    );
    let resumed = serde_json::to_value(s.resumed("sess", T0 + 3_000)).unwrap();
    assert_eq!(resumed["d"], json!({"session": "sess", "seq": seen + 2}));
    // Two minutes later the first missed event is too old: a fresh welcome instead.
    assert_eq!(s.since(seen, T0 + 1_000 + 120_001), Since::Gone);
    assert!(matches!(s.since(seen + 1, T0 + 1_000 + 120_001), Since::Events(e) if e.len() == 1));
}

#[test]
fn a_show_persists_and_comes_back_the_same() {
    let mut s = show();
    s.apply("l1", &Op::Comment { text: "hi".into() }, T0)
        .unwrap();
    s.apply(C, &Op::Ban { user: "l2".into() }, T0).unwrap();
    let text = serde_json::to_string(&s).unwrap();
    // The state holds the replay buffer's bounds; its events are stored one by one.
    let mut back: Show = serde_json::from_str(&text).unwrap();
    assert_ne!(back, s);
    let Since::Events(stored) = s.since(0, T0) else {
        panic!("the show holds every event since its start");
    };
    back.catch_up(stored, T0);
    assert_eq!(back, s);
}

#[test]
fn a_show_stored_before_its_last_events_is_caught_up_by_them() {
    let mut s = show();
    s.apply("l1", &Op::Comment { text: "hi".into() }, T0)
        .unwrap();
    let stored_state = serde_json::to_string(&s).unwrap();
    s.apply(C, &Op::Ban { user: "l2".into() }, T0 + 1).unwrap();
    s.apply("l1", &Op::HandRaise {}, T0 + 2).unwrap();
    s.apply(C, &Op::HandAccept { user: "l1".into() }, T0 + 3)
        .unwrap();
    s.apply("l1", &Op::Comment { text: "up".into() }, T0 + 1_004)
        .unwrap();
    let Since::Events(stored_events) = s.since(0, T0 + 1_005) else {
        panic!("the show holds every event since its start");
    };
    let mut back: Show = serde_json::from_str(&stored_state).unwrap();
    back.catch_up(stored_events, T0 + 1_005);
    assert_eq!(durable(&back), durable(&s));
    assert_eq!(back.since(11, T0 + 1_005), s.since(11, T0 + 1_005));
    assert!(back.is_banned("l2") && back.role("l1") == Some(Role::Speaker));
    let id = |e: medley_live::Event| match e.kind {
        EventKind::Comment(c) => c.id,
        other => panic!("{other:?}"),
    };
    // The count of comment ids goes on where the events left it.
    let next = |show: &mut Show| {
        let comment = Op::Comment { text: "n".into() };
        let events = show.apply(C, &comment, T0 + 2_000).unwrap();
        id(events.into_iter().next().unwrap())
    };
    assert_eq!(next(&mut back), next(&mut s));
}
