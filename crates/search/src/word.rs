//! [`Word`]: one query term's part of a search, from one cursor per field.
//!
//! A document holding the term in its own name scores `own_score`, one holding it only in
//! related names `related_score`, and each field holding it adds its BM25 times the field's
//! factor. Built as a query deciding the constant that filters a BM25 clause per field, each
//! field's postings were opened twice (to decide the match, then for BM25) and the second set
//! sought again for every document scored. Here one cursor per field does both. With scoring
//! disabled (inside a constant score), only whether a document holds the word is read.
//! The last term's prefix expansions decide a match (own or related) and add no BM25.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{BitSetDocSet, Bm25Weight, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

use crate::prefix::PrefixQuery;
use crate::sum_where::explain;

/// One field where the term may be: scored by BM25 times `factor`.
#[derive(Clone, Debug)]
pub struct Field {
    pub term: Term,
    pub factor: Score,
    /// The own name (else a related name).
    pub own: bool,
}

/// One query term, as the module documents.
#[derive(Clone, Debug)]
pub struct Word {
    pub fields: Vec<Field>,
    /// Prefix expansions of the last term, each with whether it is in the own name.
    pub prefixes: Vec<(PrefixQuery, bool)>,
    pub own_score: Score,
    pub related_score: Score,
}

impl Query for Word {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let mut bm25 = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            bm25.push(match scoring {
                EnableScoring::Enabled {
                    statistics_provider,
                    ..
                } => Some(
                    Bm25Weight::for_terms(statistics_provider, std::slice::from_ref(&field.term))?
                        .boost_by(field.factor),
                ),
                EnableScoring::Disabled { .. } => None,
            });
        }
        Ok(Box::new(WordWeight {
            word: self.clone(),
            bm25,
        }))
    }
}

struct WordWeight {
    word: Word,
    /// Per field: its BM25 with the factor, when scoring.
    bm25: Vec<Option<Bm25Weight>>,
}

impl Weight for WordWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut terms = Vec::with_capacity(self.word.fields.len());
        for (field, bm25) in self.word.fields.iter().zip(&self.bm25) {
            let inverted = reader.inverted_index(field.term.field())?;
            let record = match bm25 {
                Some(_) => IndexRecordOption::WithFreqs,
                None => IndexRecordOption::Basic,
            };
            let Some(postings) = inverted.read_postings(&field.term, record)? else {
                continue;
            };
            let bm25 = match bm25 {
                Some(bm25) => Some((
                    reader.get_fieldnorms_reader(field.term.field())?,
                    bm25.boost_by(boost),
                )),
                None => None,
            };
            let cursor = Cursor { postings, bm25 };
            terms.push((cursor, field.own));
        }
        let mut prefixes = Vec::with_capacity(self.word.prefixes.len());
        for (prefix, own) in &self.word.prefixes {
            prefixes.push((BitSetDocSet::from(prefix.docs(reader)?), *own));
        }
        let mut scorer = WordScorer {
            terms,
            prefixes,
            own_score: boost * self.word.own_score,
            related_score: boost * self.word.related_score,
            doc: 0,
        };
        scorer.doc = scorer.first();
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain(self.scorer(reader, 1.0)?, doc, "word")
    }
}

/// A field's postings, with the field's norms and BM25 when scoring.
struct Cursor {
    postings: SegmentPostings,
    bm25: Option<(FieldNormReader, Bm25Weight)>,
}

impl Cursor {
    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn advance(&mut self) {
        self.postings.advance();
    }

    fn seek(&mut self, target: DocId) {
        self.postings.seek(target);
    }

    fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }

    /// BM25 of the current document, as tantivy's term scorer computes it.
    fn score(&mut self) -> Score {
        match &self.bm25 {
            Some((norms, bm25)) => {
                let doc = self.postings.doc();
                bm25.score(norms.fieldnorm_id(doc), self.postings.term_freq())
            }
            None => 0.0,
        }
    }
}

/// The union of the fields' and prefixes' documents.
struct WordScorer {
    terms: Vec<(Cursor, bool)>,
    prefixes: Vec<(BitSetDocSet, bool)>,
    own_score: Score,
    related_score: Score,
    doc: DocId,
}

impl WordScorer {
    fn first(&self) -> DocId {
        let terms = self.terms.iter().map(|(c, _)| c.doc());
        let prefixes = self.prefixes.iter().map(|(p, _)| p.doc());
        terms.chain(prefixes).min().unwrap_or(TERMINATED)
    }
}

impl DocSet for WordScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.doc;
        if doc == TERMINATED {
            return TERMINATED;
        }
        for (cursor, _) in &mut self.terms {
            if cursor.doc() == doc {
                cursor.advance();
            }
        }
        for (prefix, _) in &mut self.prefixes {
            if prefix.doc() == doc {
                prefix.advance();
            }
        }
        self.doc = self.first();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for (cursor, _) in &mut self.terms {
            if cursor.doc() < target {
                cursor.seek(target);
            }
        }
        for (prefix, _) in &mut self.prefixes {
            if prefix.doc() < target {
                prefix.seek(target);
            }
        }
        self.doc = self.first();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        let terms = self.terms.iter().map(|(cursor, _)| cursor.size_hint());
        let prefixes = self.prefixes.iter().map(|(p, _)| p.size_hint());
        terms.chain(prefixes).fold(0u32, u32::saturating_add)
    }
}

impl Scorer for WordScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let own = self.terms.iter().any(|(c, own)| *own && c.doc() == doc)
            || self.prefixes.iter().any(|(p, own)| *own && p.doc() == doc);
        let mut score = if own {
            self.own_score
        } else {
            self.related_score
        };
        for (cursor, _) in &mut self.terms {
            if cursor.doc() == doc {
                score += cursor.score();
            }
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::{
        BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, TermQuery,
    };

    use super::*;
    use crate::sample::{catalog, Rng, WORDS};
    use crate::Kind;

    /// The same scores, document by document, as tantivy's own queries give: the larger of
    /// two constant scores (the own name, related names) plus a BM25 clause per field.
    #[test]
    fn scores_as_tantivy_scores_the_constants_and_the_bm25_of_each_field() {
        let mut rng = Rng::new(0x3047d);
        let index = catalog(&mut rng);
        for kind in [Kind::Track, Kind::Album] {
            let (searcher, fields) = index.searcher(kind);
            let scoring = EnableScoring::enabled_from_searcher(&searcher);
            for (i, text) in WORDS.iter().enumerate() {
                // Every other word also as a prefix: its first letters.
                let prefix = (i % 2 == 0).then(|| &text[..text.len().min(2)]);
                let of = |field| Term::from_field_text(field, text);
                let expansions = |field| prefix.map(|p| PrefixQuery::new(field, p));
                let word = Word {
                    fields: [
                        (fields.name, 3.0, true),
                        (fields.name_alt, 2.0, true),
                        (fields.related, 1.0, false),
                        (fields.related_alt, 1.0, false),
                    ]
                    .map(|(field, factor, own)| Field {
                        term: of(field),
                        factor,
                        own,
                    })
                    .to_vec(),
                    prefixes: [(fields.name, true), (fields.related, false)]
                        .into_iter()
                        .filter_map(|(field, own)| Some((expansions(field)?, own)))
                        .collect(),
                    own_score: 1100.0,
                    related_score: 1000.0,
                };
                let holds = |field| -> Box<dyn Query> {
                    Box::new(TermQuery::new(of(field), IndexRecordOption::Basic))
                };
                let bm25 = |field, factor| -> Box<dyn Query> {
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(of(field), IndexRecordOption::WithFreqs)),
                        factor,
                    ))
                };
                let any = |clauses: Vec<Box<dyn Query>>, score| -> Box<dyn Query> {
                    Box::new(ConstScoreQuery::new(
                        Box::new(BooleanQuery::union(clauses)),
                        score,
                    ))
                };
                let mut own = vec![holds(fields.name), holds(fields.name_alt)];
                let mut related = vec![holds(fields.related), holds(fields.related_alt)];
                own.extend(expansions(fields.name).map(|p| Box::new(p) as Box<dyn Query>));
                related.extend(expansions(fields.related).map(|p| Box::new(p) as Box<dyn Query>));
                let before = BooleanQuery::union(vec![
                    Box::new(DisjunctionMaxQuery::new(vec![
                        any(own, 1100.0),
                        any(related, 1000.0),
                    ])),
                    bm25(fields.name, 3.0),
                    bm25(fields.name_alt, 2.0),
                    bm25(fields.related, 1.0),
                    bm25(fields.related_alt, 1.0),
                ]);
                let (now, then) = (
                    word.weight(scoring).unwrap(),
                    before.weight(scoring).unwrap(),
                );
                let mut matched = 0;
                for reader in searcher.segment_readers() {
                    let mut now = now.scorer(reader, 1.0).unwrap();
                    let mut then = then.scorer(reader, 1.0).unwrap();
                    while then.doc() != TERMINATED {
                        assert_eq!(now.doc(), then.doc(), "{text:?}");
                        let (a, b) = (now.score(), then.score());
                        assert!(
                            (a - b).abs() <= 1e-4 * b,
                            "{text:?} at {}: {a} against {b}",
                            then.doc()
                        );
                        matched += 1;
                        now.advance();
                        then.advance();
                    }
                    assert_eq!(now.doc(), TERMINATED);
                }
                assert!(matched > 0, "{text:?}");
            }
        }
    }
}
