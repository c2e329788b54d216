//! An error with its causes, on one line, for logs: `storing a live show's records: error
//! returned from database: disk I/O error`. A log line that shows only the outermost message
//! (`%e`) drops what went wrong underneath; `tracing`'s own rendering of an error's sources
//! is kept by its text format only (not by the JSON format Medley also writes), and the
//! crates that format a chain write it over several lines, which splits one event in a text
//! log. Hence this small wrapper: log `error = %Causes(&e)`; what is stored for people to read
//! (a failed sync run's error) is `Causes(&e).to_string()`.

use std::error::Error;
use std::fmt;

/// Displays an error followed by each of its sources, separated by `: `. A source whose
/// message the message before it already ends with (an error that prints its cause itself)
/// is not repeated.
pub struct Causes<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut last = self.0.to_string();
        f.write_str(&last)?;
        let mut next = self.0.source();
        while let Some(cause) = next {
            let text = cause.to_string();
            if !last.ends_with(&text) {
                write!(f, ": {text}")?;
            }
            last = text;
            next = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("storing a show")]
        Store(#[source] Inner),
        #[error("reading a file: {0}")]
        Says(#[source] std::io::Error),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("the database refused")]
    struct Inner(#[source] std::io::Error);

    #[test]
    fn every_cause_is_shown_once_on_one_line() {
        let e = Outer::Store(Inner(std::io::Error::other("disk full")));
        assert_eq!(
            Causes(&e).to_string(),
            "storing a show: the database refused: disk full"
        );
        let e = Outer::Says(std::io::Error::other("no such file"));
        assert_eq!(
            Causes(&e).to_string(),
            "reading a file: no such file",
            "a cause the message already carries is not repeated"
        );
        let alone = std::io::Error::other("alone");
        assert_eq!(Causes(&alone).to_string(), "alone");
    }
}
