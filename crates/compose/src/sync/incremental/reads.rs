//! The incremental sync's pass over the sources' reads: each complete read is compared with its
//! source's memo, and the keys whose holds changed are gathered, with each include source's new
//! hold of them.

use std::sync::Arc;

use super::diff::{diff, Change, Held};
use crate::identity::Keys;
use crate::ledger::{Ledger, SourceMemo};
use crate::model::{Mode, Read};
use crate::sync::key_index::{hash, KeyIndex};
use crate::sync::{Report, SyncInput};

/// A key some source's read changed.
pub(super) struct Touch<'a> {
    pub(super) key: Arc<str>,
    /// The include sources whose hold changed, in configuration order: `(source, Some(hold))`
    /// if it holds the key now, `(source, None)` if no longer.
    pub(super) holds: Vec<(usize, Option<Held<'a>>)>,
}

/// What the sources' reads changed.
pub(super) struct Compared<'a> {
    /// Each configured source's new memo, in configuration order.
    pub(super) memos: Vec<SourceMemo>,
    /// The keys whose holds changed, each once, in the order first met.
    pub(super) touches: Vec<Touch<'a>>,
    /// Some complete read differed from its memo, which now holds it instead.
    pub(super) changed: bool,
}

/// Each source's read against its memo (`olds`, in configuration order): a complete read
/// replaces the memo where it differs and names the keys whose holds changed; a failure keeps
/// the memo (frozen) and is reported.
pub(super) fn compare_reads<'a>(
    previous: &'a Ledger,
    input: &SyncInput<'a>,
    olds: Vec<&'a SourceMemo>,
    keys: &mut Keys,
    buf: &mut String,
    report: &mut Report,
) -> Compared<'a> {
    let sources = &input.composite.sources;
    let mut memos: Vec<SourceMemo> = Vec::with_capacity(sources.len());
    let mut touched = KeyIndex::default();
    let mut touches: Vec<Touch<'a>> = Vec::new();
    let mut changes: Vec<Change<'a>> = Vec::new();
    let mut reads_changed = false;
    for (u, (source, old)) in sources.iter().zip(olds).enumerate() {
        let mut memo = old.clone();
        match input.reads.get(&source.uri) {
            Some(Read::Complete(items)) => {
                // A key the old memo of an include source held has an entry that names it.
                let uri = source.uri.as_str();
                let maybe_held = |key: &str| {
                    source.mode == Mode::Exclude
                        || previous
                            .entries
                            .get(key)
                            .is_some_and(|e| e.contributors.contains_key(uri))
                };
                let (old, read) = (old.items(), &items[..]);
                if let Some(now) = diff(keys, buf, old, read, maybe_held, &mut changes) {
                    memo.set_items(now);
                    reads_changed = true;
                }
                for change in changes.drain(..) {
                    let h = hash(&change.key);
                    let t = match touched.find(h, &change.key, |t| &touches[t].key) {
                        Some(t) => t,
                        None => {
                            touched.insert(h, touches.len());
                            touches.push(Touch {
                                key: change.key.clone(),
                                holds: Vec::new(),
                            });
                            touches.len() - 1
                        }
                    };
                    if source.mode == Mode::Include {
                        touches[t].holds.push((u, change.held));
                    }
                }
                memo.healthy = true;
                memo.last_ok_ms = Some(input.now_ms);
                memo.last_error = None;
            }
            Some(Read::Failed(error)) => {
                memo.healthy = false;
                memo.last_error = Some(error.clone());
            }
            None => {
                memo.healthy = false;
                memo.last_error = Some("the source was not read".into());
            }
        }
        if !memo.healthy {
            report.unhealthy.push((
                source.uri.clone(),
                memo.last_error.clone().unwrap_or_default(),
            ));
        }
        memos.push(memo);
    }
    Compared {
        memos,
        touches,
        changed: reads_changed,
    }
}
