//! Time. The use cases read the wall clock through [`now_ms`]; pure code below them takes the
//! time as an argument.

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A time as RFC 3339 text in UTC, to the second (`2026-12-05T13:00:00Z`), as Spotify writes
/// times.
pub fn timestamp(ms: i64) -> String {
    jiff::Timestamp::from_second(ms.div_euclid(1000))
        .map(|t| t.to_string())
        .unwrap_or_default()
}
