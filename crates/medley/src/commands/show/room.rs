//! The room as `medley show join` shows it: the state of `welcome` kept up to date by events,
//! each change told as a line, and the typed commands read into ops.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use medley_live_client::protocol::{
    Comment, EventKind, PlayState, PlaybackView, Role, ShowView, UserId, Welcome, KEEP_COMMENTS,
};

/// Usernames by user id (the protocol names users by id; people type names).
#[derive(Default)]
pub struct Names {
    by_id: HashMap<UserId, String>,
    /// Ids that could not be looked up: shown as they are, not asked for again.
    unknown: HashSet<UserId>,
}

impl Names {
    pub fn insert(&mut self, id: &str, name: &str) {
        self.by_id.insert(id.to_owned(), name.to_owned());
    }

    pub fn not_found(&mut self, id: &str) {
        self.unknown.insert(id.to_owned());
    }

    /// The ids among `ids` neither known nor already looked up in vain.
    pub fn missing<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut missing: Vec<String> = ids
            .into_iter()
            .filter(|id| !self.by_id.contains_key(*id) && !self.unknown.contains(*id))
            .map(str::to_owned)
            .collect();
        missing.sort();
        missing.dedup();
        missing
    }

    /// The user's name, or their id when it is not known.
    pub fn name(&self, id: &str) -> String {
        self.by_id.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    /// The id of the user a person typed: a name seen in this show (exactly, else ignoring
    /// case), else the text itself taken as an id.
    pub fn find(&self, typed: &str) -> UserId {
        let exact = self.by_id.iter().find(|(_, name)| name.as_str() == typed);
        let loose = || {
            self.by_id
                .iter()
                .find(|(_, name)| name.eq_ignore_ascii_case(typed))
        };
        exact
            .or_else(loose)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| typed.to_owned())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Person {
    role: Role,
    muted: bool,
}

/// What the room looks like now.
pub struct Room {
    me: UserId,
    show: ShowView,
    /// Everyone listed: all present, or (in a large audience) all but listeners.
    people: BTreeMap<UserId, Person>,
    /// Whether listeners are listed (not in a large audience).
    listeners_listed: bool,
    listeners: usize,
    audience: usize,
    hands: Vec<UserId>,
    playback: PlaybackView,
    comments: VecDeque<Comment>,
    slow_mode: u32,
}

impl Room {
    pub fn new(welcome: &Welcome) -> Room {
        let people: BTreeMap<UserId, Person> = welcome
            .participants
            .iter()
            .map(|p| {
                (
                    p.user.clone(),
                    Person {
                        role: p.role,
                        muted: p.muted,
                    },
                )
            })
            .collect();
        let listed = people.values().filter(|p| p.role == Role::Listener).count();
        Room {
            me: welcome.you.user.clone(),
            show: welcome.show.clone(),
            listeners_listed: listed == welcome.listeners,
            people,
            listeners: welcome.listeners,
            audience: welcome.audience,
            hands: welcome.hands.clone(),
            playback: welcome.playback.clone(),
            comments: welcome.comments.iter().cloned().collect(),
            slow_mode: welcome.slow_mode,
        }
    }

    /// Every user id the room names, to look up before printing it.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.people.keys().map(String::as_str).collect();
        ids.push(&self.me);
        ids.push(&self.show.creator);
        ids.extend(self.hands.iter().map(String::as_str));
        ids.extend(self.comments.iter().map(|c| c.user.as_str()));
        ids
    }

    /// My role now.
    pub fn my_role(&self) -> Role {
        self.people.get(&self.me).map_or(Role::Listener, |p| p.role)
    }

    /// The room, as printed on joining (and again after a reconnect that could not resume).
    pub fn render(&self, names: &Names) -> Vec<String> {
        let who = |role: Role| {
            let listed: Vec<String> = self
                .people
                .iter()
                .filter(|(_, p)| p.role == role)
                .map(|(id, p)| {
                    let mut name = names.name(id);
                    if p.muted {
                        name.push_str(" (muted)");
                    }
                    name
                })
                .collect();
            if listed.is_empty() {
                "-".to_owned()
            } else {
                listed.join(", ")
            }
        };
        let mut lines = vec![
            format!("show {} \"{}\" is live", self.show.id, self.show.title),
            format!("you are {} ({})", names.name(&self.me), self.my_role()),
            format!("creator: {}", who(Role::Creator)),
            format!("moderators: {}", who(Role::Moderator)),
            format!("speakers: {}", who(Role::Speaker)),
        ];
        if self.listeners_listed {
            lines.push(format!("listeners: {}", who(Role::Listener)));
        } else {
            lines.push(format!("listeners: {} (not listed)", self.listeners));
        }
        lines.push(format!("audience: {}", self.audience));
        lines.push(format!("hands: {}", self.hands_line(names)));
        lines.push(format!("playback: {}", self.playback_line()));
        if self.slow_mode > 1 {
            lines.push(format!("slow mode: {} s between comments", self.slow_mode));
        }
        if self.comments.is_empty() {
            lines.push("comments: -".into());
        } else {
            lines.push("comments:".into());
            for c in &self.comments {
                lines.push(format!("  {}: {}", names.name(&c.user), c.text));
            }
        }
        lines
    }

    fn hands_line(&self, names: &Names) -> String {
        if self.hands.is_empty() {
            return "-".into();
        }
        self.hands
            .iter()
            .enumerate()
            .map(|(i, id)| format!("{}. {}", i + 1, names.name(id)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn playback_line(&self) -> String {
        let p = &self.playback;
        let tracks = self.show.playlist.tracks.len();
        let Some(track) = &p.track else {
            return "nothing to play (the playlist is empty)".into();
        };
        let what = format!(
            "{}/{tracks} \"{}\" by {} ({})",
            p.index + 1,
            track.name,
            if track.artists.is_empty() {
                "unknown artists".to_owned()
            } else {
                track.artists.join(", ")
            },
            clock(track.duration_ms)
        );
        match p.state {
            PlayState::Playing => format!("playing {what} from {}", clock(p.position_ms)),
            PlayState::Paused => format!("paused {what} at {}", clock(p.position_ms)),
            PlayState::Stopped => format!("stopped at {what}"),
        }
    }

    /// Applies an event and tells it as a line (`None`: nothing worth a line).
    pub fn apply(&mut self, event: &EventKind, names: &Names) -> Option<String> {
        let me = self.me.clone();
        let name = |id: &str| {
            if id == me {
                "you".to_owned()
            } else {
                names.name(id)
            }
        };
        Some(match event {
            EventKind::Joined(m) => {
                if m.role > Role::Listener || self.listeners_listed {
                    self.people.insert(
                        m.user.clone(),
                        Person {
                            role: m.role,
                            muted: false,
                        },
                    );
                }
                if m.role == Role::Listener {
                    self.listeners += 1;
                }
                format!("{} joined as {}", name(&m.user), m.role)
            }
            EventKind::Left(m) => {
                self.gone(&m.user, m.role);
                format!("{} left", name(&m.user))
            }
            EventKind::Audience { count } => {
                if *count == self.audience {
                    return None;
                }
                self.audience = *count;
                format!("audience: {count}")
            }
            EventKind::Comment(c) => {
                self.comments.push_back(c.clone());
                if self.comments.len() > KEEP_COMMENTS {
                    self.comments.pop_front();
                }
                format!("{}: {}", names.name(&c.user), c.text)
            }
            EventKind::CommentDeleted { id, by } => {
                let author = self
                    .comments
                    .iter()
                    .position(|c| &c.id == id)
                    .and_then(|i| self.comments.remove(i));
                match author {
                    Some(c) => format!(
                        "{} deleted a comment of {}: \"{}\"",
                        name(by),
                        names.name(&c.user),
                        c.text
                    ),
                    None => format!("{} deleted a comment", name(by)),
                }
            }
            EventKind::HandRaised { user } => {
                self.hands.push(user.clone());
                format!(
                    "{} raised a hand (hands: {})",
                    name(user),
                    self.hands_line(names)
                )
            }
            EventKind::HandLowered { user, by } => {
                self.hands.retain(|h| h != user);
                match by {
                    Some(by) if by != user => {
                        format!("{} lowered the hand of {}", name(by), names.name(user))
                    }
                    _ => format!("{} lowered a hand", name(user)),
                }
            }
            EventKind::RoleChanged { user, role, by } => {
                let was = self.people.get(user).map(|p| p.role);
                if *role > Role::Listener || self.listeners_listed {
                    let muted = self.people.get(user).is_some_and(|p| p.muted);
                    self.people
                        .insert(user.clone(), Person { role: *role, muted });
                } else {
                    self.people.remove(user);
                }
                match (was, *role) {
                    (Some(Role::Listener) | None, Role::Speaker | Role::Moderator) => {
                        self.listeners = self.listeners.saturating_sub(1)
                    }
                    (Some(r), Role::Listener) if r > Role::Listener => self.listeners += 1,
                    _ => {}
                }
                let who = if user == &self.me {
                    "you are".to_owned()
                } else {
                    format!("{} is", names.name(user))
                };
                let article = if *role == Role::Creator { "the" } else { "a" };
                if by == user {
                    format!("{who} now {article} {role}")
                } else {
                    format!("{who} now {article} {role} (by {})", name(by))
                }
            }
            EventKind::Muted(b) => {
                if let Some(p) = self.people.get_mut(&b.user) {
                    p.muted = true;
                }
                format!("{} muted {}", name(&b.by), name(&b.user))
            }
            EventKind::Unmuted(b) => {
                if let Some(p) = self.people.get_mut(&b.user) {
                    p.muted = false;
                }
                format!("{} unmuted {}", name(&b.by), name(&b.user))
            }
            EventKind::Removed(b) => {
                let role = self.people.get(&b.user).map_or(Role::Listener, |p| p.role);
                self.gone(&b.user, role);
                format!("{} removed {} from the show", name(&b.by), name(&b.user))
            }
            EventKind::Banned(b) => {
                let role = self.people.get(&b.user).map_or(Role::Listener, |p| p.role);
                self.gone(&b.user, role);
                format!("{} banned {} from the show", name(&b.by), name(&b.user))
            }
            EventKind::Unbanned(b) => format!("{} unbanned {}", name(&b.by), name(&b.user)),
            EventKind::Playback(p) => {
                self.playback = p.clone();
                self.playback_line()
            }
            EventKind::Reaction { emoji, count } => format!("{emoji} x{count}"),
            EventKind::SlowModeChanged { seconds, by } => {
                self.slow_mode = *seconds;
                match seconds {
                    0 => format!("{} turned slow mode off", name(by)),
                    s => format!("{} set slow mode: {s} s between comments", name(by)),
                }
            }
            // Told by the close that follows (`the show ended`).
            EventKind::ShowEnded {} | EventKind::Welcome(_) | EventKind::Resumed { .. } => {
                return None
            }
        })
    }

    fn gone(&mut self, user: &str, role: Role) {
        self.people.remove(user);
        self.hands.retain(|h| h != user);
        if role == Role::Listener {
            self.listeners = self.listeners.saturating_sub(1);
        }
    }
}

/// The user ids an event names.
pub fn event_ids(event: &EventKind) -> Vec<&str> {
    match event {
        EventKind::Joined(m) | EventKind::Left(m) => vec![&m.user],
        EventKind::Comment(c) => vec![&c.user],
        EventKind::CommentDeleted { by, .. } => vec![by],
        EventKind::HandRaised { user } => vec![user],
        EventKind::HandLowered { user, by } => {
            let mut ids = vec![user.as_str()];
            ids.extend(by.as_deref());
            ids
        }
        EventKind::RoleChanged { user, by, .. } => vec![user, by],
        EventKind::Muted(b)
        | EventKind::Unmuted(b)
        | EventKind::Removed(b)
        | EventKind::Banned(b)
        | EventKind::Unbanned(b) => vec![&b.user, &b.by],
        EventKind::SlowModeChanged { by, .. } => vec![by],
        _ => vec![],
    }
}

/// `m:ss` (or `h:mm:ss`).
fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1_000;
    if s >= 3_600 {
        format!("{}:{:02}:{:02}", s / 3_600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use medley_live_client::protocol::{ByUser, Member, Participant, Playlist, ShowState, Track};

    use super::*;

    pub(in crate::commands::show) fn names() -> Names {
        let mut names = Names::default();
        for (id, name) in [("u1", "ana"), ("u2", "bob"), ("u3", "Cleo")] {
            names.insert(id, name);
        }
        names
    }

    fn welcome() -> Welcome {
        let track = Track {
            uri: "medley:track:1".into(),
            name: "So What".into(),
            artists: vec!["Miles Davis".into()],
            duration_ms: 562_000,
            stream_url: None,
            spotify_uri: None,
        };
        let participant = |user: &str, role| Participant {
            user: user.into(),
            role,
            muted: false,
        };
        Welcome {
            session: "s".into(),
            seq: 3,
            server_time: 0,
            you: participant("u2", Role::Listener),
            show: ShowView {
                id: "sh".into(),
                title: "Late".into(),
                state: ShowState::Live,
                creator: "u1".into(),
                playlist: Playlist {
                    uri: None,
                    name: None,
                    tracks: vec![track.clone()],
                },
                moderators_control_playback: false,
            },
            participants: vec![
                participant("u1", Role::Creator),
                participant("u2", Role::Listener),
            ],
            audience: 2,
            listeners: 1,
            hands: vec![],
            playback: PlaybackView {
                state: PlayState::Stopped,
                index: 0,
                track: Some(track),
                position_ms: 0,
                at: 0,
            },
            comments: vec![Comment {
                id: "c1".into(),
                user: "u1".into(),
                text: "welcome".into(),
                at: 0,
            }],
            slow_mode: 1,
        }
    }

    #[test]
    fn the_room_is_printed_by_role_and_follows_events() {
        let names = names();
        let mut room = Room::new(&welcome());
        assert_eq!(
            room.render(&names),
            [
                "show sh \"Late\" is live",
                "you are bob (listener)",
                "creator: ana",
                "moderators: -",
                "speakers: -",
                "listeners: bob",
                "audience: 2",
                "hands: -",
                "playback: stopped at 1/1 \"So What\" by Miles Davis (9:22)",
                "comments:",
                "  ana: welcome",
            ]
        );
        let mut line = |e: EventKind| room.apply(&e, &names).unwrap();
        assert_eq!(
            line(EventKind::Joined(Member {
                user: "u3".into(),
                role: Role::Listener
            })),
            "Cleo joined as listener"
        );
        assert_eq!(
            line(EventKind::HandRaised { user: "u3".into() }),
            "Cleo raised a hand (hands: 1. Cleo)"
        );
        assert_eq!(
            line(EventKind::HandRaised { user: "u2".into() }),
            "you raised a hand (hands: 1. Cleo, 2. bob)"
        );
        assert_eq!(
            line(EventKind::HandLowered {
                user: "u3".into(),
                by: Some("u1".into())
            }),
            "ana lowered the hand of Cleo"
        );
        assert_eq!(
            line(EventKind::RoleChanged {
                user: "u3".into(),
                role: Role::Speaker,
                by: "u1".into()
            }),
            "Cleo is now a speaker (by ana)"
        );
        assert_eq!(
            line(EventKind::Banned(ByUser {
                user: "u2".into(),
                by: "u1".into()
            })),
            "ana banned you from the show"
        );
        assert_eq!(
            line(EventKind::Comment(Comment {
                id: "c2".into(),
                user: "u3".into(),
                text: "hi".into(),
                at: 1
            })),
            "Cleo: hi"
        );
        let lines = room.render(&names);
        assert!(lines.contains(&"speakers: Cleo".to_owned()), "{lines:?}");
        assert!(lines.contains(&"hands: -".to_owned()), "{lines:?}");
        assert!(lines.contains(&"listeners: -".to_owned()), "{lines:?}");
    }
}
