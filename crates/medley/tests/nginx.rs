//! The deployment of docs/OPERATIONS.md on loopback: Debian's nginx in front of three nodes
//! (round robin for the API, a consistent hash of the show id for live shows), with a
//! WebSocket upgrade through it. Runs with the multi-node suite's servers and an `nginx`
//! binary (`MEDLEY_TEST_NGINX`, else `/usr/sbin/nginx`); `MEDLEY_REQUIRE_NGINX=1` makes their
//! absence a failure.

mod cluster;
mod common;

use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

use cluster::{within, Client, Cluster};
use medley_audio::testing::nginx::nginx_binary;

/// The configuration of docs/OPERATIONS.md, without TLS, on `port`, in `dir`.
fn config(dir: &std::path::Path, port: u16, nodes: &[String]) -> String {
    let servers: String = nodes
        .iter()
        .map(|base| {
            format!(
                "        server {} max_fails=1 fail_timeout=5s;\n",
                base.trim_start_matches("http://")
            )
        })
        .collect();
    let d = dir.display();
    format!(
        r#"daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream medley {{
{servers}        keepalive 16;
    }}
    upstream medley_shows {{
        hash $show consistent;
{servers}    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      '';
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 64m;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_next_upstream error timeout http_502 http_503;
        location ~ ^/v1/shows/(?<show>[^/]+)/ {{
            proxy_pass http://medley_shows;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 75s;
        }}
        location / {{
            proxy_pass http://medley;
            proxy_set_header Connection "";
            proxy_request_buffering off;
            proxy_buffering off;
        }}
    }}
}}
"#
    )
}

async fn start_nginx(binary: &str, dir: &std::path::Path, nodes: &[String]) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config(dir, port, nodes)).unwrap();
    let child = Command::new(binary)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("nginx starts");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let url = format!("{base}/readyz");
    within(Duration::from_secs(30), "nginx answers", || {
        let (http, url) = (http.clone(), url.clone());
        async move { matches!(http.get(&url).send().await, Ok(r) if r.status().is_success()) }
    })
    .await;
    (child, base)
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame, as JSON.
async fn next_frame(ws: &mut Ws) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame in time")
            .expect("the connection stays open")
            .unwrap();
        if let Message::Text(text) = frame {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test]
async fn three_nodes_behind_nginx_with_a_websocket_upgrade() {
    let Some(binary) = nginx_binary() else {
        return;
    };
    let Some(cluster) = Cluster::start(3, 120).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let nodes: Vec<String> = cluster.nodes.iter().map(|n| n.base.clone()).collect();
    let (mut nginx, base) = start_nginx(&binary, dir.path(), &nodes).await;

    let http = reqwest::Client::new();
    let token = common::sign_up(&http, &base, "ana").await;
    let ana = Client::new(&base, &token);
    // Requests go round the three nodes; each write is seen by whichever node answers next.
    let uris = ana.tracks("Balanced Aurora", 2).await;
    let p = ana.playlist("Through the balancer").await;
    for round in 0..6 {
        ana.post(
            &format!("/v1/playlists/{p}/items"),
            json!({"uris": [uris[round % 2]]}),
        )
        .await;
        // Six reads: two per node, each must show every item added so far.
        for _ in 0..6 {
            within(
                Duration::from_secs(3),
                "an item added through nginx listed",
                || {
                    let (ana, p) = (ana.clone(), p.clone());
                    async move { ana.items(&p).await.len() == round + 1 }
                },
            )
            .await;
        }
    }
    for _ in 0..6 {
        let hits = ana.get("/v1/search?q=aurora&type=track").await;
        assert_eq!(hits["tracks"]["total"], 2, "{hits}");
    }

    // A live show through the WebSocket upgrade: welcome, then a comment comes back with its seq.
    let show = ana.post("/v1/shows", json!({"title": "Balanced"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = ana
        .send(
            Method::POST,
            &format!("/v1/shows/{show}/start"),
            Some(json!({})),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let ws_url = format!("{}/v1/shows/{show}/live", base.replacen("http", "ws", 1));
    let (mut ws, response) = tokio_tungstenite::connect_async(ws_url.as_str())
        .await
        .expect("the WebSocket upgrade goes through nginx");
    assert_eq!(response.status(), 101);
    let send = |op: Value| Message::text(op.to_string());
    ws.send(send(json!({"op": "hello", "d": {"v": 1, "token": token}})))
        .await
        .unwrap();
    let welcome = next_frame(&mut ws).await;
    assert_eq!(welcome["op"], "welcome", "{welcome}");
    ws.send(send(
        json!({"op": "comment", "d": {"text": "hello through nginx"}, "ref": "c1"}),
    ))
    .await
    .unwrap();
    let mut comment = None;
    let mut replied = false;
    while comment.is_none() || !replied {
        let v = next_frame(&mut ws).await;
        match v["op"].as_str() {
            Some("comment") => comment = Some(v),
            Some("reply") => {
                assert_eq!(
                    (v["ref"].as_str(), v["ok"].as_bool()),
                    (Some("c1"), Some(true)),
                    "{v}"
                );
                replied = true;
            }
            _ => {}
        }
    }
    let comment = comment.unwrap();
    assert_eq!(comment["d"]["text"], "hello through nginx");
    assert!(comment["seq"].as_u64().unwrap() > welcome["d"]["seq"].as_u64().unwrap());
    ws.close(None).await.unwrap();

    // SIGTERM: the master stops its worker too (SIGKILL would leave the worker running).
    // The shell's own `kill`: a `kill` program is not on every machine (procps).
    let pid = nginx.id().expect("nginx runs");
    let stopped = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -TERM {pid}"))
        .status()
        .await;
    assert!(stopped.is_ok_and(|s| s.success()));
    tokio::time::timeout(Duration::from_secs(10), nginx.wait())
        .await
        .expect("nginx stops on SIGTERM")
        .unwrap();
    cluster.stop().await;
}
