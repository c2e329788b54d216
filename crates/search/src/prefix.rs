//! A query matching every term of a field that starts with a given prefix, with a constant
//! score. Built on tantivy's `AutomatonWeight`, so no user text is ever parsed as a regex.

use tantivy::query::{AutomatonWeight, EnableScoring, Query, Weight};
use tantivy::schema::Field;
use tantivy_fst::Automaton;

/// Matches documents having a term in `field` that starts with `prefix`.
#[derive(Clone, Debug)]
pub struct PrefixQuery {
    field: Field,
    prefix: String,
}

impl PrefixQuery {
    pub fn new(field: Field, prefix: &str) -> PrefixQuery {
        PrefixQuery {
            field,
            prefix: prefix.to_owned(),
        }
    }
}

impl Query for PrefixQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let automaton = StartsWith(self.prefix.as_bytes().to_vec());
        Ok(Box::new(AutomatonWeight::new(self.field, automaton)))
    }
}

/// Accepts byte strings starting with `.0`. State: bytes matched so far, or `None` once the
/// input has diverged.
struct StartsWith(Vec<u8>);

impl Automaton for StartsWith {
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

    fn accepts(a: &StartsWith, input: &str) -> bool {
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
        let a = StartsWith(b"beat".to_vec());
        assert!(accepts(&a, "beat"));
        assert!(accepts(&a, "beatles"));
        assert!(!accepts(&a, "bea"));
        assert!(!accepts(&a, "abeat"));
        assert!(!accepts(&a, "boat"));
    }
}
