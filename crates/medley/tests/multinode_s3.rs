//! Several nodes with their audio and uploads in one S3 store: an export uploaded to a node
//! that is killed while importing it is imported by another node, from the shared copy of the
//! upload; audio uploaded through one node streams from another, and stops there once deleted.
//! Runs with the multi-node suite's servers and the S3 test server (`source .ci/s3-server`;
//! `MEDLEY_REQUIRE_S3=1` makes its absence a failure).

mod cluster;
mod common;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use cluster::{within, Client, Cluster};

/// An Extended streaming history file of `n` plays, one every 4 minutes.
fn export(n: usize) -> Vec<u8> {
    let start = 1_704_067_200; // 2024-01-01T00:00:00Z
    let rows: Vec<Value> = (0..n)
        .map(|i| {
            let ts = chrono::DateTime::from_timestamp(start + 240 * i as i64, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            json!({"ts": ts, "platform": "ios", "ms_played": 200000, "conn_country": "DE",
                "ip_addr": "x", "master_metadata_track_name": format!("Song {}", i % 500),
                "master_metadata_album_artist_name": format!("Artist {}", i % 50),
                "master_metadata_album_album_name": "Album",
                "spotify_track_uri": format!("spotify:track:{:022}", i % 500), "episode_name": null,
                "episode_show_name": null, "spotify_episode_uri": null, "audiobook_title": null,
                "audiobook_uri": null, "audiobook_chapter_uri": null, "audiobook_chapter_title": null,
                "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": false,
                "skipped": false, "offline": false, "offline_timestamp": null, "incognito_mode": false})
        })
        .collect();
    serde_json::to_vec(&rows).unwrap()
}

/// A cluster (no node yet) on the test servers, whose nodes will keep their audio and uploads
/// in the S3 test store; `None` when those servers are not configured.
async fn s3_cluster() -> Option<Cluster> {
    let s3 = medley_audio::testing::s3_settings()?;
    let (db, nats) = cluster::servers()?;
    let mut cluster = Cluster::start_on(&db, &nats, 0, 5).await;
    cluster.extra = vec![
        "--storage-url".into(),
        s3.url.clone(),
        "--storage-endpoint".into(),
        s3.endpoint.clone().unwrap(),
    ];
    if let Some(key) = &s3.access_key_id {
        cluster
            .extra
            .extend(["--storage-access-key-id".into(), key.clone()]);
    }
    if let Some(secret) = &s3.secret_access_key {
        cluster.env.push((
            "MEDLEY_STORAGE_SECRET_ACCESS_KEY".into(),
            secret.expose().to_owned(),
        ));
    }
    Some(cluster)
}

#[tokio::test]
async fn an_upload_to_a_killed_node_is_imported_by_another() {
    let Some(mut cluster) = s3_cluster().await else {
        return;
    };
    let a = cluster.spawn().await;
    cluster.nodes.push(a);
    let http = reqwest::Client::new();
    let token = common::sign_up(&http, &cluster.nodes[0].base, "ana").await;
    let on_a = Client::new(&cluster.nodes[0].base, &token);

    const PLAYS: usize = 60_000;
    let r = http
        .post(format!(
            "{}/v1/me/imports?name=Streaming_History_Audio_2024.json",
            on_a.base
        ))
        .bearer_auth(&token)
        .header("content-type", "application/octet-stream")
        .body(export(PLAYS))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/me/imports/{id}");
    // A is killed once it is importing (its spool folder dies with it).
    within(Duration::from_secs(60), "A started importing", || {
        let (a, path) = (on_a.clone(), path.clone());
        async move {
            let i = a.get(&path).await;
            assert_eq!(
                i["status"], "running",
                "A finished before it could be killed: {i}"
            );
            i["progress"]["rows_done"].as_i64().unwrap_or(0) > 0
        }
    })
    .await;
    cluster.nodes[0].kill().await;

    let b = cluster.spawn().await;
    cluster.nodes.push(b);
    let on_b = on_a.on(&cluster.nodes[1]);
    let import = within(Duration::from_secs(180), "B finished the import", || {
        let (b, path) = (on_b.clone(), path.clone());
        async move {
            let i = b.get(&path).await;
            if i["status"] == "running" {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            i["status"] != "running"
        }
    })
    .await;
    let _ = import;
    let i = on_b.get(&path).await;
    assert_eq!(i["status"], "done", "{i}");
    let totals = on_b.get("/v1/me/stats/totals").await;
    assert_eq!(totals["plays"], PLAYS as u64, "{totals}");
    cluster.stop().await;
}

/// Audio uploaded through A streams from B (its bytes are in the shared store). B remembers
/// which file plays for the track; once the file is deleted through A, B answers 404 within
/// the delay of one NATS message, not after its cache's minute: A's deletion told B to forget.
#[tokio::test]
async fn audio_uploaded_to_one_node_streams_from_another_until_deleted_there() {
    let Some(mut cluster) = s3_cluster().await else {
        return;
    };
    for _ in 0..2 {
        let node = cluster.spawn().await;
        cluster.nodes.push(node);
    }
    let http = reqwest::Client::new();
    let token = common::sign_up(&http, &cluster.nodes[0].base, "ana").await;
    let (on_a, on_b) = (
        Client::new(&cluster.nodes[0].base, &token),
        Client::new(&cluster.nodes[1].base, &token),
    );

    let tags = medley_audio::testing::Written::song("Shared", "Nodes", "Store");
    let bytes = medley_audio::testing::wav(1_500, 330.0, &tags);
    let r = http
        .post(format!("{}/v1/library/files", on_a.base))
        .query(&[("name", "shared.wav")])
        .bearer_auth(&token)
        .header("content-type", "application/octet-stream")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let file: Value = r.json().await.unwrap();
    let (file_id, track_id) = (
        file["id"].as_str().unwrap().to_owned(),
        file["track"]["id"].as_str().unwrap().to_owned(),
    );
    let stream = |base: &str| {
        http.get(format!("{base}/v1/tracks/{track_id}/stream"))
            .bearer_auth(&token)
            .send()
    };
    // Twice from B: the second answer comes from what B remembered of the track's files.
    for _ in 0..2 {
        let r = stream(&on_b.base).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.bytes().await.unwrap() == bytes, "B streams A's upload");
    }

    let (status, body) = on_a
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/library/files/{file_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    within(
        Duration::from_secs(10),
        "B stopped streaming the deleted file",
        || {
            let r = stream(&on_b.base);
            async move { r.await.unwrap().status() == StatusCode::NOT_FOUND }
        },
    )
    .await;
    cluster.stop().await;
}
