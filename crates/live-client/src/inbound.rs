//! Reading the server's text frames: events (typed where this client knows them), replies and
//! pongs.

use medley_domain::causes::Causes;
use medley_live::{Event, PongTimes, Refusal};
use serde::Deserialize;
use serde_json::Value;

/// A server frame.
#[derive(Debug, PartialEq)]
pub enum Inbound {
    /// An event this client knows.
    Event(Event),
    /// An event of a later protocol (Medley may add ops): its `seq` still counts.
    Unknown {
        seq: Option<u64>,
        frame: Value,
    },
    Reply(ReplyFrame),
    Pong {
        reference: Option<String>,
        times: PongTimes,
    },
}

/// `{"op": "reply", "ref", "ok", "d"?, "error"?}`. `ref` is `null` for a frame the server could
/// not read far enough to find it.
#[derive(Debug, PartialEq, Deserialize)]
pub struct ReplyFrame {
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub ok: bool,
    #[serde(default)]
    pub d: Option<Value>,
    #[serde(default)]
    pub error: Option<Refusal>,
}

#[derive(Deserialize)]
struct PongFrame {
    #[serde(rename = "ref", default)]
    reference: Option<String>,
    d: PongTimes,
}

/// Reads one text frame; an error says what was wrong with it.
pub fn read(text: &str) -> Result<Inbound, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("a frame is not JSON ({e})"))?;
    let op = value["op"]
        .as_str()
        .ok_or_else(|| format!("a frame has no `op`: {}", clip(text)))?;
    match op {
        "reply" => serde_json::from_value(value)
            .map(Inbound::Reply)
            .map_err(|e| format!("a reply is not understood ({e}): {}", clip(text))),
        "pong" => serde_json::from_value::<PongFrame>(value)
            .map(|p| Inbound::Pong {
                reference: p.reference,
                times: p.d,
            })
            .map_err(|e| format!("a pong is not understood ({e}): {}", clip(text))),
        _ => {
            let seq = match &value["seq"] {
                Value::Null => None,
                v => Some(
                    v.as_u64()
                        .ok_or_else(|| format!("a `seq` is not a count: {}", clip(text)))?,
                ),
            };
            match serde_json::from_value::<Event>(value.clone()) {
                Ok(event) => Ok(Inbound::Event(event)),
                Err(e) => {
                    tracing::debug!(error = %Causes(&e), op, "an event this client does not know");
                    Ok(Inbound::Unknown { seq, frame: value })
                }
            }
        }
    }
}

fn clip(text: &str) -> &str {
    match text.char_indices().nth(200) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use medley_live::{ErrorCode, EventKind};

    use super::*;

    #[test]
    fn frames_are_read_by_their_op() {
        let Inbound::Event(e) =
            read(r#"{"op":"hand.raised","d":{"user":"u1"},"seq":4,"ts":10}"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (e.kind, e.seq, e.ts),
            (EventKind::HandRaised { user: "u1".into() }, Some(4), 10)
        );
        let Inbound::Reply(r) = read(
            r#"{"op":"reply","ref":"3","ok":false,"error":{"code":"forbidden","message":"no"}}"#,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(r.reference.as_deref(), Some("3"));
        assert_eq!(r.error.unwrap().code, ErrorCode::Forbidden);
        let Inbound::Reply(r) = read(
            r#"{"op":"reply","ref":null,"ok":false,"error":{"code":"bad_request","message":"x"}}"#,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(r.reference, None);
        assert_eq!(
            read(r#"{"op":"pong","ref":"c1","d":{"t0":1,"t1":2,"t2":3}}"#).unwrap(),
            Inbound::Pong {
                reference: Some("c1".into()),
                times: PongTimes {
                    t0: 1,
                    t1: 2,
                    t2: 3
                }
            }
        );
    }

    #[test]
    fn unknown_events_keep_their_seq_and_bad_frames_are_errors() {
        let Inbound::Unknown { seq, frame } =
            read(r#"{"op":"poll.opened","d":{"q":"?"},"seq":9,"ts":1}"#).unwrap()
        else {
            panic!()
        };
        assert_eq!((seq, frame["d"]["q"].as_str()), (Some(9), Some("?")));
        assert!(read("nope").unwrap_err().starts_with("a frame is not JSON"));
        assert!(read(r#"{"d":{}}"#)
            .unwrap_err()
            .starts_with("a frame has no `op`"));
        assert!(read(r#"{"op":"comment","seq":"x","ts":1}"#)
            .unwrap_err()
            .starts_with("a `seq` is not a count"));
    }
}
