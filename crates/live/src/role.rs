//! Who is who in a show: users by id, and roles, ordered `creator > moderator > speaker >
//! listener`.

use serde::{Deserialize, Serialize};

/// A Medley user id, as every `user`, `by` and `hands` entry carries it.
pub type UserId = String;

/// A participant's role. The derived order is the protocol's: a later variant outranks an
/// earlier one, so `Role::Creator > Role::Moderator` and "over lower roles" is `actor > target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Listener,
    Speaker,
    Moderator,
    Creator,
}

impl Role {
    /// The role as it is written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Listener => "listener",
            Role::Speaker => "speaker",
            Role::Moderator => "moderator",
            Role::Creator => "creator",
        }
    }

    /// Whether this role moderates: accepts hands, mutes, removes, bans, deletes comments.
    pub fn moderates(self) -> bool {
        self >= Role::Moderator
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_as_the_protocol_says() {
        assert!(Role::Creator > Role::Moderator);
        assert!(Role::Moderator > Role::Speaker);
        assert!(Role::Speaker > Role::Listener);
        assert!(Role::Moderator.moderates() && !Role::Speaker.moderates());
    }

    #[test]
    fn roles_are_written_in_lowercase() {
        for role in [
            Role::Listener,
            Role::Speaker,
            Role::Moderator,
            Role::Creator,
        ] {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{role}\""));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        }
    }
}
