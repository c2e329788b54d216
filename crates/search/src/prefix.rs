//! A query matching every term of a field that starts with a given prefix, with a constant
//! score. No user text is ever parsed as a regex: the automaton is a plain "starts with".
//!
//! A prefix expansion is the costly part of a query (it reads the postings of every term with
//! the prefix), and one search uses the same expansion in several clauses (to rank, to find
//! the documents matching every term, to count). Clones of a [`PrefixQuery`] share the set of
//! documents each segment's expansion found, so each one is read once per search.

use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, SegmentReader};
use tantivy_common::BitSet;
use tantivy_fst::Automaton;

use crate::sum_where::explain;

/// Matches documents having a term in `field` that starts with `prefix`.
#[derive(Clone, Debug)]
pub struct PrefixQuery {
    field: Field,
    prefix: String,
    /// Each segment's matching documents, once computed; shared by the clones.
    found: Arc<Found>,
}

#[derive(Default)]
struct Found(Mutex<Vec<(SegmentId, BitSet)>>);

impl std::fmt::Debug for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Found")
    }
}

impl PrefixQuery {
    pub fn new(field: Field, prefix: &str) -> PrefixQuery {
        PrefixQuery {
            field,
            prefix: prefix.to_owned(),
            found: Arc::default(),
        }
    }
}

impl Query for PrefixQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl PrefixQuery {
    /// The documents of `reader` with a term starting with the prefix.
    pub(crate) fn docs(&self, reader: &SegmentReader) -> tantivy::Result<BitSet> {
        let segment = reader.segment_id();
        let mut found = self.found.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, docs)) = found.iter().find(|(id, _)| *id == segment) {
            return Ok(docs.clone());
        }
        let mut docs = BitSet::with_max_value(reader.max_doc());
        let inverted = reader.inverted_index(self.field)?;
        let mut terms = inverted
            .terms()
            .search(StartsWith(self.prefix.as_bytes()))
            .into_stream()?;
        while terms.advance() {
            let mut postings = inverted
                .read_block_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            while !postings.docs().is_empty() {
                for &doc in postings.docs() {
                    docs.insert(doc);
                }
                postings.advance();
            }
        }
        found.push((segment, docs.clone()));
        Ok(docs)
    }
}

impl Weight for PrefixQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = BitSetDocSet::from(self.docs(reader)?);
        Ok(Box::new(ConstScorer::new(docs, boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain(self.scorer(reader, 1.0)?, doc, "prefix")
    }
}

/// Accepts byte strings starting with `.0`. State: bytes matched so far, or `None` once the
/// input has diverged.
struct StartsWith<'a>(&'a [u8]);

impl Automaton for StartsWith<'_> {
    type State = Option<usize>;

    fn start(&self) -> Option<usize> {
        Some(0)
    }

    fn is_match(&self, state: &Option<usize>) -> bool {
        *state == Some(self.0.len())
    }

    fn can_match(&self, state: &Option<usize>) -> bool {
        state.is_some()
    }

    fn will_always_match(&self, state: &Option<usize>) -> bool {
        self.is_match(state)
    }

    fn accept(&self, state: &Option<usize>, byte: u8) -> Option<usize> {
        match *state {
            Some(n) if n == self.0.len() => Some(n),
            Some(n) if self.0[n] == byte => Some(n + 1),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(a: &StartsWith<'_>, input: &str) -> bool {
        let mut state = a.start();
        for &b in input.as_bytes() {
            state = a.accept(&state, b);
            if !a.can_match(&state) {
                return false;
            }
        }
        a.is_match(&state)
    }

    #[test]
    fn matches_exactly_the_strings_with_the_prefix() {
        let a = StartsWith(b"beat");
        assert!(accepts(&a, "beat"));
        assert!(accepts(&a, "beatles"));
        assert!(!accepts(&a, "bea"));
        assert!(!accepts(&a, "abeat"));
        assert!(!accepts(&a, "boat"));
    }
}
