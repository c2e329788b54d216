//! The `append` and `interleave` orders of newcomers, shared by both sync paths.

use crate::model::Ordering;

/// Hands over newcomers grouped by source: one from each source in turn (`interleave`), or
/// source after source.
pub(super) fn in_source_order<T: Copy>(
    ordering: Ordering,
    per_source: &[Vec<T>],
    mut push: impl FnMut(T),
) {
    if ordering == Ordering::Interleave {
        let longest = per_source.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..longest {
            for list in per_source {
                if let Some(&s) = list.get(i) {
                    push(s);
                }
            }
        }
    } else {
        per_source.iter().flatten().for_each(|&s| push(s));
    }
}
