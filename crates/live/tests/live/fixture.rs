//! A show with two people of each role below the creator, and helpers to read outcomes.

use medley_live::{Event, EventKind, Op, Playlist, Refusal, Role, Settings, Show, ShowInfo, Track};

pub const T0: i64 = 1_764_633_600_000;
pub const C: &str = "c";
pub const PEOPLE: [(&str, Role); 7] = [
    ("c", Role::Creator),
    ("m1", Role::Moderator),
    ("m2", Role::Moderator),
    ("s1", Role::Speaker),
    ("s2", Role::Speaker),
    ("l1", Role::Listener),
    ("l2", Role::Listener),
];

pub fn tracks() -> Vec<Track> {
    [("One", 180_000), ("Two", 200_000), ("Three", 60_000)]
        .into_iter()
        .enumerate()
        .map(|(i, (name, duration_ms))| Track {
            uri: format!("medley:track:{i}"),
            name: name.into(),
            artists: vec!["Band".into()],
            duration_ms,
            stream_url: Some(format!("/v1/tracks/{i}/stream")),
            spotify_uri: None,
        })
        .collect()
}

/// A live show with nobody in it.
pub fn empty_show(settings: Settings) -> Show {
    let info = ShowInfo {
        id: "show1".into(),
        title: "Late night".into(),
        creator: C.into(),
        playlist: Playlist {
            uri: Some("medley:playlist:p1".into()),
            name: Some("Set".into()),
            tracks: tracks(),
        },
    };
    Show::new(info, settings, T0 - 60_000)
}

/// Everyone of [`PEOPLE`] present in their role, settled by `T0`: they came 10 s before,
/// and the audience count went out.
pub fn show_with(settings: Settings) -> Show {
    let mut show = empty_show(settings);
    let before = T0 - 10_000;
    for (user, _) in PEOPLE {
        show.join(user, before).unwrap();
    }
    for (user, role) in PEOPLE {
        if role == Role::Moderator || role == Role::Speaker {
            let op = Op::RoleSet {
                user: user.into(),
                role,
            };
            show.apply(C, &op, before).unwrap();
        }
    }
    show.tick(T0 - 5_000);
    assert_eq!(show.next_wake(), None);
    show
}

pub fn show() -> Show {
    show_with(Settings::default())
}

/// The first person of `role`, and the other one (the creator has no other).
pub fn people_of(role: Role) -> (&'static str, Option<&'static str>) {
    let mut of = PEOPLE.iter().filter(|(_, r)| *r == role).map(|(u, _)| *u);
    (of.next().unwrap(), of.next())
}

/// An outcome in one letter: `ok`, or the refusal's code as `B`ad request, `U`nauthorized,
/// `F`orbidden, `N`ot found, `R`ate limited, `C`onflict.
pub fn outcome(result: &Result<Vec<Event>, Refusal>) -> &'static str {
    use medley_live::ErrorCode::*;
    match result {
        Ok(_) => "ok",
        Err(r) => match r.code {
            BadRequest => "B",
            Unauthorized => "U",
            Forbidden => "F",
            NotFound => "N",
            RateLimited => "R",
            Conflict => "C",
        },
    }
}

pub fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind.clone()).collect()
}

pub fn reliable(events: &[Event]) -> Vec<EventKind> {
    events
        .iter()
        .filter(|e| e.seq.is_some())
        .map(|e| e.kind.clone())
        .collect()
}

/// A show's state but what no event carries: reactions not sent yet, the audience count last
/// sent and when (see `Show::catch_up`).
pub fn durable(show: &Show) -> serde_json::Value {
    let mut value = serde_json::to_value(show).expect("a show serialises");
    let fields = value.as_object_mut().expect("a show is an object");
    for ephemeral in ["reactions", "audience_sent", "flushed_at"] {
        assert!(
            fields.remove(ephemeral).is_some(),
            "a show has no `{ephemeral}`"
        );
    }
    value
}
