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
//! The constants dwarf BM25 (a term's BM25 stays well under 100 here), so whole-name matches
//! come first, then documents by the number of query terms they match (all terms first),
//! among equals those matching more terms in their own name, then by BM25.
//!
//! Each prefix expansion (the costly part of a query) is evaluated once per field.

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::normalize;
use crate::prefix::PrefixQuery;
use crate::schema::Fields;

/// Score of a document whose squashed own name equals the squashed query. Above
/// `MAX_TERMS * TERM_IN_NAME`, so it outranks any number of matched terms.
pub const EXACT_NAME: f32 = 10_000.0;
/// Score for each query term a document's own name matches.
pub const TERM_IN_NAME: f32 = 1_100.0;
/// Score for each query term a document matches only through related names. Less than
/// `TERM_IN_NAME`, but by less than `TERM_IN_NAME / MAX_TERMS`, so one more matched term
/// anywhere outweighs all terms moving from related names to the own name.
pub const TERM_IN_RELATED: f32 = 1_000.0;

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

/// The scored query for `parsed` over an index with `fields`.
pub fn build(fields: &Fields, parsed: &Parsed) -> Box<dyn Query> {
    let f = fields;
    let last = parsed.terms.len() - 1;
    let prefix_of = |i: usize| {
        (i == last && parsed.terms[i].len() >= MIN_PREFIX_BYTES).then(|| parsed.terms[i].as_str())
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();

    clauses.push(should(constant(
        term(f.name_sq, &parsed.squashed, IndexRecordOption::Basic),
        EXACT_NAME,
    )));

    for (i, t) in parsed.terms.iter().enumerate() {
        // Counted once per term: in the own name if it matches there, else in related names.
        let matcher = |fields: [Field; 2]| -> Box<dyn Query> {
            let mut any: Vec<Box<dyn Query>> = fields
                .into_iter()
                .map(|field| term(field, t, IndexRecordOption::Basic))
                .collect();
            if let Some(p) = prefix_of(i) {
                any.push(Box::new(PrefixQuery::new(fields[0], p)));
            }
            Box::new(BooleanQuery::union(any))
        };
        clauses.push(should(Box::new(DisjunctionMaxQuery::new(vec![
            constant(matcher([f.name, f.name_alt]), TERM_IN_NAME),
            constant(matcher([f.related, f.related_alt]), TERM_IN_RELATED),
        ]))));

        // Relevance among equals.
        clauses.push(should(boost(
            term(f.name, t, IndexRecordOption::WithFreqs),
            NAME_BOOST,
        )));
        clauses.push(should(boost(
            term(f.name_alt, t, IndexRecordOption::WithFreqs),
            NAME_ALT_BOOST,
        )));
        clauses.push(should(term(f.related, t, IndexRecordOption::WithFreqs)));
        clauses.push(should(term(f.related_alt, t, IndexRecordOption::WithFreqs)));
    }
    if parsed.squashed.len() >= MIN_PREFIX_BYTES {
        clauses.push(should(constant(
            Box::new(PrefixQuery::new(f.name_sq, &parsed.squashed)),
            SQUASHED_PREFIX_SCORE,
        )));
    }
    if parsed.terms.len() > 1 {
        let phrase = PhraseQuery::new(
            parsed
                .terms
                .iter()
                .map(|t| Term::from_field_text(f.name, t))
                .collect(),
        );
        clauses.push(should(boost(Box::new(phrase), PHRASE_BOOST)));
    }
    Box::new(BooleanQuery::new(clauses))
}

fn term(field: Field, text: &str, record: IndexRecordOption) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), record))
}

fn constant(query: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, score))
}

fn boost(query: Box<dyn Query>, factor: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, factor))
}

fn should(query: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Should, query)
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
    }

    #[test]
    fn nothing_to_search_is_none() {
        assert_eq!(Parsed::new(""), None);
        assert_eq!(Parsed::new("   \t"), None);
        assert_eq!(Parsed::new("!?/-'\" (*)"), None);
    }
}
