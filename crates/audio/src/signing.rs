//! Short-lived signed stream URLs. An `<audio>` element cannot send an `Authorization` header,
//! so a player asks (with its token) for a URL that carries its own proof: which track, for
//! whom, until when, and an HMAC-SHA256 of the three under a key derived from the server's
//! secret key. Every node with the same secret key accepts the URLs of the others.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks stream URLs.
#[derive(Clone)]
pub struct UrlSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(<key>)")
    }
}

/// Why a signed URL is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("this stream link expired: ask for a new one (GET /v1/tracks/{{id}}/stream-url)")]
    Expired,
    #[error("this stream link is not valid (altered, or signed by another server)")]
    Invalid,
}

impl UrlSigner {
    /// A signer whose key is derived from the server's secret key, so the secret key itself
    /// never signs anything else than what it was made for.
    pub fn from_secret(secret: &[u8]) -> UrlSigner {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(b"medley stream urls v1");
        UrlSigner {
            key: mac.finalize().into_bytes().into(),
        }
    }

    /// A signer with a random key (tests; a lone node without a configured secret).
    pub fn random() -> UrlSigner {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        UrlSigner { key }
    }

    fn mac(&self, track_id: &str, user_id: &str, expires_s: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("a 32-byte key");
        mac.update(format!("stream\n{track_id}\n{user_id}\n{expires_s}").as_bytes());
        mac
    }

    /// The signature of a stream of `track_id` for `user_id` until `expires_s` (Unix seconds).
    pub fn sign(&self, track_id: &str, user_id: &str, expires_s: i64) -> String {
        URL_SAFE_NO_PAD.encode(
            self.mac(track_id, user_id, expires_s)
                .finalize()
                .into_bytes(),
        )
    }

    /// Checks a signature (in constant time) and its expiry.
    pub fn verify(
        &self,
        track_id: &str,
        user_id: &str,
        expires_s: i64,
        signature: &str,
        now_s: i64,
    ) -> Result<(), SignatureError> {
        let given = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| SignatureError::Invalid)?;
        self.mac(track_id, user_id, expires_s)
            .verify_slice(&given)
            .map_err(|_| SignatureError::Invalid)?;
        if now_s > expires_s {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_for_its_track_user_and_time_only() {
        let signer = UrlSigner::from_secret(b"secret");
        let sig = signer.sign("t1", "u1", 1_000);
        assert_eq!(signer.verify("t1", "u1", 1_000, &sig, 999), Ok(()));
        assert_eq!(signer.verify("t1", "u1", 1_000, &sig, 1_000), Ok(()));
        assert_eq!(
            signer.verify("t1", "u1", 1_000, &sig, 1_001),
            Err(SignatureError::Expired)
        );
        for (track, user, expires) in [
            ("t2", "u1", 1_000),
            ("t1", "u2", 1_000),
            ("t1", "u1", 9_999),
        ] {
            assert_eq!(
                signer.verify(track, user, expires, &sig, 0),
                Err(SignatureError::Invalid)
            );
        }
        assert_eq!(
            signer.verify("t1", "u1", 1_000, "not base64!", 0),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn nodes_sharing_a_secret_accept_each_others_links() {
        let (a, b) = (UrlSigner::from_secret(b"k"), UrlSigner::from_secret(b"k"));
        let sig = a.sign("t", "u", 10);
        assert_eq!(b.verify("t", "u", 10, &sig, 0), Ok(()));
        let other = UrlSigner::from_secret(b"other");
        assert_eq!(
            other.verify("t", "u", 10, &sig, 0),
            Err(SignatureError::Invalid)
        );
    }
}
