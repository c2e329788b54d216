//! Paging objects with absolute `href`, `next` and `previous` URLs.

use serde_json::{json, Value};

/// A PagingObject over `items` (already cut to the page) at `offset` with `limit` of `total`.
/// `path` is the absolute URL without query; `extra` are query parameters to carry along.
pub fn page(
    path: &str,
    extra: &[(&str, String)],
    offset: usize,
    limit: usize,
    total: usize,
    items: Vec<Value>,
) -> Value {
    let url = |offset: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("offset", &offset.to_string());
        q.append_pair("limit", &limit.to_string());
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        format!("{path}?{}", q.finish())
    };
    let next = (offset + limit < total).then(|| url(offset + limit));
    let previous = (offset > 0).then(|| url(offset.saturating_sub(limit)));
    json!({
        "href": url(offset),
        "limit": limit,
        "next": next,
        "offset": offset,
        "previous": previous,
        "total": total,
        "items": items,
    })
}
