//! [`SumWhere`]: the documents of a filter, each scored by the filter plus every clause it
//! matches (what `+filter clause clause …` gives, without scoring the clauses' union), found
//! by seeking instead of by walking unions.
//!
//! tantivy's unions read ahead 4,096 documents of every clause into a buffer. That is fast for
//! walking all the documents of a union, but jumping to a document far ahead refills the
//! buffer: scoring a few documents through a union costs about as much as walking it whole.
//! Here each clause is sought on its own (skip lists for terms), so checking a document costs
//! a few seeks, whatever the clauses' lengths.

use tantivy::query::{EnableScoring, Explanation, Query, QueryClone, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError};

/// The documents `filter` matches, scored by `filter` plus every clause each one matches.
#[derive(Debug)]
pub struct SumWhere {
    pub filter: Box<dyn Query>,
    pub clauses: Vec<Box<dyn Query>>,
}

impl Clone for SumWhere {
    fn clone(&self) -> SumWhere {
        SumWhere {
            filter: self.filter.box_clone(),
            clauses: self.clauses.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl Query for SumWhere {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let filter = self.filter.weight(scoring)?;
        let clauses = if scoring.is_scoring_enabled() {
            self.clauses
                .iter()
                .map(|q| q.weight(scoring))
                .collect::<tantivy::Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        Ok(Box::new(SumWhereWeight { filter, clauses }))
    }
}

struct SumWhereWeight {
    filter: Box<dyn Weight>,
    clauses: Vec<Box<dyn Weight>>,
}

impl Weight for SumWhereWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(SumWhereScorer {
            filter: self.filter.scorer(reader, boost)?,
            clauses: self
                .clauses
                .iter()
                .map(|w| w.scorer(reader, boost))
                .collect::<tantivy::Result<_>>()?,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain(self.scorer(reader, 1.0)?, doc, "sum where")
    }
}

struct SumWhereScorer {
    filter: Box<dyn Scorer>,
    clauses: Vec<Box<dyn Scorer>>,
}

impl DocSet for SumWhereScorer {
    fn advance(&mut self) -> DocId {
        self.filter.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.filter.seek(target)
    }

    fn doc(&self) -> DocId {
        self.filter.doc()
    }

    fn size_hint(&self) -> u32 {
        self.filter.size_hint()
    }
}

impl Scorer for SumWhereScorer {
    fn score(&mut self) -> Score {
        let doc = self.filter.doc();
        let mut score = self.filter.score();
        for clause in &mut self.clauses {
            if clause.doc() < doc {
                clause.seek(doc);
            }
            if clause.doc() == doc {
                score += clause.score();
            }
        }
        score
    }
}

/// The score `scorer` gives `doc`, or an error if it does not match it. tantivy's `seek` wants
/// a target at or after the current document: a fresh scorer may already be past `doc`.
pub(crate) fn explain(
    mut scorer: Box<dyn Scorer>,
    doc: DocId,
    what: &'static str,
) -> tantivy::Result<Explanation> {
    if scorer.doc() < doc {
        scorer.seek(doc);
    }
    if scorer.doc() == doc {
        Ok(Explanation::new(what, scorer.score()))
    } else {
        Err(TantivyError::InvalidArgument(format!(
            "document {doc} does not match"
        )))
    }
}
