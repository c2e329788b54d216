//! Plays reported live (Medley's player, scrobblers): written one small batch at a time with
//! the same deduplication as imports, so a play later found in an export counts once.

use std::sync::Arc;

use medley_domain::UserId;
use medley_history::Play;
use medley_store::{ItemRef, Precision, Store};

use crate::convert::{new_play, played_item};
use crate::error::ImportError;
use crate::pipeline::settle;

/// A play to record; `item` when the caller already knows the catalog entity (a Medley
/// track played in Medley), otherwise it is found or created from the play's names.
#[derive(Debug, Clone)]
pub struct LivePlay {
    pub play: Play,
    pub item: Option<ItemRef>,
}

/// How many of the plays were new.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    pub added: u64,
    pub duplicate: u64,
}

/// Records `plays` for `user_id` in one transaction, as coming from `source` with times of
/// `precision`.
pub async fn record(
    store: &Arc<dyn Store>,
    user_id: &UserId,
    plays: Vec<LivePlay>,
    source: &str,
    precision: Precision,
    now_ms: i64,
) -> Result<Recorded, ImportError> {
    if plays.is_empty() {
        return Ok(Recorded::default());
    }
    let mut writer = store.play_writer(user_id, None).await?;
    let seq_before = writer.last_seq().await?;
    let unknown: Vec<_> = plays
        .iter()
        .filter(|p| p.item.is_none())
        .map(|p| played_item(&p.play))
        .collect();
    let mut resolved = writer.resolve(&unknown, now_ms).await?.into_iter();
    let mut range: Option<(i64, i64)> = None;
    let count = plays.len() as u64;
    let rows: Vec<_> = plays
        .into_iter()
        .map(|p| {
            let end = p.play.ended_at_ms;
            range = Some(range.map_or((end, end), |(a, b)| (a.min(end), b.max(end))));
            let item = p
                .item
                .unwrap_or_else(|| resolved.next().expect("one per unknown item"));
            let mut row = new_play(p.play, item);
            row.source = source.to_owned();
            row.precision = precision;
            row
        })
        .collect();
    let inserted = writer.insert(rows).await?;
    let (duplicate_new, _) = settle(writer.as_mut(), range, seq_before).await?;
    writer.commit().await?;
    Ok(Recorded {
        added: inserted - duplicate_new,
        duplicate: count - inserted + duplicate_new,
    })
}
