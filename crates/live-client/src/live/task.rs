//! The task that owns a live show's socket: reads frames, passes events on in `seq` order,
//! routes replies, pings for the clock, and connects again with `resume` after a drop.

use super::*;

/// How a connection's life ended.
enum Ended {
    /// For good.
    Closed(Closed),
    /// Reconnect (and resume).
    Dropped(String),
    /// The program dropped its [`Live`]: close quietly.
    Abandoned,
}

/// The connection's task: the socket and everything about it.
pub(super) struct Task {
    url: String,
    token: String,
    options: LiveOptions,
    session: String,
    /// The last reliable event passed on.
    seq: u64,
    updates: mpsc::Sender<Update>,
    ops: mpsc::Receiver<(Op, Answer)>,
    clock: Arc<Mutex<Clock>>,
    /// Ops sent on this connection and not answered yet, by `ref`.
    pending: HashMap<String, Pending>,
    next_ref: u64,
}

enum Pending {
    Op(Answer),
    /// A clock ping of the client's own.
    Clock,
}

impl Task {
    /// The task of a connection that was just welcomed into `session` at `seq`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        url: &str,
        token: &str,
        options: LiveOptions,
        session: String,
        seq: u64,
        updates: mpsc::Sender<Update>,
        ops: mpsc::Receiver<(Op, Answer)>,
        clock: Arc<Mutex<Clock>>,
    ) -> Task {
        Task {
            url: url.to_owned(),
            token: token.to_owned(),
            options,
            session,
            seq,
            updates,
            ops,
            clock,
            pending: HashMap::new(),
            next_ref: 0,
        }
    }

    pub(super) async fn run(mut self, mut socket: Socket) {
        loop {
            let ended = self.pump(&mut socket).await;
            self.fail_pending(match ended {
                Ended::Dropped(_) => OpError::Disconnected,
                Ended::Closed(_) | Ended::Abandoned => OpError::Closed,
            });
            match ended {
                Ended::Abandoned => {
                    let _ = socket.close(None).await;
                    return;
                }
                Ended::Closed(closed) => {
                    let _ = self.updates.send(Update::Closed(closed)).await;
                    return;
                }
                Ended::Dropped(reason) => {
                    let _ = socket.close(None).await;
                    tracing::debug!(%reason, "the live connection dropped; resuming");
                    if self
                        .updates
                        .send(Update::Reconnecting { reason })
                        .await
                        .is_err()
                    {
                        return;
                    }
                    match self.reconnect().await {
                        Ok(s) => socket = s,
                        Err(closed) => {
                            let _ = self.updates.send(Update::Closed(closed)).await;
                            return;
                        }
                    }
                }
            }
        }
    }

    fn fail_pending(&mut self, error: OpError) {
        for (_, pending) in self.pending.drain() {
            if let Pending::Op(answer) = pending {
                let _ = answer.send(Err(error.clone()));
            }
        }
    }

    /// Connects again with `resume` until it works, the server refuses for good, or
    /// [`LiveOptions::reconnect_for`] passes. Backs off from 100 ms to 5 s.
    async fn reconnect(&mut self) -> Result<Socket, Closed> {
        let give_up = Instant::now() + self.options.reconnect_for;
        let mut wait = Duration::from_millis(100);
        loop {
            let resume = Resume {
                session: self.session.clone(),
                seq: self.seq,
            };
            let failure = match handshake(
                &self.url,
                &self.token,
                Some(resume),
                self.options.hello_timeout,
            )
            .await
            {
                Ok((socket, First::Resumed)) => {
                    self.send_update(Update::Resumed)
                        .await
                        .map_err(|_| abandoned())?;
                    return Ok(socket);
                }
                Ok((socket, First::Welcome(welcome))) => {
                    self.session = welcome.session.clone();
                    self.seq = welcome.seq;
                    self.send_update(Update::Welcome(welcome))
                        .await
                        .map_err(|_| abandoned())?;
                    return Ok(socket);
                }
                Err(Handshake::Closed(closed)) => match closed.close().map(Close::reconnect) {
                    Some(Reconnect::Yes | Reconnect::WithResume) => closed.to_string(),
                    Some(Reconnect::AfterDelay) => {
                        wait = wait.max(Duration::from_secs(2));
                        closed.to_string()
                    }
                    _ => return Err(closed),
                },
                Err(Handshake::Failed(reason)) => reason,
            };
            if Instant::now() + wait > give_up {
                return Err(Closed {
                    code: None,
                    reason: format!(
                        "could not reconnect within {} s: {failure}",
                        self.options.reconnect_for.as_secs()
                    ),
                });
            }
            tracing::debug!(%failure, ?wait, "reconnecting to the live show failed; retrying");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }

    async fn send_update(&self, update: Update) -> Result<(), ()> {
        self.updates.send(update).await.map_err(|_| ())
    }

    /// Runs one connection until it ends.
    async fn pump(&mut self, socket: &mut Socket) -> Ended {
        let idle = self.options.idle_timeout;
        let mut silent_until = Instant::now() + idle;
        // Three quick clock samples, then one every `ping_every`.
        let mut pings_sent = 0u32;
        let mut next_ping = Instant::now();
        loop {
            tokio::select! {
                message = socket.next() => {
                    silent_until = Instant::now() + idle;
                    let text = match message {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(frame))) => {
                            let closed = closed_by(frame.as_ref());
                            return match closed.close().map(Close::reconnect) {
                                Some(Reconnect::Yes | Reconnect::WithResume | Reconnect::AfterDelay) => {
                                    Ended::Dropped(closed.to_string())
                                }
                                _ => Ended::Closed(closed),
                            };
                        }
                        // Pings are answered by the library as it reads.
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => return Ended::Dropped(format!("the connection failed: {e}")),
                        None => return Ended::Dropped("the connection ended without a close".into()),
                    };
                    if let Some(ended) = self.inbound(&text).await {
                        return ended;
                    }
                }
                op = self.ops.recv() => {
                    let Some((op, answer)) = op else { return Ended::Abandoned };
                    self.next_ref += 1;
                    let reference = self.next_ref.to_string();
                    let frame = Frame { op, reference: Some(reference.clone()) };
                    if let Err(e) = socket.send(Message::text(frame.to_json())).await {
                        let _ = answer.send(Err(OpError::Disconnected));
                        return Ended::Dropped(format!("sending failed: {e}"));
                    }
                    self.pending.insert(reference, Pending::Op(answer));
                }
                () = tokio::time::sleep_until(next_ping) => {
                    self.next_ref += 1;
                    let reference = format!("clock-{}", self.next_ref);
                    let frame = Frame { op: Op::Ping { t0: now_ms() }, reference: Some(reference.clone()) };
                    if let Err(e) = socket.send(Message::text(frame.to_json())).await {
                        return Ended::Dropped(format!("sending failed: {e}"));
                    }
                    self.pending.insert(reference, Pending::Clock);
                    pings_sent += 1;
                    next_ping = Instant::now() + if pings_sent < 3 {
                        Duration::from_millis(250)
                    } else {
                        self.options.ping_every
                    };
                }
                () = tokio::time::sleep_until(silent_until) => {
                    return Ended::Dropped(format!("nothing from the server for {} s", idle.as_secs()));
                }
            }
        }
    }

    /// Handles one text frame; `Some` ends the connection.
    async fn inbound(&mut self, text: &str) -> Option<Ended> {
        let frame = match inbound::read(text) {
            Ok(frame) => frame,
            Err(e) => {
                tracing::warn!(error = %e, "a frame from the live show could not be read");
                return None;
            }
        };
        let (seq, update) = match frame {
            Inbound::Reply(reply) => {
                self.answer(reply);
                return None;
            }
            Inbound::Pong { reference, times } => {
                let t3 = now_ms();
                self.clock
                    .lock()
                    .expect("clock lock")
                    .sample(times.t0, times.t1, times.t2, t3);
                match reference.and_then(|r| self.pending.remove(&r)) {
                    Some(Pending::Op(answer)) => {
                        let _ = answer.send(Ok(Ack {
                            seq: None,
                            d: json!({"t0": times.t0, "t1": times.t1, "t2": times.t2, "t3": t3}),
                        }));
                    }
                    Some(Pending::Clock) | None => {}
                }
                return None;
            }
            Inbound::Event(event) => match &event.kind {
                EventKind::Welcome(_) | EventKind::Resumed { .. } => {
                    return Some(Ended::Dropped(format!(
                        "the server sent `{}` in the middle of the show",
                        if matches!(event.kind, EventKind::Welcome(_)) {
                            "welcome"
                        } else {
                            "resumed"
                        }
                    )));
                }
                _ => (event.seq, Update::Event(event)),
            },
            Inbound::Unknown { seq, frame } => (seq, Update::Unknown(frame)),
        };
        if let Some(seq) = seq {
            if seq <= self.seq {
                // Replayed on a resume and already passed on.
                return None;
            }
            if seq != self.seq + 1 {
                let missed = if seq == self.seq + 2 {
                    format!("event {} was missed", self.seq + 1)
                } else {
                    format!("events {} to {} were missed", self.seq + 1, seq - 1)
                };
                return Some(Ended::Dropped(missed));
            }
            self.seq = seq;
        }
        if self.updates.send(update).await.is_err() {
            return Some(Ended::Abandoned);
        }
        None
    }

    fn answer(&mut self, reply: ReplyFrame) {
        let Some(reference) = reply.reference else {
            tracing::warn!(error = ?reply.error, "the live show could not read a frame of this client");
            return;
        };
        let Some(Pending::Op(answer)) = self.pending.remove(&reference) else {
            return;
        };
        let result = if reply.ok {
            let d = reply.d.unwrap_or(Value::Null);
            Ok(Ack {
                seq: d["seq"].as_u64(),
                d,
            })
        } else {
            Err(match reply.error {
                Some(refusal) => OpError::Refused(refusal),
                None => OpError::Refused(medley_live::Refusal::bad_request(
                    "refused without a reason",
                )),
            })
        };
        let _ = answer.send(result);
    }
}

fn abandoned() -> Closed {
    Closed {
        code: Some(u16::from(CloseCode::Normal)),
        reason: "the program stopped reading".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(seq: u64) -> (Task, mpsc::Receiver<Update>) {
        let (updates, read) = mpsc::channel(16);
        let (_ops_in, ops) = mpsc::channel(1);
        let task = Task {
            url: "ws://127.0.0.1:1/v1/shows/s/live".into(),
            token: "t".into(),
            options: LiveOptions::default(),
            session: "s".into(),
            seq,
            updates,
            ops,
            clock: Arc::default(),
            pending: HashMap::new(),
            next_ref: 0,
        };
        (task, read)
    }

    fn event(seq: Option<u64>) -> String {
        match seq {
            Some(seq) => format!(r#"{{"op":"hand.raised","d":{{"user":"u"}},"seq":{seq},"ts":1}}"#),
            None => r#"{"op":"audience","d":{"count":2},"ts":1}"#.into(),
        }
    }

    #[tokio::test]
    async fn reliable_events_pass_once_in_order_and_a_gap_resumes() {
        let (mut task, mut read) = task(3);
        assert!(task.inbound(&event(Some(4))).await.is_none());
        // A replay of what was passed on is skipped.
        assert!(task.inbound(&event(Some(3))).await.is_none());
        assert!(task.inbound(&event(Some(4))).await.is_none());
        // Ephemeral events have no seq and pass.
        assert!(task.inbound(&event(None)).await.is_none());
        // Unknown events count in seq.
        let unknown = r#"{"op":"poll.opened","d":{},"seq":5,"ts":1}"#;
        assert!(task.inbound(unknown).await.is_none());
        assert_eq!(task.seq, 5);
        // A gap is never passed over: the connection resumes from the last seq passed on.
        match task.inbound(&event(Some(7))).await {
            Some(Ended::Dropped(reason)) => assert_eq!(reason, "event 6 was missed"),
            _ => panic!("a gap drops the connection"),
        }
        assert_eq!(task.seq, 5);
        let mut seqs = Vec::new();
        while let Ok(update) = read.try_recv() {
            seqs.push(match update {
                Update::Event(e) => e.seq,
                Update::Unknown(v) => v["seq"].as_u64(),
                other => panic!("{other:?}"),
            });
        }
        assert_eq!(seqs, [Some(4), None, Some(5)]);
    }

    #[tokio::test]
    async fn replies_reach_the_op_that_asked() {
        let (mut task, _read) = task(0);
        let (ok, ok_answer) = oneshot::channel();
        let (refused, refused_answer) = oneshot::channel();
        task.pending.insert("1".into(), Pending::Op(ok));
        task.pending.insert("2".into(), Pending::Op(refused));
        task.inbound(r#"{"op":"reply","ref":"1","ok":true,"d":{"seq":9}}"#)
            .await;
        task.inbound(
            r#"{"op":"reply","ref":"2","ok":false,"error":{"code":"forbidden","message":"no"}}"#,
        )
        .await;
        assert_eq!(ok_answer.await.unwrap().unwrap().seq, Some(9));
        let Err(OpError::Refused(r)) = refused_answer.await.unwrap() else {
            panic!()
        };
        assert_eq!(r.message, "no");
        // A pong feeds the clock.
        task.pending.insert("clock-3".into(), Pending::Clock);
        let t = now_ms();
        task.inbound(&format!(
            r#"{{"op":"pong","ref":"clock-3","d":{{"t0":{t},"t1":{t},"t2":{t}}}}}"#
        ))
        .await;
        assert!(task.clock.lock().unwrap().estimate().is_some());
        assert!(task.pending.is_empty());
    }
}
