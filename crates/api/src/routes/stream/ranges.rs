//! HTTP byte ranges and conditional requests (RFC 9110 §13–14), as pure decisions: given the
//! request's validators and the representation's size, ETag and modification time, what to
//! answer. One range per request: a request for several is answered whole (a server may ignore
//! `Range`; players never ask for several), as is a `Range` that does not parse.

use std::ops::Range;
use std::time::{Duration, UNIX_EPOCH};

/// The request's headers that decide the answer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Validators<'a> {
    pub if_none_match: Option<&'a str>,
    pub if_modified_since: Option<&'a str>,
    pub range: Option<&'a str>,
    pub if_range: Option<&'a str>,
}

/// The representation as it is now.
#[derive(Clone, Copy, Debug)]
pub struct Current<'a> {
    pub size: u64,
    /// The entity tag, without quotes.
    pub etag: &'a str,
    /// Modification time in Unix seconds.
    pub modified_s: u64,
}

/// What to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// 304: the client's copy is current.
    NotModified,
    /// 200 with every byte.
    Full,
    /// 206 with these bytes.
    Partial(Range<u64>),
    /// 416: the range starts past the end.
    Unsatisfiable,
}

/// Decides the answer to a GET or HEAD.
pub fn plan(v: &Validators<'_>, c: &Current<'_>) -> Plan {
    match v.if_none_match {
        Some(list) => {
            if matches_any(list, c.etag) {
                return Plan::NotModified;
            }
        }
        None => {
            if let Some(since) = v.if_modified_since.and_then(seconds) {
                if c.modified_s <= since {
                    return Plan::NotModified;
                }
            }
        }
    }
    let Some(range) = v.range else {
        return Plan::Full;
    };
    if let Some(condition) = v.if_range {
        if !if_range_holds(condition.trim(), c) {
            return Plan::Full;
        }
    }
    match parse_range(range, c.size) {
        Requested::Ignore => Plan::Full,
        Requested::Unsatisfiable => Plan::Unsatisfiable,
        Requested::Bytes(r) if r.start == 0 && r.end == c.size => Plan::Full,
        Requested::Bytes(r) => Plan::Partial(r),
    }
}

/// `If-Range`: an entity tag must match strongly; a date must be the modification time.
fn if_range_holds(condition: &str, c: &Current<'_>) -> bool {
    if condition.starts_with('"') || condition.starts_with("W/") {
        return condition == format!("\"{}\"", c.etag);
    }
    seconds(condition) == Some(c.modified_s)
}

/// Whether an `If-None-Match` list names `etag` (weak comparison: `W/` is ignored), or is `*`.
fn matches_any(list: &str, etag: &str) -> bool {
    list.split(',').map(str::trim).any(|tag| {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag == "*" || tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) == Some(etag)
    })
}

/// An HTTP date as Unix seconds.
fn seconds(date: &str) -> Option<u64> {
    let t = httpdate::parse_http_date(date.trim()).ok()?;
    t.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// Unix milliseconds as an HTTP date (`Tue, 15 Nov 1994 08:12:31 GMT`).
pub fn http_date(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    httpdate::fmt_http_date(t)
}

/// Unix milliseconds as the whole seconds HTTP dates carry.
pub fn whole_seconds(ms: i64) -> u64 {
    ms.max(0) as u64 / 1000
}

#[derive(Debug, PartialEq, Eq)]
enum Requested {
    Ignore,
    Unsatisfiable,
    Bytes(Range<u64>),
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` against an object of `size` bytes.
fn parse_range(header: &str, size: u64) -> Requested {
    let header = header.trim();
    let Some((unit, spec)) = header.split_once('=') else {
        return Requested::Ignore;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return Requested::Ignore;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Requested::Ignore;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // bytes=-n: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || size == 0 {
                Requested::Unsatisfiable
            } else {
                Requested::Bytes(size.saturating_sub(n)..size)
            }
        }
        (false, Some(a), None) if last.trim().is_empty() => {
            if a >= size {
                Requested::Unsatisfiable
            } else {
                Requested::Bytes(a..size)
            }
        }
        (false, Some(a), Some(b)) if a <= b => {
            if a >= size {
                Requested::Unsatisfiable
            } else {
                Requested::Bytes(a..(b.saturating_add(1)).min(size))
            }
        }
        _ => Requested::Ignore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Current<'static> = Current {
        size: 1000,
        etag: "abc",
        modified_s: 1_700_000_000,
    };

    fn with_range(range: &str) -> Plan {
        plan(
            &Validators {
                range: Some(range),
                ..Default::default()
            },
            &NOW,
        )
    }

    #[test]
    fn ranges_of_every_shape() {
        assert_eq!(with_range("bytes=0-99"), Plan::Partial(0..100));
        assert_eq!(with_range("bytes=900-"), Plan::Partial(900..1000));
        assert_eq!(with_range("bytes=-100"), Plan::Partial(900..1000));
        assert_eq!(with_range("bytes=-5000"), Plan::Full);
        assert_eq!(with_range("bytes=990-5000"), Plan::Partial(990..1000));
        assert_eq!(with_range("bytes=999-999"), Plan::Partial(999..1000));
        assert_eq!(with_range("bytes=0-"), Plan::Full);
        assert_eq!(with_range("bytes=1000-"), Plan::Unsatisfiable);
        assert_eq!(with_range("bytes=1000-2000"), Plan::Unsatisfiable);
        assert_eq!(with_range("bytes=-0"), Plan::Unsatisfiable);
        for ignored in [
            "bytes=5-1",
            "bytes=0-1,5-9",
            "items=0-1",
            "bytes=x-y",
            "bytes",
            "bytes=-",
        ] {
            assert_eq!(with_range(ignored), Plan::Full, "{ignored}");
        }
    }

    #[test]
    fn a_current_copy_is_not_sent_again() {
        let v = |inm: &'static str| Validators {
            if_none_match: Some(inm),
            range: Some("bytes=0-1"),
            ..Default::default()
        };
        assert_eq!(plan(&v("\"abc\""), &NOW), Plan::NotModified);
        assert_eq!(plan(&v("\"x\", W/\"abc\""), &NOW), Plan::NotModified);
        assert_eq!(plan(&v("*"), &NOW), Plan::NotModified);
        assert_eq!(plan(&v("\"abd\""), &NOW), Plan::Partial(0..2));
        let date = http_date(1_700_000_000_000);
        let since = |d: &str| Validators {
            if_modified_since: Some(Box::leak(d.to_owned().into_boxed_str())),
            ..Default::default()
        };
        assert_eq!(plan(&since(&date), &NOW), Plan::NotModified);
        assert_eq!(
            plan(&since(&http_date(1_699_999_999_000)), &NOW),
            Plan::Full
        );
        assert_eq!(plan(&since("yesterday"), &NOW), Plan::Full);
        // If-None-Match wins over If-Modified-Since.
        let both = Validators {
            if_none_match: Some("\"other\""),
            if_modified_since: Some(Box::leak(date.into_boxed_str())),
            ..Default::default()
        };
        assert_eq!(plan(&both, &NOW), Plan::Full);
    }

    #[test]
    fn if_range_sends_the_range_only_if_nothing_changed() {
        let v = |cond: &'static str| Validators {
            range: Some("bytes=10-19"),
            if_range: Some(cond),
            ..Default::default()
        };
        assert_eq!(plan(&v("\"abc\""), &NOW), Plan::Partial(10..20));
        assert_eq!(plan(&v("\"old\""), &NOW), Plan::Full);
        assert_eq!(
            plan(&v("W/\"abc\""), &NOW),
            Plan::Full,
            "weak tags never match If-Range"
        );
        let date = Box::leak(http_date(1_700_000_000_000).into_boxed_str());
        assert_eq!(plan(&v(date), &NOW), Plan::Partial(10..20));
        let older = Box::leak(http_date(1_600_000_000_000).into_boxed_str());
        assert_eq!(plan(&v(older), &NOW), Plan::Full);
    }

    #[test]
    fn dates_are_http_dates() {
        assert_eq!(http_date(784_111_777_000), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(whole_seconds(784_111_777_999), 784_111_777);
    }
}
