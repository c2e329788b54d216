//! Users of a Medley server and the rules for their names and passwords.

use serde::{Deserialize, Serialize};

use crate::id::UserId;

/// A user account. The password hash never leaves the storage layer inside this type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    pub is_admin: bool,
    pub created_at_ms: i64,
    /// A picture of the user (from their Spotify profile, when they signed up with Spotify).
    #[serde(default)]
    pub image_url: Option<String>,
}

/// Why a username or password was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("`username` must be 3 to 32 characters: letters, digits, `_`, `-` or `.`")]
    Username,
    #[error("`password` must be 8 to 256 characters")]
    Password,
}

pub fn validate_username(name: &str) -> Result<(), CredentialError> {
    let ok = (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    ok.then_some(()).ok_or(CredentialError::Username)
}

pub fn validate_password(password: &str) -> Result<(), CredentialError> {
    let n = password.chars().count();
    (8..=256)
        .contains(&n)
        .then_some(())
        .ok_or(CredentialError::Password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(validate_username("ana.b_c-1").is_ok());
        assert!(validate_username("ab").is_err());
        assert!(validate_username("has space").is_err());
        assert!(validate_username("ünï").is_err());
    }

    #[test]
    fn passwords() {
        assert!(validate_password("12345678").is_ok());
        assert!(validate_password("short").is_err());
    }
}
