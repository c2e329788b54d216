//! [`Constant`]: the documents a query matches, each with the same score, and the query
//! itself unscored; [`Holds`]: the documents holding a term, unscored.
//!
//! tantivy's `ConstScoreQuery` scores its inner query anyway and throws the score away; for a
//! union of terms, that is BM25 for every posting and a buffer of scores per union. Built with
//! scoring disabled, the inner query only finds documents.

use tantivy::query::{
    ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, QueryClone, Scorer, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, Score, SegmentReader, Term};

use crate::sum_where::explain;

/// Matches what `query` matches, every document scoring `score`.
#[derive(Debug)]
pub struct Constant {
    query: Box<dyn Query>,
    score: Score,
}

impl Clone for Constant {
    fn clone(&self) -> Constant {
        Constant::new(self.query.box_clone(), self.score)
    }
}

impl Constant {
    pub fn new(query: Box<dyn Query>, score: Score) -> Constant {
        Constant { query, score }
    }
}

impl Query for Constant {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ConstantWeight {
            inner: self.query.weight(unscored(&scoring))?,
            score: self.score,
        }))
    }
}

/// `scoring`, with scoring disabled.
pub fn unscored<'a>(scoring: &'a EnableScoring<'_>) -> EnableScoring<'a> {
    match scoring.searcher() {
        Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
        None => EnableScoring::disabled_from_schema(scoring.schema()),
    }
}

struct ConstantWeight {
    inner: Box<dyn Weight>,
    score: Score,
}

impl Weight for ConstantWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inner = self.inner.scorer(reader, 1.0)?;
        Ok(Box::new(ConstScorer::new(inner, boost * self.score)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain(self.scorer(reader, 1.0)?, doc, "constant")
    }
}

/// Matches the documents holding a term, each scoring 1: for clauses that only decide whether
/// a document matches. tantivy's `TermQuery` makes a BM25 table even with scoring disabled
/// (a kilobyte per clause, computed for the weight and copied for each scorer): making those
/// weights took about a seventh of a search's time in its profile.
#[derive(Clone, Debug)]
pub struct Holds(pub Term);

impl Query for Holds {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for Holds {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inverted = reader.inverted_index(self.0.field())?;
        Ok(
            match inverted.read_postings(&self.0, IndexRecordOption::Basic)? {
                Some(postings) => Box::new(ConstScorer::new(postings, boost)),
                None => Box::new(EmptyScorer),
            },
        )
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain(self.scorer(reader, 1.0)?, doc, "holds")
    }
}
