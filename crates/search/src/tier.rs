//! Two query shapes that score a few documents cheaply, found by seeking instead of by
//! walking unions.
//!
//! tantivy's unions read ahead 4,096 documents of every clause into a buffer. That is fast for
//! walking all the documents of a union, but jumping to a document far ahead refills the
//! buffer: scoring a few hundred scattered documents through a union costs about as much as
//! walking it whole. The two queries here seek each clause on its own (skip lists for terms),
//! so checking a document costs a few seeks, whatever the clauses' lengths.
//!
//! - [`Tier`]: one query term's constant score, `own` if the term is in the own name, else
//!   `related` if it is in a related name (what a disjunction-max of two constant scores
//!   gives, without the unions).
//! - [`SumWhere`]: the documents of a filter, each scored by the filter plus every clause it
//!   matches (what `+filter clause clause …` gives, without scoring the clauses' union).

use tantivy::query::{EnableScoring, Explanation, Query, QueryClone, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, TERMINATED};

use crate::constant::unscored;

/// Matches what any of `own` or `related` matches; scores `own_score` where one of `own`
/// matches, else `related_score`. The clauses themselves are not scored.
#[derive(Debug)]
pub struct Tier {
    pub own: Vec<Box<dyn Query>>,
    pub related: Vec<Box<dyn Query>>,
    pub own_score: Score,
    pub related_score: Score,
}

impl Clone for Tier {
    fn clone(&self) -> Tier {
        Tier {
            own: self.own.iter().map(|q| q.box_clone()).collect(),
            related: self.related.iter().map(|q| q.box_clone()).collect(),
            own_score: self.own_score,
            related_score: self.related_score,
        }
    }
}

impl Query for Tier {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let unscored = unscored(&scoring);
        let weights = |queries: &[Box<dyn Query>]| {
            queries
                .iter()
                .map(|q| q.weight(unscored))
                .collect::<tantivy::Result<Vec<_>>>()
        };
        Ok(Box::new(TierWeight {
            own: weights(&self.own)?,
            related: weights(&self.related)?,
            own_score: self.own_score,
            related_score: self.related_score,
        }))
    }
}

struct TierWeight {
    own: Vec<Box<dyn Weight>>,
    related: Vec<Box<dyn Weight>>,
    own_score: Score,
    related_score: Score,
}

impl Weight for TierWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut clauses = Vec::with_capacity(self.own.len() + self.related.len());
        for weight in self.own.iter().chain(&self.related) {
            clauses.push(weight.scorer(reader, 1.0)?);
        }
        let mut scorer = TierScorer {
            clauses,
            own: self.own.len(),
            own_score: boost * self.own_score,
            related_score: boost * self.related_score,
            doc: 0,
        };
        scorer.doc = scorer.first();
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain(self.scorer(reader, 1.0)?, doc, "tier")
    }
}

/// A plain union: the smallest current document of its clauses.
struct TierScorer {
    /// The `own` clauses first, then the related ones.
    clauses: Vec<Box<dyn Scorer>>,
    own: usize,
    own_score: Score,
    related_score: Score,
    doc: DocId,
}

impl TierScorer {
    fn first(&self) -> DocId {
        self.clauses
            .iter()
            .map(|c| c.doc())
            .min()
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for TierScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.doc;
        if doc == TERMINATED {
            return TERMINATED;
        }
        for clause in &mut self.clauses {
            if clause.doc() == doc {
                clause.advance();
            }
        }
        self.doc = self.first();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for clause in &mut self.clauses {
            if clause.doc() < target {
                clause.seek(target);
            }
        }
        self.doc = self.first();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.clauses
            .iter()
            .map(|c| c.size_hint())
            .fold(0u32, u32::saturating_add)
    }
}

impl Scorer for TierScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        if self.clauses[..self.own].iter().any(|c| c.doc() == doc) {
            self.own_score
        } else {
            self.related_score
        }
    }
}

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
