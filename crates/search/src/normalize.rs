//! Text folding shared by indexing and querying, so both sides see the same terms.
//!
//! A name goes through three steps:
//! 1. [`clean`] drops Unicode combining marks, so a decomposed "Bjo\u{308}rk" reads "Bjork"
//!    instead of splitting into "bjo" and "rk".
//! 2. [`analyzer`] splits on anything that is not a letter or digit, lower-cases and folds to
//!    ASCII where a folding exists ("Beyoncé" -> "beyonce", "Guns N' Roses" -> guns, n, roses).
//! 3. [`squash`] glues the tokens into one term ("AC/DC" -> "acdc"), and [`joined_pairs`]
//!    glues neighbours ("Don't Stop" -> "dont", "tstop", and for 3+ tokens the squash "dontstop"), so spacing and punctuation the user
//!    types differently from the catalog still meet.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};

/// Name of the analyzer registered on every index for tokenized fields.
pub const ANALYZER: &str = "medley_fold";

/// Tokens longer than this (in bytes, before folding) are dropped, as tantivy recommends.
const MAX_TOKEN_BYTES: usize = 64;

/// Squashed and joined terms are cut to this many bytes (at a char boundary).
const MAX_SQUASH_BYTES: usize = 160;

/// The analyzer used for the tokenized `name` and `related` fields.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// `text` without combining marks (accents in decomposed form).
pub fn clean(text: &str) -> String {
    text.chars().filter(|c| !is_combining_mark(*c)).collect()
}

fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// The folded tokens of `text`, in order, exactly as the index stores them.
pub fn tokens(text: &str) -> Vec<String> {
    let cleaned = clean(text);
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(&cleaned);
    let mut out = Vec::new();
    while stream.advance() {
        // Folding can turn a symbol into punctuation ("⑴" -> "(1)"); keep letters and digits.
        let token: String = stream
            .token()
            .text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        if !token.is_empty() {
            out.push(token);
        }
    }
    out
}

/// The tokens glued together: letters and digits only, lower-case, folded, no spaces.
pub fn squash(tokens: &[String]) -> String {
    truncate(tokens.concat())
}

/// Every pair of neighbouring tokens glued together, then the whole squash when that is
/// longer than a pair; without duplicates. A one-token name has none: its token says it all.
pub fn joined_pairs(tokens: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for pair in tokens.windows(2) {
        let joined = truncate(format!("{}{}", pair[0], pair[1]));
        if !out.contains(&joined) {
            out.push(joined);
        }
    }
    if tokens.len() > 2 {
        let whole = squash(tokens);
        if !out.contains(&whole) {
            out.push(whole);
        }
    }
    out
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_SQUASH_BYTES {
        let mut end = MAX_SQUASH_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Vec<String> {
        tokens(text)
    }

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(t("Beyoncé"), ["beyonce"]);
        assert_eq!(t("Bjo\u{308}rk"), ["bjork"]);
        assert_eq!(t("Guns N' Roses"), ["guns", "n", "roses"]);
        assert_eq!(t("AC/DC"), ["ac", "dc"]);
        assert_eq!(t("  !!? -- "), Vec::<String>::new());
        assert_eq!(t("Motörhead ⑴"), ["motorhead", "1"]);
    }

    #[test]
    fn squashes_and_joins() {
        assert_eq!(squash(&t("AC/DC")), "acdc");
        assert_eq!(squash(&t("ac dc")), "acdc");
        assert_eq!(squash(&t("AC-DC")), "acdc");
        assert_eq!(
            joined_pairs(&t("Don't Stop")),
            ["dont", "tstop", "dontstop"]
        );
        assert_eq!(
            joined_pairs(&t("Guns N' Roses")),
            ["gunsn", "nroses", "gunsnroses"]
        );
        assert!(joined_pairs(&t("one")).is_empty());
    }

    #[test]
    fn squash_is_bounded_at_a_char_boundary() {
        let long: Vec<String> = (0..100).map(|_| "é".repeat(3)).collect();
        let s = squash(&long);
        assert!(s.len() <= MAX_SQUASH_BYTES);
        let wide: Vec<String> = (0..100).map(|_| "日本".to_string()).collect();
        assert!(squash(&wide).len() <= MAX_SQUASH_BYTES);
    }
}
