//! The edit plan for a target, and its meaning on a list.

use medley_domain::TrackId;
use serde::{Deserialize, Serialize};

/// The edits that take the target from its current items to the composite's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// `(position, track id)` of items to remove, positions in the current target, ascending.
    pub remove: Vec<(usize, TrackId)>,
    /// `(position, track id)` to insert after the removals, in ascending final positions:
    /// inserting each in this order at its position gives the final list.
    pub insert: Vec<(usize, TrackId)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.insert.is_empty()
    }

    /// Applies the plan to a list of track ids: the meaning every executor must reproduce.
    pub fn apply(&self, target: &[TrackId]) -> Vec<TrackId> {
        let mut out: Vec<TrackId> = target
            .iter()
            .enumerate()
            .filter(|(i, _)| self.remove.binary_search_by_key(i, |(p, _)| *p).is_err())
            .map(|(_, t)| t.clone())
            .collect();
        for (position, id) in &self.insert {
            out.insert((*position).min(out.len()), id.clone());
        }
        out
    }

    /// Runs of insertions at consecutive positions: `(first position, ids)`. An executor
    /// writes each run in one request (or batches of its API's limit).
    pub fn insert_runs(&self) -> Vec<(usize, Vec<TrackId>)> {
        let mut runs: Vec<(usize, Vec<TrackId>)> = Vec::new();
        for (position, id) in &self.insert {
            match runs.last_mut() {
                Some((start, ids)) if *start + ids.len() == *position => ids.push(id.clone()),
                _ => runs.push((*position, vec![id.clone()])),
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(s: &[&str]) -> Vec<TrackId> {
        s.iter().map(|x| TrackId::from(*x)).collect()
    }

    #[test]
    fn removals_then_insertions() {
        let plan = Plan {
            remove: vec![(1, "b".into())],
            insert: vec![(0, "x".into()), (3, "y".into()), (4, "z".into())],
        };
        assert_eq!(
            plan.apply(&ids(&["a", "b", "c"])),
            ids(&["x", "a", "c", "y", "z"])
        );
        assert_eq!(
            plan.insert_runs(),
            vec![(0, ids(&["x"])), (3, ids(&["y", "z"]))]
        );
    }
}
