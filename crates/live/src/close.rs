//! WebSocket close codes (LIVE.md, "Close codes").

/// Why a connection closes. The actor sends [`Close::code`] with [`Close::reason`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Close {
    /// 1000: the client left, or a normal close.
    Normal,
    /// 1012: the server is restarting.
    Restarting,
    /// 4001: authentication failed.
    AuthFailed,
    /// 4002: frames not understood (not JSON, too large, unknown op, bad `d`), repeatedly.
    NotUnderstood,
    /// 4003: no `hello` within 10 s.
    NoHello,
    /// 4004 (an addition to LIVE.md): no such live show for this user: unknown, not visible
    /// to them, or not started yet.
    NotFound,
    /// 4008: rate limited.
    RateLimited,
    /// 4009: too slow: the client's outbound queue filled.
    TooSlow,
    /// 4010: the show ended.
    ShowEnded,
    /// 4011: removed by a moderator.
    Removed,
    /// 4012: banned from the show.
    Banned,
    /// 4013: replaced by a newer connection of the same user.
    Replaced,
}

/// Whether, and how, a client should reconnect after a close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reconnect {
    No,
    Yes,
    /// Reconnect and send `hello` with `resume`.
    WithResume,
    /// Reconnect once the client sends frames the server understands.
    AfterFixing,
    /// Reconnect after waiting a while.
    AfterDelay,
}

impl Close {
    pub const ALL: [Close; 12] = [
        Close::Normal,
        Close::Restarting,
        Close::AuthFailed,
        Close::NotUnderstood,
        Close::NoHello,
        Close::NotFound,
        Close::RateLimited,
        Close::TooSlow,
        Close::ShowEnded,
        Close::Removed,
        Close::Banned,
        Close::Replaced,
    ];

    pub fn code(self) -> u16 {
        match self {
            Close::Normal => 1000,
            Close::Restarting => 1012,
            Close::AuthFailed => 4001,
            Close::NotUnderstood => 4002,
            Close::NoHello => 4003,
            Close::NotFound => 4004,
            Close::RateLimited => 4008,
            Close::TooSlow => 4009,
            Close::ShowEnded => 4010,
            Close::Removed => 4011,
            Close::Banned => 4012,
            Close::Replaced => 4013,
        }
    }

    pub fn from_code(code: u16) -> Option<Close> {
        Close::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The close frame's reason text (well under the 123 bytes a close frame allows).
    pub fn reason(self) -> &'static str {
        match self {
            Close::Normal => "bye",
            Close::Restarting => "the server is restarting: reconnect and resume",
            Close::AuthFailed => "authentication failed: send a valid token in hello",
            Close::NotUnderstood => "too many frames not understood: fix the client",
            Close::NoHello => "no hello within 10 s",
            Close::NotFound => "no such live show: unknown, not visible to you, or not started",
            Close::RateLimited => "rate limited: wait before reconnecting",
            Close::TooSlow => "too slow to read events: reconnect and resume",
            Close::ShowEnded => "the show ended",
            Close::Removed => "removed by a moderator",
            Close::Banned => "banned from this show",
            Close::Replaced => "replaced by a newer connection",
        }
    }

    pub fn reconnect(self) -> Reconnect {
        match self {
            Close::Normal
            | Close::AuthFailed
            | Close::ShowEnded
            | Close::Removed
            | Close::Banned
            | Close::Replaced
            | Close::NotFound => Reconnect::No,
            Close::Restarting | Close::TooSlow => Reconnect::WithResume,
            Close::NotUnderstood => Reconnect::AfterFixing,
            Close::NoHello => Reconnect::Yes,
            Close::RateLimited => Reconnect::AfterDelay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_protocols() {
        let codes: Vec<u16> = Close::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            codes,
            [1000, 1012, 4001, 4002, 4003, 4004, 4008, 4009, 4010, 4011, 4012, 4013]
        );
        for close in Close::ALL {
            assert_eq!(Close::from_code(close.code()), Some(close));
            assert!(close.reason().len() <= 123);
        }
        assert_eq!(Close::from_code(4005), None);
    }

    #[test]
    fn only_transient_closes_invite_a_reconnect() {
        assert_eq!(Close::Restarting.reconnect(), Reconnect::WithResume);
        assert_eq!(Close::TooSlow.reconnect(), Reconnect::WithResume);
        assert_eq!(Close::Banned.reconnect(), Reconnect::No);
        assert_eq!(Close::Replaced.reconnect(), Reconnect::No);
    }
}
