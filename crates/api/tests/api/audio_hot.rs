//! Hot objects against the real S3 server: the first stream of an object reads S3 (a miss) and
//! leaves a whole copy on the node's disk; the next streams, ranges and transcodes read that
//! copy (hits), byte for byte the same, even once the object is gone from S3.

use std::time::{Duration, Instant};

use medley_audio::Location;
use reqwest::StatusCode;

use crate::audio_harness::AudioApp;
use crate::audio_streams::{fetch, one_track};

/// The node's own counters from `/metrics`: (hits, misses, bytes held).
async fn hot_metrics(a: &AudioApp) -> (u64, u64, u64) {
    let text = a.metrics().await;
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in the metrics:\n{text}"))
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    (
        value("medley_hot_cache_hits_total"),
        value("medley_hot_cache_misses_total"),
        value("medley_hot_cache_bytes"),
    )
}

#[tokio::test]
async fn the_second_stream_of_an_s3_object_is_a_local_hit_with_the_same_bytes() {
    let Some(a) = AudioApp::spawn_s3_hot(64 * 1024 * 1024).await else {
        return;
    };
    let (id, bytes) = one_track(&a, "Warm").await;
    // Only S3 holds it now.
    std::fs::remove_file(a.music().join("Warm.wav")).unwrap();
    let url = format!("/v1/tracks/{id}/stream");
    assert_eq!(hot_metrics(&a).await, (0, 0, 0));

    let first = fetch(&a, &url, Some(&a.admin), &[]).await;
    assert!(first.status == StatusCode::OK && first.body == bytes);
    let (hits, misses, _) = hot_metrics(&a).await;
    assert_eq!((hits, misses), (0, 1), "the first stream reads S3");
    // The copy is made in the background; wait for it (with a deadline).
    let deadline = Instant::now() + Duration::from_secs(20);
    while hot_metrics(&a).await.2 != bytes.len() as u64 {
        assert!(Instant::now() < deadline, "the hot copy was not made");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let second = fetch(&a, &url, Some(&a.admin), &[]).await;
    assert!(second.status == StatusCode::OK && second.body == bytes);
    assert_eq!(hot_metrics(&a).await.0, 1, "the second stream is a hit");
    let ranged = fetch(&a, &url, Some(&a.admin), &[("range", "bytes=5000-5999")]).await;
    assert_eq!(ranged.status, StatusCode::PARTIAL_CONTENT);
    assert!(ranged.body == bytes[5000..6000]);
    assert_eq!(hot_metrics(&a).await, (2, 1, bytes.len() as u64));

    // Served from this disk indeed: the object deleted from S3 still plays here.
    let file = &a.track_files(id.as_str()).await[0];
    let key = file.object_key.clone().expect("copied into S3");
    a.state.app.audio.storage.delete(&key).await.unwrap();
    assert!(a
        .state
        .app
        .audio
        .storage
        .read_all(&Location::Object(key))
        .await
        .is_err());
    let third = fetch(&a, &url, Some(&a.admin), &[("range", "bytes=-100")]).await;
    assert!(third.body == bytes[bytes.len() - 100..]);
    assert_eq!(hot_metrics(&a).await.0, 3);
}
