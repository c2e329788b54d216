//! The total of a search: how many documents match any of its clauses, counted in a bitset
//! filled straight from the postings' blocks.
//!
//! Whether a document matches at all is decided by plain terms and prefixes (the scores play
//! no part), so counting needs neither weights nor scorers: each term's postings are read a
//! block of 128 documents at a time into one bitset per segment, and each prefix adds the
//! documents its expansion found (shared with the ranking). tantivy's `Count` over a union
//! does the same work through a scorer per clause, a call per document and clause, which
//! cost a fifth of a search.

use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};
use tantivy_common::BitSet;

use crate::prefix::PrefixQuery;

/// The clauses that decide whether a document matches a search.
#[derive(Default)]
pub struct Matching {
    pub terms: Vec<Term>,
    pub prefixes: Vec<PrefixQuery>,
}

impl Matching {
    /// The number of live documents of `searcher` matching any term or prefix.
    pub fn count(&self, searcher: &Searcher) -> tantivy::Result<usize> {
        let mut total = 0;
        for reader in searcher.segment_readers() {
            let mut docs = BitSet::with_max_value(reader.max_doc());
            for prefix in &self.prefixes {
                let found = prefix.docs(reader)?;
                for bucket in 0..reader.max_doc().div_ceil(64) {
                    let mut set = found.tinyset(bucket);
                    while let Some(low) = set.pop_lowest() {
                        docs.insert(bucket * 64 + low);
                    }
                }
            }
            for term in &self.terms {
                let inverted = reader.inverted_index(term.field())?;
                let Some(info) = inverted.get_term_info(term)? else {
                    continue;
                };
                let mut postings =
                    inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
                while !postings.docs().is_empty() {
                    for &doc in postings.docs() {
                        docs.insert(doc);
                    }
                    postings.advance();
                }
            }
            if let Some(alive) = reader.alive_bitset() {
                docs.intersect_update(alive.bitset());
            }
            total += docs.len();
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::Count;
    use tantivy::query::{BooleanQuery, Query, TermQuery};

    use super::*;
    use crate::query::{self, Parsed};
    use crate::sample::{catalog, Rng};
    use crate::Kind;

    #[test]
    fn counts_what_a_union_of_its_terms_and_prefixes_matches() {
        let mut rng = Rng::new(0xc0);
        let index = catalog(&mut rng);
        for kind in [Kind::Track, Kind::Album] {
            let (searcher, fields) = index.searcher(kind);
            let deleted: u32 = searcher
                .segment_readers()
                .iter()
                .map(|r| r.num_deleted_docs())
                .sum();
            assert!(kind == Kind::Album || deleted > 0);
            for round in 0..150 {
                let text = rng.query(round % 2 == 0);
                let Some(parsed) = Parsed::new(&text) else {
                    continue;
                };
                let matching = query::build(&fields, &parsed).matching;
                let mut union: Vec<Box<dyn Query>> = Vec::new();
                for term in &matching.terms {
                    union.push(Box::new(TermQuery::new(
                        term.clone(),
                        IndexRecordOption::Basic,
                    )));
                }
                for prefix in &matching.prefixes {
                    union.push(Box::new(prefix.clone()));
                }
                let expected = searcher
                    .search(&BooleanQuery::union(union), &Count)
                    .unwrap();
                assert_eq!(matching.count(&searcher).unwrap(), expected, "{text:?}");
            }
        }
    }
}
