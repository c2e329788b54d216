//! Composite playlists: definitions, source memos and ledger entries. A sync's edits to the
//! target's items and its ledger changes are written in one transaction.

use std::collections::BTreeMap;

use async_trait::async_trait;
use medley_compose::{Composite, Entry, Intent, Ledger, Mode, Options, Plan, Source, SourceMemo};
use medley_domain::{Id, PlaylistId, UserId};
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::jobs::queue_dependents;
use crate::playlists::{
    apply_edit, begin_change, finish_change, load_playlist, EditOutcome, ItemsEdit,
};
use crate::sql::SqlStore;

/// A composite as stored: its definition, its ledger, and the ledger's version.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredComposite {
    pub composite: Composite,
    pub ledger: Ledger,
    pub ledger_version: i64,
    /// When the playlist became composite: with the version, it tells one composite's ledger
    /// from that of a composite deleted and made again (whose version starts over).
    pub created_at_ms: i64,
    pub last_sync_ms: Option<i64>,
    pub last_report: Option<String>,
    /// Writes to an outside target (Spotify) begun and not known to have finished.
    pub intent: Option<Intent>,
}

/// The result of one sync to write.
pub struct SyncWrite<'a> {
    pub playlist_id: &'a PlaylistId,
    /// The owner, recorded as the adder of the items the sync inserts.
    pub actor: &'a UserId,
    /// The ledger version the sync started from; a concurrent sync makes this stale.
    pub ledger_version: i64,
    /// The ledger as stored, and as the sync left it: only the difference is written.
    pub before: &'a Ledger,
    pub after: &'a Ledger,
    pub plan: &'a Plan,
    /// The target's snapshot the plan was made against.
    pub snapshot_id: &'a str,
    pub report_json: String,
    pub cap: i64,
    pub now_ms: i64,
    /// Clears the recorded intent (its writes are accounted for in `after`).
    pub clear_intent: bool,
}

#[async_trait]
pub trait CompositeStore: Send + Sync {
    async fn composite(&self, playlist_id: &PlaylistId) -> Result<Option<StoredComposite>>;
    /// The composite without its ledger (left empty): for callers that hold the ledger of
    /// this version (and `created_at_ms`) in memory, and so need not read it again.
    async fn composite_head(&self, playlist_id: &PlaylistId) -> Result<Option<StoredComposite>>;
    /// Makes a playlist composite, or changes its definition. Ledger entries and the memos of
    /// sources that stay are kept.
    async fn put_composite(
        &self,
        playlist_id: &PlaylistId,
        composite: &Composite,
        now_ms: i64,
    ) -> Result<()>;
    /// Turns a composite back into a plain playlist (its items stay). False if it was not one.
    async fn delete_composite(&self, playlist_id: &PlaylistId) -> Result<bool>;
    /// Composites that use `source_uri` as a source.
    async fn composites_using(&self, source_uri: &str) -> Result<Vec<Id>>;
    /// Every composite's source URIs, keyed by the composite's own URI.
    async fn composite_graph(&self) -> Result<BTreeMap<String, Vec<String>>>;
    /// Records (or clears) the writes a sync of an outside target sets out to make. Refused as
    /// stale if the ledger moved past `ledger_version`.
    async fn set_composite_intent(
        &self,
        playlist_id: &PlaylistId,
        ledger_version: i64,
        intent: Option<&Intent>,
    ) -> Result<()>;
    /// Writes a sync: the plan's edits (if any) and the ledger's changes, in one transaction.
    /// `StaleSnapshot` if the target or the ledger changed since the sync read them.
    async fn write_sync(&self, write: SyncWrite<'_>) -> Result<Option<EditOutcome>>;
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("engine types serialise")
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn mode_text(m: Mode) -> &'static str {
    match m {
        Mode::Include => "include",
        Mode::Exclude => "exclude",
    }
}

async fn write_ledger_diff(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    before: &Ledger,
    after: &Ledger,
) -> Result<()> {
    for (key, entry) in &after.entries {
        if before.entries.get(key) != Some(entry) {
            sqlx::query(
                "INSERT INTO composite_entries (playlist_id, entry_key, entry, suppressed) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (playlist_id, entry_key) DO UPDATE SET entry = excluded.entry, suppressed = excluded.suppressed",
            )
            .bind(id)
            .bind(key)
            .bind(json(entry))
            .bind(i64::from(entry.suppressed))
            .execute(&mut **tx)
            .await?;
        }
    }
    for key in before
        .entries
        .keys()
        .filter(|k| !after.entries.contains_key(*k))
    {
        sqlx::query("DELETE FROM composite_entries WHERE playlist_id = $1 AND entry_key = $2")
            .bind(id)
            .bind(key)
            .execute(&mut **tx)
            .await?;
    }
    for (uri, memo) in &after.sources {
        if before.sources.get(uri) != Some(memo) {
            sqlx::query(
                "UPDATE composite_sources SET memo = $1 WHERE playlist_id = $2 AND uri = $3",
            )
            .bind(json(memo))
            .bind(id)
            .bind(uri)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl CompositeStore for SqlStore {
    async fn composite(&self, playlist_id: &PlaylistId) -> Result<Option<StoredComposite>> {
        let Some(mut stored) = self.composite_head(playlist_id).await? else {
            return Ok(None);
        };
        let memos = sqlx::query("SELECT uri, memo FROM composite_sources WHERE playlist_id = $1")
            .bind(playlist_id.as_str())
            .fetch_all(&self.read)
            .await?;
        for row in memos {
            let memo: SourceMemo = parse(&row.try_get::<String, _>(1)?, "source memo")?;
            stored.ledger.sources.insert(row.try_get(0)?, memo);
        }
        let entries =
            sqlx::query("SELECT entry_key, entry FROM composite_entries WHERE playlist_id = $1")
                .bind(playlist_id.as_str())
                .fetch_all(&self.read)
                .await?;
        for row in entries {
            let entry: Entry = parse(&row.try_get::<String, _>(1)?, "ledger entry")?;
            stored.ledger.entries.insert(row.try_get(0)?, entry);
        }
        Ok(Some(stored))
    }

    async fn composite_head(&self, playlist_id: &PlaylistId) -> Result<Option<StoredComposite>> {
        let Some(head) = sqlx::query(
            "SELECT options, ledger_version, last_sync_at, last_report, pending_intent, created_at \
             FROM composites WHERE playlist_id = $1",
        )
        .bind(playlist_id.as_str())
        .fetch_optional(&self.read)
        .await?
        else {
            return Ok(None);
        };
        let options: Options = parse(&head.try_get::<String, _>(0)?, "composite options")?;
        let mut composite = Composite {
            sources: vec![],
            options,
        };
        let sources = sqlx::query(
            "SELECT uri, mode FROM composite_sources WHERE playlist_id = $1 ORDER BY ord",
        )
        .bind(playlist_id.as_str())
        .fetch_all(&self.read)
        .await?;
        for row in sources {
            let mode = if row.try_get::<String, _>(1)? == "exclude" {
                Mode::Exclude
            } else {
                Mode::Include
            };
            composite.sources.push(Source {
                uri: row.try_get(0)?,
                mode,
            });
        }
        Ok(Some(StoredComposite {
            composite,
            ledger: Ledger::default(),
            ledger_version: head.try_get(1)?,
            created_at_ms: head.try_get(5)?,
            last_sync_ms: head.try_get(2)?,
            last_report: head.try_get(3)?,
            intent: head
                .try_get::<Option<String>, _>(4)?
                .map(|t| parse(&t, "pending intent"))
                .transpose()?,
        }))
    }

    async fn put_composite(
        &self,
        playlist_id: &PlaylistId,
        composite: &Composite,
        now_ms: i64,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO composites (playlist_id, options, created_at, updated_at) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (playlist_id) DO UPDATE SET options = excluded.options, updated_at = excluded.updated_at, \
             ledger_version = composites.ledger_version + 1",
        )
        .bind(playlist_id.as_str())
        .bind(json(&composite.options))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let kept: Vec<(String, String)> =
            sqlx::query("SELECT uri, memo FROM composite_sources WHERE playlist_id = $1")
                .bind(playlist_id.as_str())
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_>>()?;
        let memos: BTreeMap<String, String> = kept.into_iter().collect();
        sqlx::query("DELETE FROM composite_sources WHERE playlist_id = $1")
            .bind(playlist_id.as_str())
            .execute(&mut *tx)
            .await?;
        for (ord, source) in composite.sources.iter().enumerate() {
            let memo = memos
                .get(&source.uri)
                .cloned()
                .unwrap_or_else(|| json(&SourceMemo::default()));
            sqlx::query("INSERT INTO composite_sources (playlist_id, ord, uri, mode, memo) VALUES ($1, $2, $3, $4, $5)")
                .bind(playlist_id.as_str())
                .bind(ord as i64)
                .bind(&source.uri)
                .bind(mode_text(source.mode))
                .bind(memo)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_composite(&self, playlist_id: &PlaylistId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM composites WHERE playlist_id = $1")
            .bind(playlist_id.as_str())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn composites_using(&self, source_uri: &str) -> Result<Vec<Id>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT playlist_id FROM composite_sources WHERE uri = $1 ORDER BY playlist_id")
            .bind(source_uri)
            .fetch_all(&self.read)
            .await?)
    }

    async fn composite_graph(&self) -> Result<BTreeMap<String, Vec<String>>> {
        let rows =
            sqlx::query("SELECT playlist_id, uri FROM composite_sources ORDER BY playlist_id, ord")
                .fetch_all(&self.read)
                .await?;
        let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in rows {
            let id: String = row.try_get(0)?;
            graph
                .entry(format!("medley:playlist:{id}"))
                .or_default()
                .push(row.try_get(1)?);
        }
        Ok(graph)
    }

    async fn set_composite_intent(
        &self,
        playlist_id: &PlaylistId,
        ledger_version: i64,
        intent: Option<&Intent>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE composites SET pending_intent = $1 WHERE playlist_id = $2 AND ledger_version = $3",
        )
        .bind(intent.map(json))
        .bind(playlist_id.as_str())
        .bind(ledger_version)
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::StaleSnapshot {
                given: ledger_version.to_string(),
                current: "newer".into(),
            });
        }
        Ok(())
    }

    async fn write_sync(&self, w: SyncWrite<'_>) -> Result<Option<EditOutcome>> {
        let mut tx = self.write.begin().await?;
        let bumped = sqlx::query(
            "UPDATE composites SET ledger_version = ledger_version + 1, last_sync_at = $1, last_report = $2 \
             WHERE playlist_id = $3 AND ledger_version = $4",
        )
        .bind(w.now_ms)
        .bind(&w.report_json)
        .bind(w.playlist_id.as_str())
        .bind(w.ledger_version)
        .execute(&mut *tx)
        .await?;
        if bumped.rows_affected() == 0 {
            return Err(StoreError::StaleSnapshot {
                given: w.ledger_version.to_string(),
                current: "newer".into(),
            });
        }
        let mut outcome = None;
        if !w.plan.is_empty() {
            let (version, current, mut len) = begin_change(&mut tx, w.playlist_id).await?;
            if current != w.snapshot_id {
                return Err(StoreError::StaleSnapshot {
                    given: w.snapshot_id.to_owned(),
                    current,
                });
            }
            let mut added = Vec::new();
            let mut removed = Vec::new();
            if !w.plan.remove.is_empty() {
                let items = w
                    .plan
                    .remove
                    .iter()
                    .map(|(p, t)| (*p as i64, t.clone()))
                    .collect();
                let (_, r, _) = apply_edit(
                    &mut tx,
                    w.playlist_id,
                    len,
                    ItemsEdit::RemoveAt { items },
                    i64::MAX,
                    w.actor,
                    w.now_ms,
                )
                .await?;
                len -= r.len() as i64;
                removed = r;
            }
            for (position, track_ids) in w.plan.insert_runs() {
                let edit = ItemsEdit::Add {
                    track_ids,
                    position: Some(position as i64),
                };
                let (a, _, _) =
                    apply_edit(&mut tx, w.playlist_id, len, edit, w.cap, w.actor, w.now_ms).await?;
                len += a.len() as i64;
                added.extend(a);
            }
            finish_change(&mut tx, w.playlist_id, version, len, w.now_ms).await?;
            queue_dependents(&mut tx, w.playlist_id, false, w.now_ms).await?;
            let playlist = load_playlist(&mut tx, w.playlist_id).await?;
            outcome = Some(EditOutcome {
                playlist,
                added,
                removed,
                reordered: false,
            });
        }
        write_ledger_diff(&mut tx, w.playlist_id, w.before, w.after).await?;
        if w.clear_intent {
            sqlx::query("UPDATE composites SET pending_intent = NULL WHERE playlist_id = $1")
                .bind(w.playlist_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }
}
