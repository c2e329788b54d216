//! The best `k` documents of a union of scored parts, without scoring all of the union
//! (WAND: Broder, Carmel, Herscovici, Soffer and Zien, 2003).
//!
//! A document's score is the sum of the parts it matches, and each part has a bound: no
//! document scores more than it in that part. Once `k` documents are held, the worst of them
//! sets a threshold (or a floor given by the caller sets it from the start). The parts are kept
//! in the order of the document each is on; adding up their bounds in that order, the first
//! part where the sum passes the threshold is the pivot, and no document before the pivot's can
//! pass: every part behind it jumps there at once (a seek, skip lists for terms), and a
//! document is scored only when the parts on it are worth the threshold together.
//!
//! Here that pays because the parts of a search are one query term each, worth a constant of
//! about a thousand: once the page holds documents matching m of the terms, a document is
//! looked at only where m parts meet, and the long postings of the common words of a long
//! query ("of", "the", "in") are sought through, not walked. With a floor just under the
//! score of documents matching every term, only the part holding those is walked.
//!
//! tantivy has block-max WAND for unions of BM25 terms, not for the constant parts these
//! queries are made of, and its pruning collectors cannot count the union in the same pass;
//! the total is counted apart (`count.rs`).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::query::{Bm25Weight, EnableScoring, Query, Scorer, Weight};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, Term, TERMINATED};

/// One part of a ranked union: a query and the most a document can score in it.
#[derive(Debug)]
pub struct Part {
    pub query: Box<dyn Query>,
    pub bound: Bound,
}

/// The most a document can score in a part.
#[derive(Clone, Debug)]
pub enum Bound {
    /// A constant score.
    Constant(Score),
    /// `factor` times the BM25 of `terms` (one term, or a phrase of several) in this index.
    Bm25 { terms: Vec<Term>, factor: Score },
    /// The sum of several bounds.
    Sum(Vec<Bound>),
}

impl Bound {
    /// The bound's value for the documents of `searcher`.
    pub fn value(&self, searcher: &Searcher) -> tantivy::Result<Score> {
        Ok(match self {
            Bound::Constant(score) => *score,
            Bound::Bm25 { terms, factor } => {
                factor * Bm25Weight::for_terms(searcher, terms)?.max_score()
            }
            Bound::Sum(bounds) => {
                let mut sum = 0.0;
                for bound in bounds {
                    sum += bound.value(searcher)?;
                }
                sum
            }
        })
    }
}

/// A bound a little above `bound`: scores are sums of floats, added in another order than the
/// bounds are, so a document's score may pass its exact bound by a rounding error.
fn loose(bound: Score) -> Score {
    bound * (1.0 + 1e-4) + 1e-3
}

/// A search's parts made ready to rank: their weights and bounds, computed once for the
/// ranks asked of them.
pub struct Ranking {
    weights: Vec<Box<dyn Weight>>,
    bounds: Vec<Score>,
}

impl Ranking {
    pub fn new(searcher: &Searcher, parts: &[Part]) -> tantivy::Result<Ranking> {
        let scoring = EnableScoring::enabled_from_searcher(searcher);
        let mut weights = Vec::with_capacity(parts.len());
        let mut bounds = Vec::with_capacity(parts.len());
        for part in parts {
            weights.push(part.query.weight(scoring)?);
            bounds.push(loose(part.bound.value(searcher)?));
        }
        Ok(Ranking { weights, bounds })
    }

    /// The best `k` documents scoring above `floor` (the sum of the parts each matches),
    /// with their scores, best first; equal scores in the order of their addresses, as
    /// tantivy's `TopDocs` gives them. Only documents whose parts' bounds pass the floor are
    /// looked at: a high floor walks the documents of the parts worth that much alone.
    pub fn top(
        &self,
        searcher: &Searcher,
        k: usize,
        floor: Score,
    ) -> tantivy::Result<Vec<(Score, DocAddress)>> {
        if k == 0 {
            return Ok(Vec::new());
        }
        let mut best = Best::new(k, floor);
        for (segment_ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut scorers = Vec::with_capacity(self.weights.len());
            for weight in &self.weights {
                scorers.push(weight.scorer(reader, 1.0)?);
            }
            let segment = Segment {
                segment_ord: segment_ord as u32,
                alive: reader.alive_bitset(),
                bounds: &self.bounds,
            };
            segment.walk(&mut scorers, &mut best);
        }
        Ok(best.into_sorted())
    }
}

struct Segment<'a> {
    segment_ord: u32,
    alive: Option<&'a tantivy::fastfield::AliveBitSet>,
    bounds: &'a [Score],
}

impl Segment<'_> {
    fn walk(&self, scorers: &mut [Box<dyn Scorer>], best: &mut Best) {
        let bounds = self.bounds;
        // Each part's current document, and the parts not yet exhausted by it.
        let mut docs: Vec<DocId> = scorers.iter().map(|s| s.doc()).collect();
        let mut cursors: Vec<usize> = (0..scorers.len()).collect();
        let mut scores: Vec<Option<Score>> = vec![None; scorers.len()];
        loop {
            cursors.retain(|&i| docs[i] != TERMINATED);
            cursors.sort_by_key(|&i| docs[i]);
            // The pivot: the first document that the parts up to it could lift above the
            // threshold; no document before it can enter.
            let threshold = best.threshold();
            let mut most = 0.0;
            let Some(pivot) = cursors.iter().position(|&i| {
                most += bounds[i];
                most > threshold
            }) else {
                return;
            };
            let target = docs[cursors[pivot]];
            if docs[cursors[0]] != target {
                // Every part before the pivot moves to it at once.
                for &i in &cursors[..pivot] {
                    if docs[i] < target {
                        docs[i] = scorers[i].seek(target);
                    }
                }
                continue;
            }
            let on = cursors.iter().take_while(|&&i| docs[i] == target).count();
            if !self.alive.is_some_and(|alive| alive.is_deleted(target)) {
                // Scored part by part while the scores so far and the bounds of the parts
                // left can still pass the threshold.
                scores.fill(None);
                let mut rest: Score = cursors[..on].iter().map(|&i| bounds[i]).sum();
                let mut partial = 0.0;
                for &i in &cursors[..on] {
                    let score = scorers[i].score();
                    scores[i] = Some(score);
                    partial += score;
                    rest -= bounds[i];
                    if partial + rest <= threshold {
                        break;
                    }
                }
                if partial + rest > threshold {
                    // Added in the parts' own order, so that equal documents get equal sums.
                    let score: Score = scores.iter().flatten().sum();
                    best.offer(score, DocAddress::new(self.segment_ord, target));
                }
            }
            for &i in &cursors[..on] {
                docs[i] = scorers[i].advance();
            }
        }
    }
}

/// The best documents seen so far scoring above a floor, at most `k`, the worst on top.
struct Best {
    k: usize,
    floor: Score,
    heap: BinaryHeap<Entry>,
}

impl Best {
    fn new(k: usize, floor: Score) -> Best {
        Best {
            k,
            floor,
            heap: BinaryHeap::with_capacity(k.min(1024) + 1),
        }
    }

    /// The score a document must pass to enter: below it, it cannot.
    fn threshold(&self) -> Score {
        match self.heap.peek() {
            Some(worst) if self.heap.len() == self.k => worst.score.max(self.floor),
            _ => self.floor,
        }
    }

    /// Keeps the document if it scores above the floor and is among the best `k` so far.
    /// Documents come in the order of their addresses, so an equal score never enters a full
    /// set: the documents held came first.
    fn offer(&mut self, score: Score, address: DocAddress) {
        if score <= self.floor {
            return;
        }
        let entry = Entry { score, address };
        if self.heap.len() < self.k {
            self.heap.push(entry);
        } else if self.heap.peek().is_some_and(|worst| entry < *worst) {
            self.heap.pop();
            self.heap.push(entry);
        }
    }

    fn into_sorted(self) -> Vec<(Score, DocAddress)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|e| (e.score, e.address))
            .collect()
    }
}

/// Ordered from the best to the worst: by score, highest first, then by address.
struct Entry {
    score: Score,
    address: DocAddress,
}

impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.address.cmp(&other.address))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, QueryClone};

    use super::*;
    use crate::query::{self, Parsed};
    use crate::sample::{catalog, Rng};
    use crate::Kind;

    fn close(a: Score, b: Score) -> bool {
        (a - b).abs() <= 1e-4 * b.abs().max(1.0)
    }

    #[test]
    fn the_best_documents_are_those_scoring_every_part_finds() {
        let mut rng = Rng::new(0x5eed);
        let index = catalog(&mut rng);
        let (searcher, fields) = index.searcher(Kind::Track);
        assert!(searcher.segment_readers().len() > 1);
        let mut compared = 0;
        for round in 0..300 {
            let text = rng.query(round % 3 == 0);
            let Some(parsed) = Parsed::new(&text) else {
                continue;
            };
            let plan = query::build(&fields, &parsed);
            let union = BooleanQuery::new(
                plan.parts
                    .iter()
                    .map(|p| (Occur::Should, p.query.box_clone()))
                    .collect(),
            );
            let ranking = Ranking::new(&searcher, &plan.parts).unwrap();
            for k in [1, 7, 20, 150] {
                let expected = searcher.search(&union, &TopDocs::with_limit(k)).unwrap();
                let got = ranking.top(&searcher, k, Score::NEG_INFINITY).unwrap();
                // The same scores, place by place, each the document's own (explained by the
                // union); so the same documents but for ties in which rounding decides.
                assert_eq!(got.len(), expected.len(), "{text:?}, k = {k}");
                for ((a, address), (b, other)) in got.iter().zip(&expected) {
                    assert!(close(*a, *b), "{text:?}, k = {k}: {a} against {b}");
                    if address != other {
                        let own = union.explain(&searcher, *address).unwrap().value();
                        assert!(close(*a, own), "{text:?}, k = {k}: {a} against {own}");
                    }
                }
                // With a floor: the same documents as far as they pass it, and no more.
                if let Some(floor) = plan.first_tier {
                    let first = ranking.top(&searcher, k, floor).unwrap();
                    let above = got.iter().take_while(|h| h.0 > floor).count();
                    assert_eq!(first.len(), above, "{text:?}, k = {k}");
                    for ((a, _), (b, _)) in first.iter().zip(&got) {
                        assert!(close(*a, *b), "{text:?}, k = {k}: {a} against {b}");
                    }
                }
                let mut distinct: Vec<DocAddress> = got.iter().map(|h| h.1).collect();
                distinct.sort();
                distinct.dedup();
                assert_eq!(distinct.len(), got.len());
                compared += 1;
            }
        }
        assert!(compared > 1000);
    }

    #[test]
    fn no_part_bound_is_passed() {
        let mut rng = Rng::new(0xb0b);
        let index = catalog(&mut rng);
        let (searcher, fields) = index.searcher(Kind::Track);
        let scoring = EnableScoring::enabled_from_searcher(&searcher);
        for _ in 0..100 {
            let Some(parsed) = Parsed::new(&rng.words(8)) else {
                continue;
            };
            for part in query::build(&fields, &parsed).parts {
                let bound = part.bound.value(&searcher).unwrap();
                let weight = part.query.weight(scoring).unwrap();
                for reader in searcher.segment_readers() {
                    let mut scorer = weight.scorer(reader, 1.0).unwrap();
                    while scorer.doc() != TERMINATED {
                        assert!(scorer.score() <= bound, "{:?}", part.query);
                        scorer.advance();
                    }
                }
            }
        }
    }
}
