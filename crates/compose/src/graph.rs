//! Composites may use composites as sources; a cycle among them is refused when configured.

use std::collections::{BTreeMap, BTreeSet};

/// A cycle reachable from `start` through `edges` (playlist → its sources), as the list of
/// playlists along it, starting and ending with the same one; `None` if there is none.
pub fn find_cycle(start: &str, edges: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, Vec<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    visit(start, edges, &mut Vec::new(), &mut BTreeSet::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(a, bs)| (a.to_string(), bs.iter().map(|b| b.to_string()).collect()))
            .collect()
    }

    #[test]
    fn finds_and_names_cycles() {
        let g = graph(&[("a", &["b", "x"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(
            find_cycle("a", &g),
            Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
        );
        let g = graph(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &[])]);
        assert_eq!(find_cycle("a", &g), None, "a diamond is not a cycle");
        assert!(
            find_cycle("a", &graph(&[("a", &["a"])])).is_some(),
            "a playlist cannot be its own source"
        );
    }
}
