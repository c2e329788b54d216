//! The rule, shared by both sync paths so that they decide alike.

use std::collections::BTreeMap;

use crate::model::{Options, Track};

/// The rule, for one entry.
#[allow(clippy::too_many_arguments)]
pub(super) fn wants(
    suppressed: bool,
    direct: bool,
    written: bool,
    contributors: &BTreeMap<String, Option<i64>>,
    excluded: bool,
    options: &Options,
    track: &Track,
    now_ms: i64,
) -> bool {
    if suppressed {
        false
    } else if direct || (options.archive && written) {
        true
    } else if contributors.is_empty() || excluded {
        false
    } else {
        let added_at = contributors.values().flatten().max().copied();
        options.filters.pass(track, added_at, now_ms)
    }
}
