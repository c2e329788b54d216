//! A node that loses NATS: not ready while it is gone, caught up when it is back.

use super::*;

/// A NATS server of the test's own (`MEDLEY_TEST_NATS_SERVER`, else `/usr/sbin/nats-server`),
/// on `port`, ready to accept connections.
async fn own_nats(port: u16) -> Option<tokio::process::Child> {
    let binary =
        std::env::var("MEDLEY_TEST_NATS_SERVER").unwrap_or_else(|_| "/usr/sbin/nats-server".into());
    if !std::path::Path::new(&binary).exists() {
        assert!(
            std::env::var("MEDLEY_REQUIRE_NATS").as_deref() != Ok("1"),
            "MEDLEY_REQUIRE_NATS=1 but there is no nats-server at {binary}"
        );
        eprintln!("skipped: no nats-server at {binary}");
        return None;
    }
    let child = tokio::process::Command::new(binary)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    within(
        Duration::from_secs(10),
        "nats-server listens",
        || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        },
    )
    .await;
    Some(child)
}

#[tokio::test]
async fn a_node_that_lost_nats_is_not_ready_and_catches_up_when_it_is_back() {
    let Some((db, _)) = cluster::servers() else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Some(mut nats) = own_nats(port).await else {
        return;
    };
    let cluster = Cluster::start_on(&db, &format!("nats://127.0.0.1:{port}"), 2, 120).await;
    let http = reqwest::Client::new();
    let token = common::sign_up(&http, &cluster.nodes[0].base, "ana").await;
    let a = Client::new(&cluster.nodes[0].base, &token);
    let b = a.on(&cluster.nodes[1]);
    let ready = |node: String| {
        let http = http.clone();
        async move {
            http.get(format!("{node}/readyz"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(ready(a.base.clone()).await, StatusCode::OK);

    nats.start_kill().unwrap();
    nats.wait().await.unwrap();
    within(
        Duration::from_secs(10),
        "A says it is not ready without NATS",
        || ready(a.base.clone()).map(|s| s == StatusCode::SERVICE_UNAVAILABLE),
    )
    .await;
    // Written on B while the nodes cannot hear each other.
    b.tracks("Outage Lullaby", 2).await;

    let _nats = own_nats(port).await.unwrap();
    within(
        Duration::from_secs(30),
        "A ready again once NATS is back",
        || ready(a.base.clone()).map(|s| s == StatusCode::OK),
    )
    .await;
    within(SOON, "what B wrote meanwhile found on A", || {
        let a = a.clone();
        async move { a.get("/v1/search?q=lullaby&type=track").await["tracks"]["total"] == 2 }
    })
    .await;
    cluster.stop().await;
}
