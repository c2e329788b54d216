//! Object ids: 22 characters of base 62, like Spotify's, because several Spotify client
//! libraries validate ids against that shape before sending a request.

use rand::Rng;

/// Length of every Medley object id.
pub const ID_LEN: usize = 22;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An object id. Plain `String` underneath: ids cross every layer and are compared as text.
pub type Id = String;

/// A fresh random id (about 131 bits of entropy).
pub fn new_id() -> Id {
    let mut rng = rand::thread_rng();
    (0..ID_LEN)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A deterministic id derived from a seed string, for reproducible demo data.
pub fn id_from_seed(seed: &str) -> Id {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(seed.as_bytes());
    let mut n = u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"));
    let mut out = [b'0'; ID_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("ascii")
}

/// Whether `s` has the shape of a Medley id.
pub fn is_id(s: &str) -> bool {
    s.len() == ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_have_the_spotify_shape_and_differ() {
        let a = new_id();
        let b = new_id();
        assert!(is_id(&a), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn seeded_ids_are_stable() {
        assert_eq!(id_from_seed("x"), id_from_seed("x"));
        assert_ne!(id_from_seed("x"), id_from_seed("y"));
        assert!(is_id(&id_from_seed("anything")));
    }

    #[test]
    fn rejects_wrong_shapes() {
        assert!(!is_id("short"));
        assert!(!is_id("0123456789012345678901_"));
        assert!(!is_id("012345678901234567890-"));
    }
}
