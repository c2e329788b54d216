//! The audio storage suite: the same scenarios against a local folder (always) and a real
//! S3-compatible server (when `MEDLEY_TEST_S3_ENDPOINT` is set; CI starts SeaweedFS and sets
//! it, with `MEDLEY_REQUIRE_S3` so that a missing server fails rather than skips).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use medley_audio::testing::s3_settings;
use medley_audio::{Location, Storage, StorageConfig, StorageError};

/// Bytes that differ at every position, so a wrong range cannot look right.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed)
        .collect()
}

async fn read(storage: &Storage, key: &str, range: Option<std::ops::Range<u64>>) -> Vec<u8> {
    let mut stream = storage
        .read(&Location::Object(key.into()), range)
        .await
        .expect("read");
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.expect("chunk"));
    }
    out
}

/// Everything the rest of Medley relies on, on one store.
async fn suite(storage: &Storage) {
    let small = pattern(10_000, 1);
    let key = "ab/abcdef.flac";
    assert!(!storage.exists(key).await.unwrap());
    storage
        .put_bytes(key, Bytes::from(small.clone()))
        .await
        .unwrap();
    assert!(storage.exists(key).await.unwrap());
    let meta = storage.head(&Location::Object(key.into())).await.unwrap();
    assert_eq!(meta.size, 10_000);
    assert!(meta.last_modified_ms > 1_600_000_000_000, "{meta:?}");
    assert_eq!(read(storage, key, None).await, small);
    for range in [0..1, 0..10_000, 17..4_113, 9_999..10_000] {
        assert_eq!(
            read(storage, key, Some(range.clone())).await,
            &small[range.start as usize..range.end as usize],
            "range {range:?}"
        );
    }

    // Larger than one part: written in parts from a file, read back whole and in ranges.
    let dir = tempfile::tempdir().unwrap();
    let big = pattern(19 * 1024 * 1024 + 123, 2);
    let source = dir.path().join("big.flac");
    std::fs::write(&source, &big).unwrap();
    storage.put_file("cd/big.flac", &source).await.unwrap();
    let meta = storage
        .head(&Location::Object("cd/big.flac".into()))
        .await
        .unwrap();
    assert_eq!(meta.size, big.len() as u64);
    assert!(read(storage, "cd/big.flac", None).await == big);
    let middle = 9 * 1024 * 1024 - 5..9 * 1024 * 1024 + 70_000;
    assert!(
        read(storage, "cd/big.flac", Some(middle.clone())).await
            == big[middle.start as usize..middle.end as usize]
    );

    // A small file goes in one request.
    let tiny = dir.path().join("tiny.mp3");
    std::fs::write(&tiny, b"ID3 tiny").unwrap();
    storage.put_file("ef/tiny.mp3", &tiny).await.unwrap();
    assert_eq!(read(storage, "ef/tiny.mp3", None).await, b"ID3 tiny");

    // Deleting: gone afterwards, and deleting twice is fine.
    storage.delete(key).await.unwrap();
    storage.delete(key).await.unwrap();
    assert!(!storage.exists(key).await.unwrap());
    match storage.read(&Location::Object(key.into()), None).await {
        Err(StorageError::NotFound(_)) => {}
        Err(e) => panic!("expected NotFound, got {e}"),
        Ok(_) => panic!("expected NotFound, got bytes"),
    }
    for k in ["cd/big.flac", "ef/tiny.mp3"] {
        storage.delete(k).await.unwrap();
    }
}

#[tokio::test]
async fn local_folder() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::local(&dir.path().join("audio"));
    assert!(!storage.is_remote());
    suite(&storage).await;
}

#[tokio::test]
async fn s3_server() {
    let Some(config) = s3_settings() else { return };
    let storage = Storage::open(&config).expect("S3 storage");
    assert!(storage.is_remote());
    assert!(
        storage.describe().starts_with("s3://"),
        "{}",
        storage.describe()
    );
    suite(&storage).await;
}

#[tokio::test]
async fn files_are_read_in_place_whatever_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::local(&dir.path().join("objects"));
    for name in [
        "plain.flac",
        "with space.mp3",
        "Beyoncé – Halo.m4a",
        "100% pure.ogg",
        "what?.opus",
        "hash#tag.flac",
        "a+b=c&d.wav",
    ] {
        let sub = dir.path().join("Artist (2001) [FLAC]");
        std::fs::create_dir_all(&sub).unwrap();
        let path = sub.join(name);
        let bytes = pattern(3_000, name.len() as u8);
        std::fs::write(&path, &bytes).unwrap();
        let at = Location::Disk(path.clone());
        assert_eq!(storage.head(&at).await.unwrap().size, 3_000, "{name}");
        assert_eq!(storage.read_all(&at).await.unwrap(), bytes, "{name}");
        let mut part = storage.read(&at, Some(100..200)).await.unwrap();
        let mut got = Vec::new();
        while let Some(c) = part.next().await {
            got.extend_from_slice(&c.unwrap());
        }
        assert_eq!(got, &bytes[100..200], "{name}");
    }
    let gone = Location::Disk(dir.path().join("gone.flac"));
    assert!(matches!(
        storage.head(&gone).await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        storage.read(&gone, None).await,
        Err(StorageError::NotFound(_))
    ));
}

#[test]
fn storage_urls_are_checked() {
    let open = |url: &str| {
        Storage::open(&StorageConfig {
            url: url.into(),
            ..Default::default()
        })
    };
    assert!(open("/srv/medley/audio")
        .unwrap()
        .describe()
        .contains("/srv/medley/audio"));
    assert!(open("file:///srv/audio")
        .unwrap()
        .describe()
        .contains("/srv/audio"));
    let relative = open("medley-data/audio").unwrap();
    assert!(relative
        .describe()
        .contains(&*std::env::current_dir().unwrap().to_string_lossy()));
    assert!(matches!(open("ftp://host/x"), Err(StorageError::Config(_))));
    assert!(matches!(open("s3://"), Err(StorageError::Config(_))));
    let s3 = Storage::open(&StorageConfig {
        url: "s3://bucket/some/prefix".into(),
        endpoint: Some("http://127.0.0.1:9".into()),
        access_key_id: Some("id".into()),
        secret_access_key: Some(medley_audio::Secret::new("hunter2")),
        ..Default::default()
    })
    .unwrap();
    assert!(!format!("{s3:?} {}", s3.describe()).contains("hunter2"));
}

/// A TCP relay that counts the bytes the server sends back.
async fn counting_relay(upstream: String, counted: Arc<AtomicU64>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let upstream = upstream.clone();
            let counted = counted.clone();
            tokio::spawn(async move {
                let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut cr, mut cw) = client.split();
                let (mut sr, mut sw) = server.split();
                let up = tokio::io::copy(&mut cr, &mut sw);
                let down = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        use tokio::io::{AsyncReadExt, AsyncWriteExt};
                        let n = match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        counted.fetch_add(n as u64, Ordering::Relaxed);
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                tokio::select! { _ = up => {}, _ = down => {} }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_ranged_read_from_s3_fetches_only_the_range() {
    let Some(config) = s3_settings() else { return };
    let direct = Storage::open(&config).unwrap();
    let object = pattern(6 * 1024 * 1024, 3);
    direct
        .put_bytes("ra/range.flac", Bytes::from(object.clone()))
        .await
        .unwrap();
    let endpoint = config.endpoint.clone().unwrap();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let counted = Arc::new(AtomicU64::new(0));
    let relay = counting_relay(host.to_owned(), counted.clone()).await;
    let through = Storage::open(&StorageConfig {
        endpoint: Some(relay),
        ..config
    })
    .unwrap();
    let range = 3_000_000..3_001_000;
    assert_eq!(
        read(&through, "ra/range.flac", Some(range.clone())).await,
        &object[3_000_000..3_001_000]
    );
    let ranged = counted.swap(0, Ordering::Relaxed);
    assert!(
        ranged < 64 * 1024,
        "a 1,000-byte range fetched {ranged} bytes"
    );
    // The relay does count: a whole read brings the whole object through it.
    assert!(read(&through, "ra/range.flac", None).await == object);
    assert!(counted.load(Ordering::Relaxed) >= object.len() as u64);
    direct.delete("ra/range.flac").await.unwrap();
}
