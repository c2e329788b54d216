//! A folder of whole files bounded in total size, least recently used evicted first: the cache
//! of transcodes and the cache of hot objects read from S3 share it.
//!
//! An entry is written under `tmp/` and renamed into place only once complete, so a reader
//! never sees half a file, and a crash leaves nothing but `tmp/` (emptied at start). What is
//! in the folder at start is kept, oldest modification first in line for eviction. A file
//! evicted while someone reads it stays readable to them (its name goes; the open file does
//! not).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// One cached file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedFile {
    pub path: PathBuf,
    pub size: u64,
}

#[derive(Default)]
struct Index {
    /// Key → (size, last use).
    entries: HashMap<String, (u64, u64)>,
    /// Last use → key: the least recently used first.
    order: BTreeMap<u64, String>,
    total: u64,
    tick: u64,
}

impl Index {
    fn touch(&mut self, key: &str) -> Option<u64> {
        self.tick += 1;
        let tick = self.tick;
        let (size, used) = self.entries.get_mut(key)?;
        self.order.remove(used);
        *used = tick;
        self.order.insert(tick, key.to_owned());
        Some(*size)
    }

    fn remove(&mut self, key: &str) -> Option<u64> {
        let (size, used) = self.entries.remove(key)?;
        self.order.remove(&used);
        self.total -= size;
        Some(size)
    }

    fn insert(&mut self, key: String, size: u64) {
        self.remove(&key);
        self.tick += 1;
        self.order.insert(self.tick, key.clone());
        self.entries.insert(key, (size, self.tick));
        self.total += size;
    }
}

/// A bounded folder of cached files. Keys are made of `[A-Za-z0-9._-]`; [`DiskCache::file_name`]
/// makes one of anything.
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    index: Mutex<Index>,
    temp_seq: AtomicU64,
}

impl std::fmt::Debug for DiskCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DiskCache({}, {} bytes)",
            self.dir.display(),
            self.max_bytes
        )
    }
}

impl DiskCache {
    /// Opens (making it if needed) the cache in `dir`, keeping what is there within
    /// `max_bytes` and dropping unfinished writes.
    pub fn open(dir: &Path, max_bytes: u64) -> std::io::Result<DiskCache> {
        let tmp = dir.join("tmp");
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp)?;
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if meta.is_file() {
                found.push((meta.modified().ok(), name, meta.len()));
            }
        }
        found.sort();
        let cache = DiskCache {
            dir: dir.to_owned(),
            max_bytes,
            index: Mutex::new(Index::default()),
            temp_seq: AtomicU64::new(0),
        };
        {
            let mut index = cache.index.lock().expect("cache index");
            for (_, name, size) in found {
                index.insert(name, size);
            }
        }
        cache.evict();
        Ok(cache)
    }

    /// A key for `text` made of the characters keys may hold (other characters become `_`).
    pub fn file_name(text: &str) -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .trim_start_matches('.')
            .to_owned()
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Bytes held now.
    pub fn total_bytes(&self) -> u64 {
        self.index.lock().expect("cache index").total
    }

    /// The file for `key` if it is cached (and marks it used).
    pub fn get(&self, key: &str) -> Option<CachedFile> {
        let size = self.index.lock().expect("cache index").touch(key)?;
        Some(CachedFile {
            path: self.dir.join(key),
            size,
        })
    }

    /// Forgets `key` (its file turned out to be gone or unreadable).
    pub fn forget(&self, key: &str) {
        self.index.lock().expect("cache index").remove(key);
        let _ = std::fs::remove_file(self.dir.join(key));
    }

    /// A fresh path under `tmp/` to write an entry for `key` into.
    pub fn temp_path(&self, key: &str) -> PathBuf {
        let n = self.temp_seq.fetch_add(1, Ordering::Relaxed);
        self.dir.join("tmp").join(format!("{key}.{n}.part"))
    }

    /// Moves the complete file `temp` into place as `key` and evicts what no longer fits. An
    /// entry larger than the whole cache is not kept.
    pub fn commit(&self, key: &str, temp: &Path) -> std::io::Result<Option<CachedFile>> {
        let size = std::fs::metadata(temp)?.len();
        if size > self.max_bytes {
            std::fs::remove_file(temp)?;
            return Ok(None);
        }
        let path = self.dir.join(key);
        std::fs::rename(temp, &path)?;
        self.index
            .lock()
            .expect("cache index")
            .insert(key.to_owned(), size);
        self.evict();
        // Evicted at once only if everything else was newer, which it cannot be.
        Ok(Some(CachedFile { path, size }))
    }

    /// Deletes least recently used files until the total fits.
    fn evict(&self) {
        let mut gone = Vec::new();
        {
            let mut index = self.index.lock().expect("cache index");
            while index.total > self.max_bytes {
                let Some((_, key)) = index.order.pop_first() else {
                    break;
                };
                if let Some((size, _)) = index.entries.remove(&key) {
                    index.total -= size;
                }
                gone.push(key);
            }
        }
        for key in gone {
            tracing::debug!(cache = %self.dir.display(), %key, "evicted");
            let _ = std::fs::remove_file(self.dir.join(key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(cache: &DiskCache, key: &str, size: usize) {
        let temp = cache.temp_path(key);
        std::fs::write(&temp, vec![7u8; size]).unwrap();
        cache.commit(key, &temp).unwrap();
    }

    #[test]
    fn the_least_recently_used_goes_first_and_the_total_stays_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), 100).unwrap();
        put(&cache, "a", 40);
        put(&cache, "b", 40);
        assert!(cache.get("a").is_some(), "a used: b is now the oldest");
        put(&cache, "c", 40);
        assert!(cache.get("b").is_none());
        assert!(!dir.path().join("b").exists(), "an evicted file is deleted");
        assert_eq!(cache.get("a").unwrap().size, 40);
        assert!(cache.get("c").is_some());
        assert_eq!(cache.total_bytes(), 80);
        put(&cache, "huge", 101);
        assert!(
            cache.get("huge").is_none(),
            "larger than the cache: not kept"
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[test]
    fn a_reopened_cache_keeps_complete_files_and_drops_unfinished_ones() {
        let dir = tempfile::tempdir().unwrap();
        {
            let cache = DiskCache::open(dir.path(), 1000).unwrap();
            put(&cache, "kept", 10);
            std::fs::write(cache.temp_path("half"), b"half").unwrap();
        }
        let cache = DiskCache::open(dir.path(), 1000).unwrap();
        assert_eq!(cache.get("kept").unwrap().size, 10);
        assert!(cache.get("half").is_none());
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
        assert_eq!(DiskCache::file_name("ab/c d.flac"), "ab_c_d.flac");
        assert_eq!(DiskCache::file_name("../x"), "_x");
    }
}
