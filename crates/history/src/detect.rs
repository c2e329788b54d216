//! Which format a file is, decided by the fields of its first record (never by the file name:
//! users rename files, and zips nest them in folders of any name).
//!
//! - `ts` → Extended streaming history; with `username`, `ip_addr_decrypted` or
//!   `user_agent_decrypted` it is the older `endsong_*` era.
//! - `endTime` → Account data (music rows and podcast rows alike).
//! - `listened_at` → a ListenBrainz listen.
//!
//! Video history rows have the same fields as audio rows, so fields cannot tell them apart;
//! the caller, who knows the zip entry, says so with [`crate::ReadOptions::video`].
use serde_json::{Map, Value};

use crate::error::FileError;
use crate::play::Format;

/// The format of a file whose first record is `first` (raw JSON text of one value).
pub fn detect(first: &str) -> Result<Format, FileError> {
    let value: Value = serde_json::from_str(first)
        .map_err(|e| FileError::Shape(format!("first record is not valid JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(FileError::Shape(format!(
            "first record is {}, expected a JSON object",
            describe(&value)
        )));
    };
    detect_fields(&fields)
}

/// The format of a record with these fields.
pub fn detect_fields(fields: &Map<String, Value>) -> Result<Format, FileError> {
    let has = |name: &str| fields.contains_key(name);
    if has("ts") {
        let legacy = ["username", "ip_addr_decrypted", "user_agent_decrypted"];
        if legacy.iter().any(|f| has(f)) {
            Ok(Format::ExtendedLegacy)
        } else {
            Ok(Format::ExtendedAudio)
        }
    } else if has("endTime") {
        Ok(Format::AccountData)
    } else if has("listened_at") {
        Ok(Format::ListenBrainz)
    } else {
        let mut names: Vec<&str> = fields.keys().map(String::as_str).take(8).collect();
        if fields.len() > names.len() {
            names.push("…");
        }
        Err(FileError::Unrecognized(format!(
            "first record has neither `ts` (Extended streaming history) nor `endTime` \
             (Account data) nor `listened_at` (ListenBrainz); its fields are: {}",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        )))
    }
}

/// "an array", "a string", … for messages.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_fields() {
        assert_eq!(
            detect(r#"{"ts":"x","ip_addr":""}"#).unwrap(),
            Format::ExtendedAudio
        );
        assert_eq!(
            detect(r#"{"ts":"x","username":""}"#).unwrap(),
            Format::ExtendedLegacy
        );
        assert_eq!(detect(r#"{"endTime":"x"}"#).unwrap(), Format::AccountData);
        assert_eq!(
            detect(r#"{"listened_at":1}"#).unwrap(),
            Format::ListenBrainz
        );
    }

    #[test]
    fn unknown_records_say_why() {
        let err = detect(r#"{"name":"x","plays":3}"#).unwrap_err().to_string();
        assert!(err.contains("neither `ts`"), "{err}");
        assert!(err.contains("name, plays"), "{err}");
        let err = detect("[1]").unwrap_err().to_string();
        assert!(err.contains("first record is an array"), "{err}");
    }
}
