//! The HTTP edge's own cache: whole rendered pages of playlist items, keyed by playlist,
//! snapshot, offset and limit. A snapshot never changes its items, so entries are never stale.
//! (The use cases' caches, tokens, playlists, ledgers and rendered tracks, are in
//! `medley_app::cache`.)

use bytes::Bytes;
use medley_domain::PlaylistId;
use moka::sync::Cache;

/// Key of a cached page: playlist id, snapshot id, offset, limit.
pub type PageKey = (PlaylistId, String, i64, i64);

/// Most bytes of rendered pages kept.
const PAGE_BYTES: u64 = 128 * 1024 * 1024;

pub struct Pages(Cache<PageKey, Bytes>);

impl Default for Pages {
    fn default() -> Self {
        Pages(
            Cache::builder()
                .weigher(|_: &PageKey, v: &Bytes| v.len().try_into().unwrap_or(u32::MAX))
                .max_capacity(PAGE_BYTES)
                .build(),
        )
    }
}

impl Pages {
    pub fn get(&self, key: &PageKey) -> Option<Bytes> {
        self.0.get(key)
    }

    pub fn insert(&self, key: PageKey, page: Bytes) {
        self.0.insert(key, page);
    }
}
