//! The cross-node delay of docs/BENCHMARKS.md, a benchmark run by name.

use super::*;

/// The cross-node delay of docs/BENCHMARKS.md ("Several nodes"): a playlist renamed through A,
/// timed from A's answer until B answers with the new name (B polls as fast as it answers), 300
/// times; then B's own histogram of event transit (publication on A to arrival on B). Run with
/// `cargo test -p medley --test multinode cross_node_delay -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a benchmark: run it by name"]
async fn cross_node_delay() {
    let Some(cluster) = Cluster::start(2, 120).await else {
        return;
    };
    let http = reqwest::Client::new();
    let token = common::sign_up(&http, &cluster.nodes[0].base, "ana").await;
    let a = Client::new(&cluster.nodes[0].base, &token);
    let b = a.on(&cluster.nodes[1]);
    let p = a.playlist("renamed").await;
    let path = format!("/v1/playlists/{p}");
    let mut delays = Vec::new();
    for i in 0..300 {
        // B holds the current name in its cache (TTL 5 s) before each rename.
        let _ = b.get(&path).await;
        let name = format!("name {i}");
        a.put(&path, json!({"name": name})).await;
        let started = std::time::Instant::now();
        loop {
            if b.get(&path).await["name"] == name.as_str() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "B never saw {name}"
            );
        }
        delays.push(started.elapsed());
    }
    delays.sort();
    let at = |q: f64| delays[((delays.len() as f64 * q).ceil() as usize).min(delays.len()) - 1];
    println!(
        "write on A visible on B, {} renames: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        delays.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        delays[delays.len() - 1]
    );
    let metrics = http
        .get(format!("{}/metrics", cluster.nodes[1].base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("medley_bus_remote_delay_seconds"))
    {
        println!("B: {line}");
    }
    cluster.stop().await;
}
