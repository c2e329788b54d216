//! [`SearchIndex`]: one in-memory tantivy index per kind, one writer each behind a mutex.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use medley_domain::causes::Causes;
use tantivy::indexer::{DefaultMergePolicy, NoMergePolicy};
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term};

use crate::normalize::{self, ANALYZER};
use crate::query::{self, Parsed};
use crate::schema::{Entry, Fields};
use crate::top::Ranking;
use crate::{Hits, Kind, SearchError, TrackDoc};

/// Indexing memory for the track writer (tracks outnumber artists and albums).
const TRACK_WRITER_BYTES: usize = 50_000_000;
/// Indexing memory for the artist and album writers: tantivy's minimum per thread.
const SMALL_WRITER_BYTES: usize = 15_000_000;

/// Ranked catalog search over tracks, artists and albums, held in memory.
///
/// Cheap to search from many threads at once; [`SearchIndex::index_tracks`] calls are
/// serialised. Share it behind an `Arc`.
pub struct SearchIndex {
    fields: Fields,
    tracks: Shard,
    artists: Shard,
    albums: Shard,
    writers: Mutex<Writers>,
}

/// One kind's index and its reader.
struct Shard {
    index: Index,
    reader: IndexReader,
}

struct Writers {
    tracks: IndexWriter,
    artists: IndexWriter,
    albums: IndexWriter,
}

impl Writers {
    fn each(&mut self) -> [&mut IndexWriter; 3] {
        let Writers {
            tracks,
            artists,
            albums,
        } = self;
        [tracks, artists, albums]
    }

    /// Drops every operation not yet committed.
    fn rollback(&mut self) {
        for writer in self.each() {
            if let Err(error) = writer.rollback() {
                tracing::warn!(error = %Causes(&error), "search index rollback failed");
            }
        }
    }
}

impl Shard {
    fn new() -> Result<Shard, SearchError> {
        let (schema, _) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(ANALYZER, normalize::analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Shard { index, reader })
    }

    fn writer(&self, bytes: usize) -> Result<IndexWriter, SearchError> {
        Ok(self.index.writer_with_num_threads(1, bytes)?)
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("tracks", &self.len(Kind::Track))
            .field("artists", &self.len(Kind::Artist))
            .field("albums", &self.len(Kind::Album))
            .finish()
    }
}

impl SearchIndex {
    /// An empty index held in RAM.
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (_, fields) = Fields::schema();
        let tracks = Shard::new()?;
        let artists = Shard::new()?;
        let albums = Shard::new()?;
        let writers = Writers {
            tracks: tracks.writer(TRACK_WRITER_BYTES)?,
            artists: artists.writer(SMALL_WRITER_BYTES)?,
            albums: albums.writer(SMALL_WRITER_BYTES)?,
        };
        Ok(SearchIndex {
            fields,
            tracks,
            artists,
            albums,
            writers: Mutex::new(writers),
        })
    }

    /// Adds or replaces the given tracks, and the artists and albums they name (upsert by id),
    /// and makes them visible to search before returning.
    ///
    /// One commit per call: index many tracks per call when loading a catalog. Within a call
    /// the last occurrence of an id wins. Objects with an empty id are skipped.
    pub fn index_tracks(&self, docs: &[TrackDoc]) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        let batch = Batch::of(docs);
        let mut writers = self.lock_writers();
        let result = self.write(&mut writers, &batch);
        if result.is_err() {
            // Leave nothing half-written in the writers for the next call to commit.
            writers.rollback();
        }
        result?;
        tracing::debug!(
            tracks = batch.tracks.len(),
            artists = batch.artists.len(),
            albums = batch.albums.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "search index updated"
        );
        Ok(())
    }

    fn write(&self, writers: &mut Writers, batch: &Batch<'_>) -> Result<(), SearchError> {
        let [tracks, artists, albums] = writers.each();
        let mut shards = [
            (tracks, &batch.tracks, &self.tracks),
            (artists, &batch.artists, &self.artists),
            (albums, &batch.albums, &self.albums),
        ];
        for (writer, entries, _) in &shards {
            for entry in entries.iter() {
                writer.delete_term(Term::from_field_text(self.fields.id, entry.id));
                writer.add_document(self.fields.document(entry))?;
            }
        }
        for (writer, _, _) in &mut shards {
            writer.commit()?;
        }
        for (_, _, shard) in &shards {
            shard.reader.reload()?;
        }
        Ok(())
    }

    /// Stops merging segments in the background, for a bulk load of many `index_tracks`
    /// calls (each call makes at least one segment); [`SearchIndex::merge_segments`] merges
    /// them once at the end, and merges in the background again.
    pub fn pause_merges(&self) {
        let mut writers = self.lock_writers();
        for writer in writers.each() {
            writer.set_merge_policy(Box::new(NoMergePolicy));
        }
    }

    /// Merges each kind's segments into one and waits for it, then lets the writers merge in
    /// the background again. A search visits every segment, so after a bulk load one segment
    /// is faster than the many the load left (and drops the artists and albums each batch
    /// named again).
    pub fn merge_segments(&self) -> Result<(), SearchError> {
        let started = Instant::now();
        let mut writers = self.lock_writers();
        let [tracks, artists, albums] = writers.each();
        for (writer, shard) in [
            (tracks, &self.tracks),
            (artists, &self.artists),
            (albums, &self.albums),
        ] {
            let segments = shard.index.searchable_segment_ids()?;
            if segments.len() > 1 {
                // Fails only when a background merge holds one of the segments (merges were
                // not paused): searches stay right, on more segments.
                if let Err(error) = writer.merge(&segments).wait() {
                    tracing::debug!(error = %Causes(&error), "search index segments not merged");
                }
            }
            writer.set_merge_policy(Box::<DefaultMergePolicy>::default());
            shard.reader.reload()?;
        }
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "search index segments merged"
        );
        Ok(())
    }

    fn lock_writers(&self) -> MutexGuard<'_, Writers> {
        // A panic while holding the lock leaves at worst uncommitted operations, which the
        // error path of `index_tracks` rolls back; the writers themselves stay usable.
        self.writers.lock().unwrap_or_else(|poisoned| {
            let mut writers = poisoned.into_inner();
            writers.rollback();
            writers
        })
    }

    /// Ranked ids of objects of `kind` matching `query`, best first, with the total number of
    /// matches. Empty/whitespace or punctuation-only query -> Ok(empty Hits).
    pub fn search(
        &self,
        query: &str,
        kind: Kind,
        limit: usize,
        offset: usize,
    ) -> Result<Hits, SearchError> {
        let Some(parsed) = Parsed::new(query) else {
            return Ok(Hits::default());
        };
        let searcher = self.shard(kind).reader.searcher();
        let plan = query::build(&self.fields, &parsed);
        let num_docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let limit = limit.min(num_docs);
        if limit == 0 || offset >= num_docs {
            let total = plan.matching.count(&searcher)?;
            return Ok(Hits {
                ids: Vec::new(),
                total,
            });
        }
        let ranking = Ranking::new(&searcher, &plan.parts)?;
        let k = offset.saturating_add(limit);
        // Documents matching every term come first: when they fill the page, only they are
        // looked at.
        let first = match plan.first_tier {
            Some(floor) => Some(ranking.top(&searcher, k, floor)?),
            None => None,
        };
        let mut top = match first {
            Some(top) if top.len() == k => top,
            _ => ranking.top(&searcher, k, Score::NEG_INFINITY)?,
        };
        top.drain(..offset.min(top.len()));
        let total = plan.matching.count(&searcher)?;
        let mut ids = Vec::with_capacity(top.len());
        for (_score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_str()) {
                ids.push(id.to_owned());
            }
        }
        Ok(Hits { ids, total })
    }

    /// Number of objects of `kind` in the index.
    pub fn len(&self, kind: Kind) -> u64 {
        self.shard(kind).reader.searcher().num_docs()
    }

    /// True when no track, artist or album is indexed.
    pub fn is_empty(&self) -> bool {
        [Kind::Track, Kind::Artist, Kind::Album]
            .into_iter()
            .all(|kind| self.len(kind) == 0)
    }

    /// The searcher of `kind` and the fields, for tests of the query's parts.
    #[cfg(test)]
    pub(crate) fn searcher(&self, kind: Kind) -> (tantivy::Searcher, Fields) {
        (self.shard(kind).reader.searcher(), self.fields)
    }

    fn shard(&self, kind: Kind) -> &Shard {
        match kind {
            Kind::Track => &self.tracks,
            Kind::Artist => &self.artists,
            Kind::Album => &self.albums,
        }
    }
}

/// The documents one `index_tracks` call writes, one per id (the last occurrence wins).
struct Batch<'a> {
    tracks: Vec<Entry<'a>>,
    artists: Vec<Entry<'a>>,
    albums: Vec<Entry<'a>>,
}

impl<'a> Batch<'a> {
    fn of(docs: &'a [TrackDoc]) -> Batch<'a> {
        let mut tracks = Dedup::default();
        let mut artists = Dedup::default();
        let mut albums = Dedup::default();
        for doc in docs {
            let mut related: Vec<&str> =
                doc.artists.iter().map(|(_, name)| name.as_str()).collect();
            related.push(&doc.album_name);
            tracks.put(Entry {
                id: &doc.track_id,
                name: &doc.track_name,
                related,
            });
            for (id, name) in &doc.artists {
                artists.put(Entry {
                    id,
                    name,
                    related: Vec::new(),
                });
            }
            albums.put(Entry {
                id: &doc.album_id,
                name: &doc.album_name,
                related: doc.album_artists.iter().map(String::as_str).collect(),
            });
        }
        Batch {
            tracks: tracks.entries,
            artists: artists.entries,
            albums: albums.entries,
        }
    }
}

/// Entries in first-seen order, each id once, holding the last value given for it.
#[derive(Default)]
struct Dedup<'a> {
    entries: Vec<Entry<'a>>,
    position: HashMap<&'a str, usize>,
}

impl<'a> Dedup<'a> {
    fn put(&mut self, entry: Entry<'a>) {
        if entry.id.is_empty() {
            return;
        }
        match self.position.get(entry.id) {
            Some(&i) => self.entries[i] = entry,
            None => {
                self.position.insert(entry.id, self.entries.len());
                self.entries.push(entry);
            }
        }
    }
}
