//! The rule every name and free text a person gives must follow: no control characters.
//!
//! NUL and the other C0/C1 controls are invisible, break terminals and logs, and PostgreSQL
//! refuses NUL in text: refusing them everywhere makes both backends answer the same 400.
//! Descriptions may span lines, so they keep line feeds, carriage returns and tabs.

/// Whether `name` (a title, a playlist or show name, a username) has no control character.
pub fn name_is_clean(name: &str) -> bool {
    !name.chars().any(char::is_control)
}

/// Whether `text` (a description) has no control character other than line breaks and tabs.
pub fn text_is_clean(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused() {
        assert!(name_is_clean("Summer mix – Été 2026 🎧"));
        for bad in ["a\0b", "a\nb", "a\tb", "\u{7f}", "a\u{1b}[31m", "x\u{85}"] {
            assert!(!name_is_clean(bad), "{bad:?}");
        }
        assert!(text_is_clean("line one\nline two\r\n\tindented"));
        for bad in ["a\0b", "\u{1b}[2J", "\u{7}", "\u{9b}"] {
            assert!(!text_is_clean(bad), "{bad:?}");
        }
    }
}
