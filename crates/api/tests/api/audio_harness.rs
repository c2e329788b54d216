//! A Medley server with its own audio storage (a folder of the test, or a fresh prefix of the
//! S3 test server), an administrator, folders of generated music, and scans waited for on
//! the server's events.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use medley_api::ApiConfig;
use medley_app::library::{Audio, AudioSettings};
use medley_audio::hot::HotCache;
use medley_audio::testing::{wav, Written};
use medley_audio::{Storage, StorageConfig, TranscodeSettings, Transcoder, UrlSigner};
use medley_events::Event;
use medley_store::testing::TestDb;
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::TestApp;

/// How a test server transcodes, and whether it keeps hot objects (S3 only).
#[derive(Default)]
pub struct Transcoding {
    pub ffmpeg: Option<PathBuf>,
    pub jobs: usize,
    /// The bound of the hot-object cache in `<dir>/hot`.
    pub hot_bytes: Option<u64>,
}

pub struct AudioApp {
    pub app: TestApp,
    /// The administrator's token (the first user), and id.
    pub admin: String,
    pub admin_id: String,
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for AudioApp {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl AudioApp {
    /// A server on `backend` (`None`: PostgreSQL is not configured) storing audio in a folder.
    pub async fn spawn(backend: Backend) -> Option<AudioApp> {
        AudioApp::spawn_with(backend, None, AudioSettings::default()).await
    }

    /// A server storing audio in the S3 test server, keeping hot objects on its disk (up to
    /// `hot_bytes`), and transcoding with the installed ffmpeg.
    pub async fn spawn_s3_hot(hot_bytes: u64) -> Option<AudioApp> {
        let s3 = medley_audio::testing::s3_settings()?;
        let streaming = Transcoding {
            ffmpeg: Some("ffmpeg".into()),
            jobs: 2,
            hot_bytes: Some(hot_bytes),
        };
        AudioApp::spawn_streaming(
            Backend::Sqlite,
            Some(s3),
            AudioSettings::default(),
            Some(streaming),
        )
        .await
    }

    /// A server storing audio in the S3 test server (`None` when it is not configured).
    pub async fn spawn_s3() -> Option<AudioApp> {
        let s3 = medley_audio::testing::s3_settings()?;
        AudioApp::spawn_with(Backend::Sqlite, Some(s3), AudioSettings::default()).await
    }

    pub async fn spawn_with(
        backend: Backend,
        s3: Option<StorageConfig>,
        settings: AudioSettings,
    ) -> Option<AudioApp> {
        AudioApp::spawn_streaming(backend, s3, settings, None).await
    }

    /// A server whose transcoder runs `ffmpeg` (a program name or path; it may be missing),
    /// at most `jobs` at once, with its cache in `<dir>/transcodes`.
    pub async fn spawn_transcoding(ffmpeg: &str, jobs: usize) -> Option<AudioApp> {
        let transcode = Transcoding {
            ffmpeg: Some(ffmpeg.into()),
            jobs,
            hot_bytes: None,
        };
        AudioApp::spawn_streaming(
            Backend::Sqlite,
            None,
            AudioSettings::default(),
            Some(transcode),
        )
        .await
    }

    pub async fn spawn_streaming(
        backend: Backend,
        s3: Option<StorageConfig>,
        mut settings: AudioSettings,
        transcode: Option<Transcoding>,
    ) -> Option<AudioApp> {
        let db = match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres().await?,
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("music")).unwrap();
        settings.cover_cache_dir = dir.path().join("cover-cache");
        let storage = match &s3 {
            Some(config) => Storage::open(config).expect("S3 storage"),
            None => Storage::local(&dir.path().join("objects")),
        };
        let config = ApiConfig {
            spool_dir: dir.path().join("spool"),
            ..ApiConfig::default()
        };
        let mut audio = Audio::new(storage, UrlSigner::random(), settings);
        let t = transcode.unwrap_or_default();
        if let Some(ffmpeg) = t.ffmpeg {
            let transcoder = Transcoder::start(&TranscodeSettings {
                ffmpeg: Some(ffmpeg),
                cache_dir: dir.path().join("transcodes"),
                cache_max_bytes: 64 * 1024 * 1024,
                max_jobs: t.jobs,
            })
            .expect("the transcode cache");
            audio = audio.with_transcoder(transcoder);
        }
        if let Some(bytes) = t.hot_bytes {
            let hot = HotCache::open(&dir.path().join("hot"), bytes).expect("the hot cache");
            audio = audio.with_hot_cache(hot);
        }
        let app = TestApp::spawn_full(db, config, move |state, _| {
            Arc::make_mut(&mut state.app).audio = Arc::new(audio);
        })
        .await;
        let (admin_id, admin) = app.user("admin").await;
        Some(AudioApp {
            app,
            admin,
            admin_id,
            dir,
        })
    }

    /// The audio files of track `id`, best first, as stored.
    pub async fn track_files(&self, id: &str) -> Vec<medley_store::AudioFile> {
        self.state
            .app
            .store
            .track_audio(&medley_domain::TrackId::from(id))
            .await
            .unwrap()
    }

    /// The folder tests put music in.
    pub fn music(&self) -> PathBuf {
        self.dir.path().join("music")
    }

    /// Writes a generated WAV (`duration_ms` of a tone at `freq`, tagged) at `rel` in the music
    /// folder; returns its path.
    pub fn put_wav(&self, rel: &str, duration_ms: u32, freq: f64, tags: &Written) -> PathBuf {
        let path = self.music().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, wav(duration_ms, freq, tags)).unwrap();
        path
    }

    /// Writes a generated WAV of `duration_ms` titled `title`, scans the music folder, and
    /// returns the track's id and the file's path.
    pub async fn scanned_wav(&self, title: &str, duration_ms: u32) -> (String, PathBuf) {
        let path = self.put_wav(
            &format!("{title}.wav"),
            duration_ms,
            330.0,
            &Written::song(title, "Streamer", "Live"),
        );
        let report = self.scan_music().await;
        assert_eq!(report["failed"], 0, "{report}");
        let id = self.track_named(title).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        (id, path)
    }

    /// Asks for a scan of `paths` as the administrator and waits (on the server's events, with
    /// a deadline) until it has ended; returns the scan object.
    pub async fn scan(&self, paths: &[&Path], body: Value) -> Value {
        let mut events = self.bus.subscribe();
        let mut body = body;
        body["paths"] = json!(paths
            .iter()
            .map(|p| p.to_str().unwrap())
            .collect::<Vec<_>>());
        let r = self
            .post("/v1/admin/library/scans", Some(&self.admin), body)
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        let id = r.body["id"].as_str().unwrap().to_owned();
        tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                if let Event::LibraryScanFinished { scan_id, .. } = &*events.next().await.unwrap() {
                    if *scan_id == id {
                        return;
                    }
                }
            }
        })
        .await
        .expect("the scan ended in time");
        let r = self
            .get(&format!("/v1/admin/library/scans/{id}"), Some(&self.admin))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    }

    /// Scans the music folder, expecting it to succeed; returns the report.
    pub async fn scan_music(&self) -> Value {
        let scan = self.scan(&[&self.music()], json!({})).await;
        assert_eq!(scan["status"], "done", "{scan}");
        scan["report"].clone()
    }

    /// Uploads `bytes` as an audio file named `name`.
    pub async fn upload_audio(
        &self,
        token: Option<&str>,
        name: &str,
        bytes: Vec<u8>,
    ) -> crate::harness::Reply {
        let mut req = self
            .http
            .post(format!("{}/v1/library/files", self.base))
            .query(&[("name", name)])
            .header("content-type", "application/octet-stream")
            .body(bytes);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        crate::harness::Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// Every file below `dir` (objects, spooled uploads).
    pub fn files_below(dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return vec![];
        };
        let mut out = Vec::new();
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(AudioApp::files_below(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    /// The id of the only track called `name` (by search).
    pub async fn track_named(&self, name: &str) -> Value {
        let r = self
            .get(&format!("/v1/search?q={name}&type=track&limit=50"), None)
            .await;
        let items = r.body["tracks"]["items"].as_array().unwrap().clone();
        let found: Vec<Value> = items.into_iter().filter(|t| t["name"] == name).collect();
        assert_eq!(found.len(), 1, "tracks named {name}: {found:?}");
        found[0].clone()
    }
}

/// A TCP proxy before the S3 test server that holds what Medley sends while it is shut: a
/// request waits at the gate on its connection (pooled connections included), and goes on
/// once the gate opens. A test holds a scan in the middle this way.
pub struct S3Gate {
    /// The endpoint to give Medley instead of the S3 server's.
    pub endpoint: String,
    open: tokio::sync::watch::Sender<bool>,
    accepting: tokio::task::JoinHandle<()>,
}

impl S3Gate {
    /// Opens a gate before the S3 server at `upstream` (`http://host:port`).
    pub async fn before(upstream: &str) -> S3Gate {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let (open, is_open) = tokio::sync::watch::channel(true);
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, mut is_open) = (upstream.clone(), is_open.clone());
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut from_client, mut to_client) = client.into_split();
                    let (mut from_server, mut to_server) = server.into_split();
                    let requests = async move {
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            let n = from_client.read(&mut buf).await.unwrap_or(0);
                            if n == 0 || is_open.wait_for(|open| *open).await.is_err() {
                                let _ = to_server.shutdown().await;
                                return;
                            }
                            if to_server.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    };
                    let answers = tokio::io::copy(&mut from_server, &mut to_client);
                    let _ = tokio::join!(requests, answers);
                });
            }
        });
        S3Gate {
            endpoint,
            open,
            accepting,
        }
    }

    /// Requests wait here from now on.
    pub fn shut(&self) {
        self.open.send_replace(false);
    }

    /// Requests go on.
    pub fn open(&self) {
        self.open.send_replace(true);
    }
}

impl Drop for S3Gate {
    fn drop(&mut self) {
        self.open.send_replace(true);
        self.accepting.abort();
    }
}
