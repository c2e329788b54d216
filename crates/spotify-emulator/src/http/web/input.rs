//! Parsing of query parameters and bodies into Spotify's 400 answers, and scope checks.

use std::collections::HashMap;

use axum::body::Bytes;
use serde_json::Value;

use crate::http::error::{WebError, WebResult};
use crate::ids::is_base62_id;
use crate::world::Caller;

pub type Params = HashMap<String, String>;

/// `limit`: default `default`, 1..=`max`.
pub fn limit(q: &Params, default: usize, max: usize) -> WebResult<usize> {
    match q.get("limit") {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(WebError::bad("Invalid limit")),
        },
    }
}

pub fn offset(q: &Params) -> WebResult<usize> {
    match q.get("offset") {
        None => Ok(0),
        Some(v) => v.parse().map_err(|_| WebError::bad("Invalid offset")),
    }
}

/// A JSON body, or `None` when empty.
pub fn json_body(body: &Bytes) -> WebResult<Option<Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|_| WebError::bad("Error parsing JSON."))
}

pub fn require_scope(caller: &Caller, any_of: &[&str]) -> WebResult<()> {
    if caller.has_any(any_of) {
        Ok(())
    } else {
        Err(WebError::new(403, "Insufficient client scope"))
    }
}

pub fn check_id(id: &str) -> WebResult<()> {
    if is_base62_id(id) {
        Ok(())
    } else {
        Err(WebError::bad("Invalid base62 id"))
    }
}

/// A list given as a comma-separated query parameter, which wins, or as a body array.
pub fn list(q: &Params, body: Option<&Value>, key: &str) -> WebResult<Option<Vec<String>>> {
    if let Some(v) = q.get(key) {
        return Ok(Some(
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ));
    }
    match body.and_then(|b| b.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| WebError::bad(format!("Invalid {key}")))
            })
            .collect::<WebResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(WebError::bad(format!("Invalid {key}"))),
    }
}

/// An optional non-negative integer from the query or the body.
pub fn index(q: &Params, body: Option<&Value>, key: &str) -> WebResult<Option<usize>> {
    if let Some(v) = q.get(key) {
        return v
            .parse()
            .map(Some)
            .map_err(|_| WebError::bad(format!("Invalid {key}")));
    }
    match body.and_then(|b| b.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(|n| Some(n as usize))
            .ok_or_else(|| WebError::bad(format!("Invalid {key}"))),
    }
}

/// Cuts a page out of `total` items; the `short_page` fault halves what is returned.
pub fn page_range(
    total: usize,
    offset: usize,
    limit: usize,
    short: bool,
) -> std::ops::Range<usize> {
    let start = offset.min(total);
    let end = (offset.saturating_add(limit)).min(total);
    let end = if short {
        start + (end - start) / 2
    } else {
        end
    };
    start..end
}

pub const READ_LIBRARY: &[&str] = &["user-library-read"];
pub const MODIFY_LIBRARY: &[&str] = &["user-library-modify"];
pub const MODIFY_PLAYLISTS: &[&str] = &["playlist-modify-public", "playlist-modify-private"];
pub const READ_RECENT: &[&str] = &["user-read-recently-played"];
