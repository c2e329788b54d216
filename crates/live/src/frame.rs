//! Reading a client's text frame into an [`Op`]: size, JSON, envelope, then `d`. Each error
//! is a `bad_request` that says what to send instead, and keeps the frame's `ref` when it
//! could be read so the reply reaches the right request.

use serde_json::{Map, Value};

use crate::limits::{MAX_FRAME_BYTES, PROTOCOL_VERSION};
use crate::op::{Op, OPS};
use crate::refusal::Refusal;

/// A client frame: `{"op", "d"?, "ref"?}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub op: Op,
    pub reference: Option<String>,
}

/// A frame that cannot be read. The caller replies with `refusal` when `reference` is known,
/// and closes with 4002 after repeated errors.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{refusal}")]
pub struct FrameError {
    pub reference: Option<String>,
    pub refusal: Refusal,
}

/// Reads one text frame.
pub fn parse_frame(text: &str) -> Result<Frame, FrameError> {
    let fail = |reference: Option<String>, message: String| FrameError {
        reference,
        refusal: Refusal::bad_request(message),
    };
    if text.len() > MAX_FRAME_BYTES {
        return Err(fail(
            None,
            format!(
                "the frame is {} bytes; frames are at most {MAX_FRAME_BYTES} bytes",
                text.len()
            ),
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        fail(
            None,
            format!("the frame is not JSON ({e}): send one object, {{\"op\", \"d\", \"ref\"}}"),
        )
    })?;
    let Value::Object(mut map) = value else {
        return Err(fail(
            None,
            "the frame must be a JSON object: {\"op\", \"d\", \"ref\"}".into(),
        ));
    };
    let reference = match map.remove("ref") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) => Some(r),
        Some(_) => return Err(fail(None, "`ref` must be a string".into())),
    };
    let name = match map.remove("op") {
        Some(Value::String(name)) => name,
        Some(_) => return Err(fail(reference, "`op` must be a string".into())),
        None => return Err(fail(reference, "the frame has no `op`".into())),
    };
    let Some(shape) = Op::shape(&name) else {
        let known: Vec<&str> = OPS.iter().map(|(n, _)| *n).collect();
        return Err(fail(
            reference,
            format!("unknown op `{name}`: the ops are {}", known.join(", ")),
        ));
    };
    let d = match map.remove("d") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(d @ Value::Object(_)) => d,
        Some(_) => {
            return Err(fail(
                reference,
                format!("`d` must be an object: `{name}` takes {shape}"),
            ))
        }
    };
    let tagged = Value::Object(Map::from_iter([
        ("op".to_owned(), Value::String(name.clone())),
        ("d".to_owned(), d),
    ]));
    let op: Op = serde_json::from_value(tagged).map_err(|e| {
        fail(
            reference.clone(),
            format!("`d` of `{name}` is not understood ({e}): send {shape}"),
        )
    })?;
    if let Op::Hello(hello) = &op {
        if hello.v != PROTOCOL_VERSION {
            return Err(fail(
                reference,
                format!(
                    "protocol version {} is not spoken here: send `v` {PROTOCOL_VERSION}",
                    hello.v
                ),
            ));
        }
    }
    Ok(Frame { op, reference })
}

impl Frame {
    /// The frame as a client sends it (for Rust clients and tests).
    pub fn to_json(&self) -> String {
        let mut value = serde_json::to_value(&self.op).expect("ops serialise");
        if let (Value::Object(map), Some(r)) = (&mut value, &self.reference) {
            map.insert("ref".into(), Value::String(r.clone()));
        }
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::ErrorCode;
    use crate::role::Role;

    fn message(text: &str) -> String {
        let e = parse_frame(text).unwrap_err();
        assert_eq!(e.refusal.code, ErrorCode::BadRequest);
        e.refusal.message
    }

    #[test]
    fn frames_are_read_into_ops() {
        let f = parse_frame(
            r#"{"op": "role.set", "d": {"user": "u1", "role": "speaker"}, "ref": "7"}"#,
        )
        .unwrap();
        assert_eq!(
            f,
            Frame {
                op: Op::RoleSet {
                    user: "u1".into(),
                    role: Role::Speaker
                },
                reference: Some("7".into()),
            }
        );
        // `d` may be left out, or null, for ops that take nothing.
        assert_eq!(
            parse_frame(r#"{"op": "hand.raise"}"#).unwrap().op,
            Op::HandRaise {}
        );
        assert_eq!(
            parse_frame(r#"{"op": "leave", "d": null}"#).unwrap().op,
            Op::Leave {}
        );
        assert_eq!(
            parse_frame(r#"{"op": "playback.play", "d": {"index": 2}}"#)
                .unwrap()
                .op,
            Op::PlaybackPlay {
                index: Some(2),
                position_ms: None
            }
        );
        // Fields a later protocol adds are ignored, not refused.
        assert_eq!(
            parse_frame(r#"{"op": "comment", "d": {"text": "hi", "lang": "en"}}"#)
                .unwrap()
                .op,
            Op::Comment { text: "hi".into() }
        );
    }

    #[test]
    fn every_op_name_is_read_and_written_back() {
        for (name, _) in OPS {
            let d = match name {
                "hello" => r#"{"v": 1, "token": "t"}"#,
                "ping" => r#"{"t0": 5}"#,
                "comment" => r#"{"text": "x"}"#,
                "comment.delete" => r#"{"id": "1"}"#,
                "react" => r#"{"emoji": "🔥"}"#,
                "role.set" => r#"{"user": "u", "role": "listener"}"#,
                "playback.seek" => r#"{"position_ms": 5}"#,
                "slow_mode.set" => r#"{"seconds": 5}"#,
                n if Op::shape(n).unwrap().contains("user") => r#"{"user": "u"}"#,
                _ => "{}",
            };
            let text = format!(r#"{{"op": "{name}", "d": {d}, "ref": "r"}}"#);
            let frame = parse_frame(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(frame.op.name(), name);
            assert_eq!(parse_frame(&frame.to_json()).unwrap(), frame, "{name}");
        }
    }

    #[test]
    fn errors_say_what_to_fix_and_keep_the_ref() {
        assert!(message("{").starts_with("the frame is not JSON"));
        assert_eq!(
            message("[1]"),
            "the frame must be a JSON object: {\"op\", \"d\", \"ref\"}"
        );
        let big = format!(
            r#"{{"op": "comment", "d": {{"text": "{}"}}}}"#,
            "a".repeat(5_000)
        );
        assert_eq!(
            message(&big),
            format!(
                "the frame is {} bytes; frames are at most 4096 bytes",
                big.len()
            )
        );
        assert!(message(r#"{"op": "dance"}"#)
            .starts_with("unknown op `dance`: the ops are hello, ping,"));
        assert_eq!(
            message(r#"{"op": "comment", "d": {}}"#),
            "`d` of `comment` is not understood (missing field `text`): send {\"text\": \"<at most 500 characters>\"}"
        );
        assert!(
            message(r#"{"op": "role.set", "d": {"user": "u", "role": "owner"}}"#)
                .contains("unknown variant `owner`")
        );
        assert_eq!(
            message(r#"{"op": "hello", "d": {"v": 2, "token": "t"}}"#),
            "protocol version 2 is not spoken here: send `v` 1"
        );
        assert_eq!(
            message(r#"{"op": "mute", "d": "u1"}"#),
            "`d` must be an object: `mute` takes {\"user\": \"<user id>\"}"
        );
        assert_eq!(
            message(r#"{"op": "leave", "ref": 5}"#),
            "`ref` must be a string"
        );
        let e =
            parse_frame(r#"{"op": "playback.seek", "d": {"position_ms": "soon"}, "ref": "a1"}"#)
                .unwrap_err();
        assert_eq!(e.reference.as_deref(), Some("a1"));
    }

    #[test]
    fn a_hellos_token_stays_out_of_debug_output() {
        let f = parse_frame(r#"{"op": "hello", "d": {"v": 1, "token": "secret", "resume": {"session": "s", "seq": 4}}}"#)
            .unwrap();
        assert!(!format!("{f:?}").contains("secret"));
    }
}
