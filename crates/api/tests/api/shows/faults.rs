//! The fault test: a busy show (playback, slow mode, hands) while random listeners drop and
//! resume. Afterwards every listener has seen every reliable event exactly once, in order
//! (the client checks `seq` as it reads), the same as the creator, and nobody was seen
//! leaving or coming back.

use medley_app::shows::live::LiveConfig;
use medley_store::Backend;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::client::{live_show_playing, server, Client, Frame};

const LISTENERS: usize = 5;

#[tokio::test]
async fn listeners_dropping_and_resuming_miss_nothing_and_see_nothing_twice() {
    for seed in [1, 2, 3] {
        busy_show(seed).await;
    }
}

async fn busy_show(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let config = LiveConfig {
        frames_per_second: 10_000,
        ..LiveConfig::default()
    };
    let app = server(Backend::Sqlite, config).await.unwrap();
    let (_, ana) = app.user("ana").await;
    let uris = app.tracks(&ana, 3).await;
    let show = live_show_playing(&app, &ana, "Busy", json!({"name": "Busy"}), &uris).await;
    let (mut host, _) = Client::join(&app, &show, &ana).await;
    host.ok("playback.play", json!({"index": 0})).await;
    let mut people = Vec::new();
    for i in 0..LISTENERS {
        let (id, token) = app.user(&format!("listener{i}")).await;
        let (client, _) = Client::join(&app, &show, &token).await;
        people.push(Person {
            id,
            token,
            client,
            connected: true,
            hand: false,
            first_seq: 0,
        });
    }
    for p in &mut people {
        p.first_seq = p.client.seq + 1;
    }
    let mut slow_mode = 1;
    for _ in 0..150 {
        let p = &mut people[rng.gen_range(0..LISTENERS)];
        match rng.gen_range(0..10) {
            0..=3 => {
                let position = rng.gen_range(0..170_000);
                host.ok("playback.seek", json!({"position_ms": position}))
                    .await;
            }
            4 => {
                slow_mode = if slow_mode == 1 { 2 } else { 1 };
                host.ok("slow_mode.set", json!({"seconds": slow_mode}))
                    .await;
            }
            5 | 6 => {
                if p.connected {
                    p.client.abandon();
                    p.connected = false;
                } else {
                    p.resume(&app.base, &show).await;
                }
            }
            _ => {
                if !p.connected {
                    p.resume(&app.base, &show).await;
                }
                let op = if p.hand { "hand.lower" } else { "hand.raise" };
                p.client.ok(op, json!({})).await;
                p.hand = !p.hand;
            }
        }
    }
    host.ok("slow_mode.set", json!({"seconds": 0})).await;
    let last = host.seq;
    for p in &mut people {
        if !p.connected {
            p.resume(&app.base, &show).await;
        }
        while p.client.seq < last {
            let Frame::Json(_) = p.client.next().await else {
                panic!("seed {seed}: closed while catching up")
            };
        }
        let theirs: Vec<&Value> = p.client.events.iter().collect();
        let expected: Vec<&Value> = host
            .events
            .iter()
            .filter(|e| e["seq"].as_u64().unwrap() >= p.first_seq)
            .collect();
        assert_eq!(theirs, expected, "seed {seed}: {} saw it all, once", p.id);
        let seen_coming_or_going = host
            .events
            .iter()
            .filter(|e| {
                (e["op"] == "left" || e["op"] == "joined")
                    && e["d"]["user"] == p.id.as_str()
                    && e["seq"].as_u64().unwrap() >= p.first_seq
            })
            .count();
        assert_eq!(seen_coming_or_going, 0, "seed {seed}: {} never left", p.id);
    }
}

struct Person {
    id: String,
    token: String,
    client: Client,
    connected: bool,
    hand: bool,
    /// The first `seq` after their welcome.
    first_seq: u64,
}

impl Person {
    async fn resume(&mut self, base: &str, show: &str) {
        let (client, first) = Client::resume(base, show, &self.token, &self.client).await;
        assert_eq!(first["op"], "resumed", "{first}");
        self.client = client;
        self.connected = true;
    }
}
