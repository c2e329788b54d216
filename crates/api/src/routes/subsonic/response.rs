//! The `subsonic-response` envelope, and one response model rendered two ways: XML (the
//! default) and JSON (`f=json`, or `f=jsonp` with `callback`).
//!
//! A response is a JSON value built from the typed objects of `model.rs` with serde. XML
//! follows from it by Subsonic's own correspondence: an object is an element whose scalar
//! fields are attributes, whose object fields are child elements, whose arrays are repeated
//! child elements, and whose `value` field is its text (`<genre songCount="3">Rock</genre>`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use medley_app::AppError;
use quick_xml::escape::escape;
use serde_json::{Map, Value};

/// The Subsonic REST version served.
pub const API_VERSION: &str = "1.16.1";
/// What `type` says: the server is Medley, not Subsonic.
pub const SERVER_TYPE: &str = "medley";
const XMLNS: &str = "http://subsonic.org/restapi";

/// The format a client asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
    /// JSON wrapped in a call of this function.
    Jsonp(String),
}

impl Format {
    pub fn from_params(f: Option<&str>, callback: Option<&str>) -> Format {
        match f {
            Some("json") => Format::Json,
            Some("jsonp") => match callback {
                Some(cb) if valid_callback(cb) => Format::Jsonp(cb.to_owned()),
                _ => Format::Json,
            },
            _ => Format::Xml,
        }
    }
}

/// A JavaScript identifier path (`cb`, `app.receive`): nothing else is echoed into a script.
fn valid_callback(cb: &str) -> bool {
    !cb.is_empty()
        && cb.len() <= 100
        && cb.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
}

/// A failure as Subsonic reports it: a code from the specification and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: u32,
    pub message: String,
}

impl Failure {
    pub fn new(code: u32, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// 10: a required parameter is missing.
    pub fn missing(name: &str) -> Failure {
        Failure::new(10, format!("required parameter `{name}` is missing"))
    }

    /// 0: a parameter's value is not usable (the specification has no finer code).
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(0, message)
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Failure {
        match e {
            AppError::NotFound(m) => Failure::new(70, m),
            AppError::Forbidden(m) => Failure::new(50, m),
            AppError::Unauthorized(m) => Failure::new(40, m),
            AppError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "a Subsonic request failed");
                Failure::new(0, "internal error: the server's log has the details")
            }
            other => Failure::new(0, other.to_string()),
        }
    }
}

impl From<medley_domain::playlist::DetailsError> for Failure {
    fn from(e: medley_domain::playlist::DetailsError) -> Failure {
        Failure::from(AppError::from(e))
    }
}

/// What a method answers: a payload (`key` and value; none for a bare `ok`), or a response
/// of its own (audio, images).
pub enum Reply {
    Empty,
    Body(&'static str, Value),
    Raw(Response),
}

/// The envelope's attributes.
fn envelope(ok: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "status".into(),
        Value::from(if ok { "ok" } else { "failed" }),
    );
    m.insert("version".into(), Value::from(API_VERSION));
    m.insert("type".into(), Value::from(SERVER_TYPE));
    m.insert(
        "serverVersion".into(),
        Value::from(env!("CARGO_PKG_VERSION")),
    );
    m.insert("openSubsonic".into(), Value::from(true));
    m
}

/// Renders a successful payload, or a failure, in `format`. Always HTTP 200, as the
/// specification says (failures are told by `status="failed"` and the error's code).
pub fn render(format: &Format, result: Result<Reply, Failure>) -> Response {
    let mut m = match result {
        Ok(Reply::Raw(response)) => return response,
        Ok(Reply::Empty) => envelope(true),
        Ok(Reply::Body(key, value)) => {
            let mut m = envelope(true);
            m.insert(key.into(), value);
            m
        }
        Err(f) => {
            let mut m = envelope(false);
            let mut error = Map::new();
            error.insert("code".into(), Value::from(f.code));
            error.insert("message".into(), Value::from(f.message));
            m.insert("error".into(), Value::Object(error));
            m
        }
    };
    match format {
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            m.insert("xmlns".into(), Value::from(XMLNS));
            element(&mut out, "subsonic-response", &Value::Object(m));
            typed(out, "text/xml; charset=utf-8")
        }
        Format::Json | Format::Jsonp(_) => {
            let mut root = Map::new();
            let mut m = Value::Object(m);
            prune(&mut m);
            root.insert("subsonic-response".into(), m);
            let json = Value::Object(root).to_string();
            match format {
                Format::Jsonp(cb) => {
                    typed(format!("{cb}({json});"), "text/javascript; charset=utf-8")
                }
                _ => typed(json, "application/json"),
            }
        }
    }
}

/// Drops null fields, which Subsonic's JSON leaves out (as its XML does).
fn prune(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(prune);
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

fn typed(body: String, content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Writes `value` as the element `name`.
fn element(out: &mut String, name: &str, value: &Value) {
    out.push('<');
    out.push_str(name);
    let Value::Object(fields) = value else {
        // A bare scalar: `<name>text</name>`.
        out.push('>');
        out.push_str(&escape(scalar(value).unwrap_or_default().as_str()));
        out.push_str("</");
        out.push_str(name);
        out.push('>');
        return;
    };
    let mut text = None;
    let mut children = Vec::new();
    for (key, v) in fields {
        match v {
            Value::Null => {}
            Value::Object(_) | Value::Array(_) => children.push((key, v)),
            _ if key == "value" => text = scalar(v),
            _ => {
                out.push(' ');
                out.push_str(key);
                out.push_str("=\"");
                out.push_str(&escape(scalar(v).unwrap_or_default().as_str()));
                out.push('"');
            }
        }
    }
    if children.is_empty() && text.is_none() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    if let Some(t) = text {
        out.push_str(&escape(t.as_str()));
    }
    for (key, v) in children {
        match v {
            Value::Array(items) => {
                for item in items {
                    element(out, key, item);
                }
            }
            _ => element(out, key, v),
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn xml(value: Value) -> String {
        let mut out = String::new();
        element(&mut out, "r", &value);
        out
    }

    #[test]
    fn objects_become_attributes_children_and_text() {
        assert_eq!(
            xml(json!({"a": 1, "b": "x<y", "c": true, "n": null})),
            r#"<r a="1" b="x&lt;y" c="true"/>"#
        );
        assert_eq!(
            xml(
                json!({"genre": [{"songCount": 2, "value": "Rock & Roll"}, {"songCount": 1, "value": "Jazz"}]})
            ),
            r#"<r><genre songCount="2">Rock &amp; Roll</genre><genre songCount="1">Jazz</genre></r>"#
        );
        assert_eq!(
            xml(json!({"folder": [1, 2], "inner": {"id": "q\""}})),
            r#"<r><folder>1</folder><folder>2</folder><inner id="q&quot;"/></r>"#
        );
    }

    #[test]
    fn only_identifiers_are_echoed_as_callbacks() {
        assert_eq!(
            Format::from_params(Some("jsonp"), Some("app.cb_1")),
            Format::Jsonp("app.cb_1".into())
        );
        assert_eq!(
            Format::from_params(Some("jsonp"), Some("alert(1)//")),
            Format::Json
        );
        assert_eq!(Format::from_params(None, None), Format::Xml);
    }
}
