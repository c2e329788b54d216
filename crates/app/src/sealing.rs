//! Secrets at rest: OAuth tokens and PKCE verifiers are sealed with XChaCha20-Poly1305 under a
//! key kept outside the database (a file in the data folder, or `MEDLEY_SECRET_KEY`). A sealed
//! value is bound to its owner (the associated data), so that moving it to another row or user
//! makes it unreadable rather than usable.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};

/// Seals and opens secrets with one key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<key>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the secret key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("a sealed secret could not be opened: it was sealed with another key or altered")]
    Unreadable,
}

/// Version tag in front of every sealed value, so that the format can change later.
const TAG: &str = "v1.";

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Sealer {
        Sealer {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// A sealer with a fresh random key (tests, and first start).
    pub fn random() -> (Sealer, String) {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        (Sealer::new(&key.into()), STANDARD.encode(key))
    }

    /// A sealer from a base64-encoded 32-byte key.
    pub fn from_base64(text: &str) -> Result<Sealer, SealError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| SealError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Sealer::new(&key))
    }

    /// Seals `secret` for `owner`.
    pub fn seal(&self, secret: &[u8], owner: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: secret,
                    aad: owner.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any message below 256 GiB");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{TAG}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`Sealer::seal`] sealed for the same `owner`.
    pub fn open(&self, sealed: &str, owner: &str) -> Result<Vec<u8>, SealError> {
        let body = sealed.strip_prefix(TAG).ok_or(SealError::Unreadable)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Unreadable)?;
        if bytes.len() < 24 {
            return Err(SealError::Unreadable);
        }
        let (nonce, data) = bytes.split_at(24);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: data,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| SealError::Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_key_and_owner() {
        let (sealer, key) = Sealer::random();
        let sealed = sealer.seal(b"refresh-token-123", "user-1");
        assert!(!sealed.contains("refresh-token"));
        assert_eq!(
            sealer.open(&sealed, "user-1").unwrap(),
            b"refresh-token-123"
        );
        // Same key from its text form.
        let again = Sealer::from_base64(&key).unwrap();
        assert_eq!(again.open(&sealed, "user-1").unwrap(), b"refresh-token-123");
        // Another owner, another key, or a flipped character: unreadable.
        assert!(sealer.open(&sealed, "user-2").is_err());
        assert!(Sealer::random().0.open(&sealed, "user-1").is_err());
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(sealer
            .open(std::str::from_utf8(&tampered).unwrap(), "user-1")
            .is_err());
        // Two seals of the same secret differ (fresh nonces).
        assert_ne!(sealer.seal(b"x", "u"), sealer.seal(b"x", "u"));
        assert!(Sealer::from_base64("c2hvcnQ=").is_err());
    }
}
