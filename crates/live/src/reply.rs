//! The answers to one connection's frames: `reply` (to a frame with `ref`) and `pong`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::event::Event;
use crate::refusal::Refusal;

/// `{"op": "reply", "ref", "ok": true, "d"}` or `{"op": "reply", "ref", "ok": false, "error"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename = "reply")]
pub struct Reply {
    #[serde(rename = "ref")]
    pub reference: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Refusal>,
}

impl Reply {
    pub fn ok(reference: impl Into<String>, d: Value) -> Reply {
        Reply {
            reference: reference.into(),
            ok: true,
            d: Some(d),
            error: None,
        }
    }

    pub fn refused(reference: impl Into<String>, refusal: Refusal) -> Reply {
        Reply {
            reference: reference.into(),
            ok: false,
            d: None,
            error: Some(refusal),
        }
    }

    /// The reply to an applied op: on success `d` is `{"seq": n}`, the `seq` of the last
    /// reliable event the op caused (the sender receives that event too), or `{}` when it
    /// caused none (a reaction).
    pub fn to(reference: impl Into<String>, outcome: &Result<Vec<Event>, Refusal>) -> Reply {
        match outcome {
            Ok(events) => match events.iter().rev().find_map(|e| e.seq) {
                Some(seq) => Reply::ok(reference, json!({ "seq": seq })),
                None => Reply::ok(reference, json!({})),
            },
            Err(refusal) => Reply::refused(reference, refusal.clone()),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("replies serialise")
    }
}

/// `{"op": "pong", "ref", "d": {"t0", "t1", "t2"}}`: the ping's client time, and the server's
/// receive and send times, for an NTP-style clock offset. No `seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename = "pong")]
pub struct Pong {
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub d: PongTimes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PongTimes {
    pub t0: i64,
    pub t1: i64,
    pub t2: i64,
}

impl Pong {
    /// The answer to `ping {t0}` received at `t1` and answered at `t2` (server Unix ms). The
    /// connection answers pings itself, without queueing them behind the show's work, so
    /// that `t2 - t1` stays small and honest.
    pub fn answer(reference: Option<String>, t0: i64, t1: i64, t2: i64) -> Pong {
        Pong {
            reference,
            d: PongTimes { t0, t1, t2 },
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("pongs serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;

    #[test]
    fn replies_have_livemds_shapes() {
        let ok = Reply::ok("r1", json!({"seq": 41}));
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            json!({"op": "reply", "ref": "r1", "ok": true, "d": {"seq": 41}})
        );
        let refused = Reply::refused("r2", Refusal::forbidden("only moderators mute"));
        assert_eq!(
            serde_json::to_value(&refused).unwrap(),
            json!({"op": "reply", "ref": "r2", "ok": false,
                "error": {"code": "forbidden", "message": "only moderators mute"}})
        );
        for reply in [ok, refused] {
            assert_eq!(
                serde_json::from_str::<Reply>(&reply.to_json()).unwrap(),
                reply
            );
        }
    }

    #[test]
    fn a_reply_names_the_last_seq_the_op_caused() {
        let events = vec![
            Event {
                kind: EventKind::HandLowered {
                    user: "u".into(),
                    by: Some("m".into()),
                },
                seq: Some(7),
                ts: 0,
            },
            Event {
                kind: EventKind::RoleChanged {
                    user: "u".into(),
                    role: crate::Role::Speaker,
                    by: "m".into(),
                },
                seq: Some(8),
                ts: 0,
            },
            Event::unsequenced(EventKind::Audience { count: 2 }, 0),
        ];
        assert_eq!(Reply::to("a", &Ok(events)).d, Some(json!({"seq": 8})));
        assert_eq!(Reply::to("b", &Ok(vec![])).d, Some(json!({})));
        let refusal = Refusal::conflict("x");
        assert_eq!(Reply::to("c", &Err(refusal.clone())).error, Some(refusal));
    }

    #[test]
    fn a_pong_echoes_the_ping_with_the_servers_times() {
        let pong = Pong::answer(Some("p".into()), 100, 250, 251);
        assert_eq!(
            serde_json::to_value(&pong).unwrap(),
            json!({"op": "pong", "ref": "p", "d": {"t0": 100, "t1": 250, "t2": 251}})
        );
        assert_eq!(serde_json::from_str::<Pong>(&pong.to_json()).unwrap(), pong);
        let bare = Pong::answer(None, 1, 2, 3);
        assert_eq!(
            serde_json::to_value(&bare).unwrap(),
            json!({"op": "pong", "d": {"t0": 1, "t1": 2, "t2": 3}})
        );
    }
}
