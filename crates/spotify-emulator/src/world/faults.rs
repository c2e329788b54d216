//! Faults on demand: random ones drawn from a seeded generator, and scripted one-shots
//! ("the next N requests under path P fail with K").

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 500, 502 or 503 with Spotify's error body; the request has no effect.
    ServerError,
    /// The request takes effect, then the response is held past the client's patience.
    Timeout,
    /// The request takes effect, then the connection closes without a response.
    Drop,
    /// A page with fewer items than `limit` while `total` and `next` stay as they were.
    ShortPage,
    /// Playlist objects show the snapshot id from before the last edit while their contents
    /// are already new (observed right after writes).
    StaleSnapshot,
}

/// A fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    ServerError(u16),
    Timeout,
    Drop,
    ShortPage,
    StaleSnapshot,
}

/// Random faults: each request under `path_prefix` fails with `probability`, the kind drawn
/// from `kinds`. The same seed and the same sequence of requests give the same faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultSettings {
    pub seed: u64,
    pub probability: f64,
    pub kinds: Vec<FaultKind>,
    #[serde(default = "default_prefix")]
    pub path_prefix: String,
}

/// "The next `count` requests whose path starts with `path_prefix` get `kind`."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptedFault {
    pub path_prefix: String,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    /// Status for `server_error` (default 500).
    #[serde(default)]
    pub status: Option<u16>,
}

fn default_prefix() -> String {
    "/v1".into()
}
fn one() -> u32 {
    1
}

#[derive(Debug, Default)]
pub struct Faults {
    random: Option<(FaultSettings, ChaCha8Rng)>,
    scripted: Vec<ScriptedFault>,
}

const SERVER_ERRORS: [u16; 3] = [500, 502, 503];

impl Faults {
    pub fn set_random(&mut self, settings: Option<FaultSettings>) {
        self.random = settings.map(|s| {
            let rng = ChaCha8Rng::seed_from_u64(s.seed);
            (s, rng)
        });
    }

    pub fn push_scripted(&mut self, fault: ScriptedFault) {
        self.scripted.push(fault);
    }

    pub fn clear(&mut self) {
        self.random = None;
        self.scripted.clear();
    }

    pub fn settings(&self) -> (Option<FaultSettings>, Vec<ScriptedFault>) {
        (
            self.random.as_ref().map(|(s, _)| s.clone()),
            self.scripted.clone(),
        )
    }

    /// The fault for a request to `path`, if any: scripted ones first, in order.
    pub fn draw(&mut self, path: &str) -> Option<Fault> {
        if let Some(i) = self
            .scripted
            .iter()
            .position(|f| path.starts_with(&f.path_prefix))
        {
            let f = &mut self.scripted[i];
            let fault = match f.kind {
                FaultKind::ServerError => Fault::ServerError(f.status.unwrap_or(500)),
                FaultKind::Timeout => Fault::Timeout,
                FaultKind::Drop => Fault::Drop,
                FaultKind::ShortPage => Fault::ShortPage,
                FaultKind::StaleSnapshot => Fault::StaleSnapshot,
            };
            f.count = f.count.saturating_sub(1);
            if f.count == 0 {
                self.scripted.remove(i);
            }
            return Some(fault);
        }
        let (settings, rng) = self.random.as_mut()?;
        if !path.starts_with(&settings.path_prefix) || settings.kinds.is_empty() {
            return None;
        }
        if rng.gen::<f64>() >= settings.probability {
            return None;
        }
        Some(
            match settings.kinds[rng.gen_range(0..settings.kinds.len())] {
                FaultKind::ServerError => Fault::ServerError(SERVER_ERRORS[rng.gen_range(0..3)]),
                FaultKind::Timeout => Fault::Timeout,
                FaultKind::Drop => Fault::Drop,
                FaultKind::ShortPage => Fault::ShortPage,
                FaultKind::StaleSnapshot => Fault::StaleSnapshot,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64) -> Vec<Option<Fault>> {
        let mut f = Faults::default();
        f.set_random(Some(FaultSettings {
            seed,
            probability: 0.5,
            kinds: vec![FaultKind::ServerError, FaultKind::ShortPage],
            path_prefix: "/v1".into(),
        }));
        (0..40).map(|_| f.draw("/v1/me")).collect()
    }

    #[test]
    fn same_seed_same_faults() {
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
        assert!(run(3).iter().any(Option::is_some) && run(3).iter().any(Option::is_none));
    }

    #[test]
    fn scripted_faults_run_out() {
        let mut f = Faults::default();
        f.push_scripted(ScriptedFault {
            path_prefix: "/v1/playlists".into(),
            kind: FaultKind::Drop,
            count: 2,
            status: None,
        });
        assert_eq!(f.draw("/v1/me"), None);
        assert_eq!(f.draw("/v1/playlists/x/items"), Some(Fault::Drop));
        assert_eq!(f.draw("/v1/playlists/x"), Some(Fault::Drop));
        assert_eq!(f.draw("/v1/playlists/x"), None);
    }
}
