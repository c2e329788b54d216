//! Hot objects: whole copies, on this node's disk, of the objects streamed lately from a
//! remote store (S3), bounded in total size, least recently used evicted first. A stream whose
//! object is here reads it locally (ranges included); one that is not passes through to the
//! store as before, and the whole object is copied here in the background for the next time.
//! Hits and misses are counted for the metrics.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use medley_domain::causes::Causes;
use tokio::io::AsyncWriteExt;

use crate::disk_cache::{CachedFile, DiskCache};
use crate::storage::{Location, Storage};

/// Counts of the hot cache, since start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HotStats {
    pub hits: u64,
    pub misses: u64,
    /// Bytes held now, and the bound.
    pub bytes: u64,
    pub max_bytes: u64,
}

/// The hot-object cache of one node.
pub struct HotCache {
    cache: Arc<DiskCache>,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Objects being copied now.
    filling: Arc<Mutex<HashSet<String>>>,
}

impl std::fmt::Debug for HotCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HotCache({:?})", self.cache)
    }
}

impl HotCache {
    /// Opens the cache in `dir`, holding at most `max_bytes`.
    pub fn open(dir: &std::path::Path, max_bytes: u64) -> std::io::Result<HotCache> {
        Ok(HotCache {
            cache: Arc::new(DiskCache::open(dir, max_bytes)?),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            filling: Arc::default(),
        })
    }

    pub fn stats(&self) -> HotStats {
        HotStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.cache.total_bytes(),
            max_bytes: self.cache.max_bytes(),
        }
    }

    fn key(object: &str) -> String {
        DiskCache::file_name(object)
    }

    /// The local copy of `object` if there is one (a hit), without counting.
    pub fn peek(&self, object: &str) -> Option<CachedFile> {
        let key = HotCache::key(object);
        let file = self.cache.get(&key)?;
        if file.path.is_file() {
            Some(file)
        } else {
            self.cache.forget(&key);
            None
        }
    }

    /// The local copy of `object`, counted as a hit when there is one (a miss is counted by
    /// the [`HotCache::lookup`] that follows).
    pub fn hit(&self, object: &str) -> Option<PathBuf> {
        let file = self.peek(object)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(file.path)
    }

    /// A stream is about to read `object` (of `size` bytes) from `storage`: the local copy on
    /// a hit; on a miss `None`, and the object starts being copied here in the background
    /// (unless it could never fit).
    pub fn lookup(&self, storage: &Storage, object: &str, size: u64) -> Option<PathBuf> {
        if let Some(file) = self.peek(object) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Some(file.path);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        if size <= self.cache.max_bytes() {
            self.fill(storage.clone(), object.to_owned());
        }
        None
    }

    /// Copies `object` into the cache, once at a time per object; a failed copy leaves
    /// nothing (it was written under `tmp/`).
    fn fill(&self, storage: Storage, object: String) {
        if !self
            .filling
            .lock()
            .expect("hot fills")
            .insert(object.clone())
        {
            return;
        }
        let cache = self.cache.clone();
        let filling = self.filling.clone();
        tokio::spawn(async move {
            let key = HotCache::key(&object);
            let temp = cache.temp_path(&key);
            let copied = copy(&storage, &object, &temp).await;
            match copied {
                Ok(()) => {
                    if let Err(e) = cache.commit(&key, &temp) {
                        tracing::warn!(%object, error = %Causes(&e), "a hot object could not be kept");
                        let _ = std::fs::remove_file(&temp);
                    }
                }
                Err(e) => {
                    tracing::warn!(%object, error = %e, "a hot object could not be copied");
                    let _ = std::fs::remove_file(&temp);
                }
            }
            filling.lock().expect("hot fills").remove(&object);
        });
    }
}

/// Errors of a background copy are only logged: their text is enough.
async fn copy(storage: &Storage, object: &str, temp: &std::path::Path) -> Result<(), String> {
    let mut bytes = storage
        .read(&Location::Object(object.to_owned()), None)
        .await
        .map_err(|e| e.to_string())?;
    let mut file = tokio::fs::File::create(temp)
        .await
        .map_err(|e| e.to_string())?;
    while let Some(chunk) = bytes.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        file.write_all(&chunk).await.map_err(|e| e.to_string())?;
    }
    file.sync_all().await.map_err(|e| e.to_string())?;
    Ok(())
}
