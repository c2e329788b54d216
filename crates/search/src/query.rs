//! Turning user text into a tantivy query, programmatically: user text is never handed to
//! tantivy's query parser, so no input can be a syntax error.
//!
//! The score of a document is the sum of the clauses it matches:
//!
//! | clause                                                                   | score              |
//! |--------------------------------------------------------------------------|--------------------|
//! | its whole own name equals the query, squashed ("AC-DC" = "AC/DC")         | [`EXACT_NAME`]     |
//! | each query term it matches in its own name (a token, a glued form, or a prefix for the last term) | [`TERM_IN_NAME`] |
//! | each other query term it matches in related names, likewise                | [`TERM_IN_RELATED`] |
//! | each term in its own name / glued own name / related names               | BM25 × 3 / × 2 / × 1 |
//! | the squashed query as a prefix of the squashed own name                  | 3                  |
//! | the terms as a phrase in its own name                                     | BM25 × 2           |
//!
//! With several terms, documents matching every term (or the whole name) also score
//! [`ALL_TERMS`], more than any other document can, so they always come first.
//!
//! The constants dwarf BM25 (a term's BM25 stays well under 100 here), so whole-name matches
//! come first, then documents by the number of query terms they match (all terms first),
//! among equals those matching more terms in their own name, then by BM25.
//!
//! A search ranks the union of its parts ([`Plan`], one part per query term) at most twice,
//! through `top.rs`, which looks only at documents the parts meeting on them can lift onto the
//! page: with several terms, first with a floor that only documents matching every term pass,
//! so that only they are walked; only when they do not fill the page, the whole union (the
//! costly part: common words match a large part of the catalog). The total is counted apart,
//! from the postings (`count.rs`). Each prefix expansion is read once per field and search.

use tantivy::query::{BooleanQuery, BoostQuery, PhraseQuery, Query};
use tantivy::{Score, Term};

use crate::constant::{Constant, Holds};
use crate::count::Matching;
use crate::normalize;
use crate::prefix::PrefixQuery;
use crate::schema::Fields;
use crate::sum_where::SumWhere;
use crate::top::{Bound, Part};
use crate::word::{self, Word};

/// Score of a document whose squashed own name equals the squashed query. Above
/// `MAX_TERMS * TERM_IN_NAME`, so it outranks any number of matched terms.
pub const EXACT_NAME: f32 = 10_000.0;
/// Score for each query term a document's own name matches.
pub const TERM_IN_NAME: f32 = 1_100.0;
/// Score for each query term a document matches only through related names. Less than
/// `TERM_IN_NAME`, but by less than `TERM_IN_NAME / MAX_TERMS`, so one more matched term
/// anywhere outweighs all terms moving from related names to the own name.
pub const TERM_IN_RELATED: f32 = 1_000.0;
/// Added, with several terms, to documents matching every term (or the whole name), so that
/// they come before all others whatever the BM25 of the others: above the most any other
/// document can score (`(MAX_TERMS - 1) * TERM_IN_NAME` plus BM25).
pub const ALL_TERMS: f32 = 20_000.0;

/// Terms beyond this many are ignored: they add cost, not precision.
pub const MAX_TERMS: usize = 8;
/// Prefix expansion of the last term starts at this many bytes: one letter would expand to
/// a large part of the vocabulary for results nobody wants.
const MIN_PREFIX_BYTES: usize = 2;

const NAME_BOOST: f32 = 3.0;
const NAME_ALT_BOOST: f32 = 2.0;
const PHRASE_BOOST: f32 = 2.0;
const SQUASHED_PREFIX_SCORE: f32 = 3.0;

/// User text, folded into what the index stores.
#[derive(Debug, PartialEq, Eq)]
pub struct Parsed {
    /// Distinct folded tokens, in query order, at most [`MAX_TERMS`].
    pub terms: Vec<String>,
    /// All tokens glued together.
    pub squashed: String,
}

impl Parsed {
    /// `None` when the text has no letters or digits.
    pub fn new(text: &str) -> Option<Parsed> {
        let tokens = normalize::tokens(text);
        if tokens.is_empty() {
            return None;
        }
        let squashed = normalize::squash(&tokens);
        let mut terms: Vec<String> = Vec::new();
        for token in tokens {
            if terms.len() == MAX_TERMS {
                break;
            }
            if !terms.contains(&token) {
                terms.push(token);
            }
        }
        Some(Parsed { terms, squashed })
    }
}

/// The queries of one search (`SearchIndex::search` runs them).
pub struct Plan {
    /// Every document matching any part, scored by the sum of the parts it matches, as the
    /// module documents; ranked by `top::Ranking`. One part per query term (its constant with
    /// its BM25 clauses), one for the squashed prefix, and one for the whole name (with
    /// several terms, the documents matching every term: [`ALL_TERMS`], with the whole name
    /// and the phrase).
    pub parts: Vec<Part>,
    /// With several terms: every document matching every term or the whole name scores
    /// above this, and no other does. They outrank every other document, so when enough of
    /// them fill the page, only they are looked at (`Ranking::top` with this floor), and the
    /// union of all parts (the costly part) is never ranked.
    pub first_tier: Option<Score>,
    /// What decides whether a document matches `parts`: to count them.
    pub matching: Matching,
}

/// The queries for `parsed` over an index with `fields`.
pub fn build(fields: &Fields, parsed: &Parsed) -> Plan {
    let f = fields;
    let last = parsed.terms.len() - 1;
    // One query per field for the last term's prefix: its clones share the expansion.
    let prefix = (parsed.terms[last].len() >= MIN_PREFIX_BYTES).then(|| {
        let p = &parsed.terms[last];
        (PrefixQuery::new(f.name, p), PrefixQuery::new(f.related, p))
    });
    let exact = || -> Box<dyn Query> {
        Box::new(Holds(Term::from_field_text(f.name_sq, &parsed.squashed)))
    };
    let squashed_prefix = (parsed.squashed.len() >= MIN_PREFIX_BYTES)
        .then(|| PrefixQuery::new(f.name_sq, &parsed.squashed));

    let mut parts: Vec<Part> = Vec::new();
    // Per term: what matches it, in the own name or in related names.
    let mut matchers: Vec<Box<dyn Query>> = Vec::new();
    // Every term and prefix that decides whether a document matches at all: to count.
    let mut matching = Matching {
        terms: vec![Term::from_field_text(f.name_sq, &parsed.squashed)],
        prefixes: prefix
            .iter()
            .flat_map(|(name, related)| [name.clone(), related.clone()])
            .collect(),
    };
    for (i, t) in parsed.terms.iter().enumerate() {
        matching.terms.extend(
            [f.name, f.name_alt, f.related, f.related_alt]
                .map(|field| Term::from_field_text(field, t)),
        );
        // Relevance among equals: BM25 in each field.
        let mut bounds = vec![Bound::Constant(TERM_IN_NAME.max(TERM_IN_RELATED))];
        let mut fields = Vec::new();
        for (field, factor, own) in [
            (f.name, NAME_BOOST, true),
            (f.name_alt, NAME_ALT_BOOST, true),
            (f.related, 1.0, false),
            (f.related_alt, 1.0, false),
        ] {
            let term = Term::from_field_text(field, t);
            bounds.push(Bound::Bm25 {
                terms: vec![term.clone()],
                factor,
            });
            fields.push(word::Field { term, factor, own });
        }
        let prefixes = prefix
            .iter()
            .filter(|_| i == last)
            .flat_map(|(name, related)| [(name.clone(), true), (related.clone(), false)])
            .collect();
        // Counted once per term: in the own name if it matches there, else in related names.
        let word = Word {
            fields,
            prefixes,
            own_score: TERM_IN_NAME,
            related_score: TERM_IN_RELATED,
        };
        matchers.push(Box::new(word.clone()));
        parts.push(Part {
            query: Box::new(word),
            bound: Bound::Sum(bounds),
        });
    }
    if let Some(p) = squashed_prefix {
        matching.prefixes.push(p.clone());
        parts.push(Part {
            query: constant(Box::new(p), SQUASHED_PREFIX_SCORE),
            bound: Bound::Constant(SQUASHED_PREFIX_SCORE),
        });
    }
    if parsed.terms.len() == 1 {
        parts.push(Part {
            query: constant(exact(), EXACT_NAME),
            bound: Bound::Constant(EXACT_NAME),
        });
        return Plan {
            parts,
            first_tier: None,
            matching,
        };
    }

    // Every term, or the whole name; the whole name and the phrase match only such
    // documents, so they are scored with them.
    let tier: Box<dyn Query> = Box::new(BooleanQuery::union(vec![
        Box::new(BooleanQuery::intersection(matchers)),
        exact(),
    ]));
    let phrase: Vec<Term> = parsed
        .terms
        .iter()
        .map(|t| Term::from_field_text(f.name, t))
        .collect();
    let all_terms = SumWhere {
        filter: constant(tier, ALL_TERMS),
        clauses: vec![
            constant(exact(), EXACT_NAME),
            boost(Box::new(PhraseQuery::new(phrase.clone())), PHRASE_BOOST),
        ],
    };
    parts.push(Part {
        query: Box::new(all_terms),
        bound: Bound::Sum(vec![
            Bound::Constant(ALL_TERMS),
            Bound::Constant(EXACT_NAME),
            Bound::Bm25 {
                terms: phrase,
                factor: PHRASE_BOOST,
            },
        ]),
    });
    Plan {
        parts,
        first_tier: Some(ALL_TERMS),
        matching,
    }
}

fn constant(query: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(Constant::new(query, score))
}

fn boost(query: Box<dyn Query>, factor: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, factor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms_distinct_and_bounded() {
        let p = Parsed::new("The  the BEATLES!").unwrap();
        assert_eq!(p.terms, ["the", "beatles"]);
        assert_eq!(p.squashed, "thethebeatles");
        let many = (0..50)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(Parsed::new(&many).unwrap().terms.len(), MAX_TERMS);
    }

    #[test]
    fn a_whole_name_match_outweighs_any_number_of_matched_terms() {
        assert!(MAX_TERMS as f32 * TERM_IN_NAME < EXACT_NAME);
        let own_name_bonus = TERM_IN_NAME - TERM_IN_RELATED;
        assert!(own_name_bonus > 0.0);
        assert!(MAX_TERMS as f32 * own_name_bonus < TERM_IN_RELATED);
        // Room for BM25 between the most a partial match gets from the constants and the
        // least one matching every term gets.
        assert!(
            (MAX_TERMS - 1) as f32 * TERM_IN_NAME + SQUASHED_PREFIX_SCORE + 5_000.0 < ALL_TERMS
        );
    }

    #[test]
    fn nothing_to_search_is_none() {
        assert_eq!(Parsed::new(""), None);
        assert_eq!(Parsed::new("   \t"), None);
        assert_eq!(Parsed::new("!?/-'\" (*)"), None);
    }
}
