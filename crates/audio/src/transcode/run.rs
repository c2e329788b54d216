//! The transcoder: ffmpeg processes (a bounded number at once) writing into the disk cache,
//! and readers following the file as it grows.
//!
//! ffmpeg writes at its own pace into a temporary file of the cache; the client reads that
//! file as it grows ([`super::follow`]), so the first bytes leave within ffmpeg's start-up
//! time, a slow client never holds an ffmpeg process for the length of a song, and a second
//! request for the same transcode while it runs follows the same file instead of starting
//! another ffmpeg. When every reader has gone before the end, ffmpeg is killed and its file
//! deleted. The file is renamed into the cache only when ffmpeg ended well.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use medley_domain::causes::Causes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use super::follow::{follow, Progress};
use super::{Ffmpeg, Spec, Target, TranscodeSettings};
use crate::disk_cache::{CachedFile, DiskCache};
use crate::storage::StorageError;

/// Where ffmpeg reads the original from.
pub enum Source {
    /// A file on this machine (seekable: an offset costs nothing).
    File(PathBuf),
    /// Bytes read from the store (S3), piped to ffmpeg.
    Stream(BoxStream<'static, Result<Bytes, StorageError>>),
}

/// A transcode, ready to send.
pub enum Transcoded {
    /// Complete, in the cache: serve it like any file (ranges, validators).
    Cached(CachedFile),
    /// Being made: its bytes as they come (the first are there already).
    Live(BoxStream<'static, std::io::Result<Bytes>>),
}

#[derive(Debug, thiserror::Error)]
pub enum TranscodeError {
    /// No usable ffmpeg, or not for this format.
    #[error("{0}")]
    Unavailable(String),
    /// Every transcoding slot is taken.
    #[error("all {0} transcoding slots of this server are busy: try again in a moment, or ask for the original")]
    Busy(usize),
    /// ffmpeg failed (the original cannot be decoded, say).
    #[error("transcoding failed: {0}")]
    Failed(String),
    #[error("transcoding: {0}")]
    Io(#[from] std::io::Error),
}

/// A transcode being made: its temporary file and its progress.
struct Running {
    temp: PathBuf,
    /// Readers subscribe here; the job knows it is abandoned when it has none left.
    progress: Arc<watch::Sender<Progress>>,
}

/// Runs ffmpeg and keeps its outputs. Cheap to share (`Arc`).
pub struct Transcoder {
    ffmpeg: Result<Ffmpeg, String>,
    cache: Option<Arc<DiskCache>>,
    jobs: Arc<Semaphore>,
    max_jobs: usize,
    running: Arc<Mutex<HashMap<String, Running>>>,
}

impl std::fmt::Debug for Transcoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Transcoder({})", self.describe())
    }
}

impl Transcoder {
    /// Transcoding off: originals only.
    pub fn disabled(why: &str) -> Transcoder {
        Transcoder {
            ffmpeg: Err(why.to_owned()),
            cache: None,
            jobs: Arc::new(Semaphore::new(0)),
            max_jobs: 0,
            running: Arc::default(),
        }
    }

    /// Looks for ffmpeg and opens the cache. A missing ffmpeg is not an error (originals only);
    /// a cache folder that cannot be made is.
    pub fn start(settings: &TranscodeSettings) -> std::io::Result<Transcoder> {
        let Some(program) = &settings.ffmpeg else {
            return Ok(Transcoder::disabled(
                "transcoding is turned off (MEDLEY_FFMPEG=off)",
            ));
        };
        let ffmpeg = Ffmpeg::detect(program);
        let cache = match &ffmpeg {
            Ok(_) => Some(Arc::new(DiskCache::open(
                &settings.cache_dir,
                settings.cache_max_bytes,
            )?)),
            Err(_) => None,
        };
        let max_jobs = settings.max_jobs.max(1);
        Ok(Transcoder {
            ffmpeg,
            cache,
            jobs: Arc::new(Semaphore::new(max_jobs)),
            max_jobs,
            running: Arc::default(),
        })
    }

    /// The ffmpeg in use, or why there is none.
    pub fn ffmpeg(&self) -> Result<&Ffmpeg, &str> {
        self.ffmpeg.as_ref().map_err(String::as_str)
    }

    /// One line for `/readyz` and the logs.
    pub fn describe(&self) -> String {
        match &self.ffmpeg {
            Ok(f) => format!(
                "available (ffmpeg {}: {})",
                f.version,
                f.targets
                    .iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(why) => format!("unavailable ({why}): originals only"),
        }
    }

    /// Whether `target` can be made here; `Err` says why not.
    pub fn check(&self, target: Target) -> Result<(), TranscodeError> {
        match &self.ffmpeg {
            Err(why) => Err(TranscodeError::Unavailable(format!(
                "transcoding is unavailable on this server ({why}): only the original can be \
                 streamed; ask again without `format`"
            ))),
            Ok(f) if !f.targets.contains(&target) => Err(TranscodeError::Unavailable(format!(
                "this server's ffmpeg cannot encode {}; it can make {}",
                target.name(),
                f.targets
                    .iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            Ok(_) => Ok(()),
        }
    }

    /// The cache's size bound and what it holds now (bytes).
    pub fn cache_bytes(&self) -> (u64, u64) {
        self.cache
            .as_ref()
            .map_or((0, 0), |c| (c.max_bytes(), c.total_bytes()))
    }

    /// The complete transcode `key`, if cached.
    pub fn cached(&self, key: &str) -> Option<CachedFile> {
        let file = self.cache.as_ref()?.get(key)?;
        if file.path.is_file() {
            Some(file)
        } else {
            self.cache.as_ref()?.forget(key);
            None
        }
    }

    /// The transcode `key` of `source` as `spec`: from the cache, following one being made, or
    /// made now. `source` is called only when ffmpeg must run. Returns once the first bytes
    /// are there (or ffmpeg failed without any). With `whole`, returns only when the transcode
    /// is complete (the caller wants a byte range of it).
    pub async fn transcode<F, Fut>(
        &self,
        key: &str,
        spec: &Spec,
        source: F,
        whole: bool,
    ) -> Result<Transcoded, TranscodeError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Source, StorageError>>,
    {
        self.check(spec.target)?;
        let ffmpeg = self.ffmpeg.as_ref().expect("checked").path.clone();
        let cache = self.cache.clone().expect("a cache when ffmpeg is there");
        let (file, mut progress, job) = {
            let mut running = self.running.lock().expect("running transcodes");
            if let Some(file) = self.cached(key) {
                return Ok(Transcoded::Cached(file));
            }
            match running.get(key) {
                Some(job) => match std::fs::File::open(&job.temp) {
                    Ok(file) => (file, job.progress.subscribe(), None),
                    // Renamed into the cache a moment ago.
                    Err(_) => {
                        return self
                            .cached(key)
                            .map(Transcoded::Cached)
                            .ok_or_else(|| TranscodeError::Failed("the transcode vanished".into()))
                    }
                },
                None => {
                    let permit = self
                        .jobs
                        .clone()
                        .try_acquire_owned()
                        .map_err(|_| TranscodeError::Busy(self.max_jobs))?;
                    let temp = cache.temp_path(key);
                    let file = std::fs::File::create(&temp)?;
                    let reader = std::fs::File::open(&temp)?;
                    let (tx, rx) = watch::channel(Progress::default());
                    let tx = Arc::new(tx);
                    running.insert(
                        key.to_owned(),
                        Running {
                            temp: temp.clone(),
                            progress: tx.clone(),
                        },
                    );
                    let job = Job {
                        key: key.to_owned(),
                        temp,
                        cache,
                        running: self.running.clone(),
                        progress: tx,
                        _permit: permit,
                    };
                    (reader, rx, Some((job, file)))
                }
            }
        };
        if let Some((job, out)) = job {
            // Opened here, outside the lock; the job runs on its own from then on.
            match source().await {
                Ok(source) => {
                    let spec = *spec;
                    tokio::spawn(async move { job.run(&ffmpeg, &spec, source, out.into()).await });
                }
                Err(e) => job.fail(format!("reading the original: {e}")),
            }
        }
        let wanted = |p: &Progress| p.end.is_some() || (!whole && p.written > 0);
        let seen = match progress.wait_for(wanted).await {
            Ok(p) => p.clone(),
            Err(_) => return Err(TranscodeError::Failed("the transcoder stopped".into())),
        };
        match &seen.end {
            Some(Err(why)) if whole || seen.written == 0 => {
                return Err(TranscodeError::Failed(why.to_string()))
            }
            Some(Ok(())) if whole => {
                if let Some(file) = self.cached(key) {
                    return Ok(Transcoded::Cached(file));
                }
            }
            _ => {}
        }
        Ok(Transcoded::Live(follow(file.into(), progress)))
    }
}

/// One ffmpeg run, from start to the cache.
struct Job {
    key: String,
    temp: PathBuf,
    cache: Arc<DiskCache>,
    running: Arc<Mutex<HashMap<String, Running>>>,
    progress: Arc<watch::Sender<Progress>>,
    _permit: OwnedSemaphorePermit,
}

impl Job {
    fn leave(&self) {
        self.running
            .lock()
            .expect("running transcodes")
            .remove(&self.key);
    }

    fn fail(self, why: String) {
        self.leave();
        let _ = std::fs::remove_file(&self.temp);
        tracing::warn!(key = %self.key, error = %why, "transcode failed");
        self.progress
            .send_modify(|p| p.end = Some(Err(Arc::from(why.as_str()))));
    }

    async fn run(
        self,
        ffmpeg: &std::path::Path,
        spec: &Spec,
        source: Source,
        out: tokio::fs::File,
    ) {
        let (input, seekable) = match &source {
            Source::File(path) => (path.as_os_str().to_owned(), true),
            Source::Stream(_) => ("pipe:0".into(), false),
        };
        let mut command = tokio::process::Command::new(ffmpeg);
        command
            .args(spec.args(&input, seekable))
            .stdin(if seekable {
                Stdio::null()
            } else {
                Stdio::piped()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(c) => c,
            Err(e) => return self.fail(format!("starting ffmpeg: {e}")),
        };
        if let (Source::Stream(mut bytes), Some(mut stdin)) = (source, child.stdin.take()) {
            // Ends when the original is sent, or when ffmpeg (killed, or done) closes its end.
            tokio::spawn(async move {
                while let Some(Ok(chunk)) = bytes.next().await {
                    if stdin.write_all(&chunk).await.is_err() {
                        break;
                    }
                }
            });
        }
        let mut stderr = child.stderr.take().expect("piped");
        let errors = tokio::spawn(async move {
            let mut text = Vec::new();
            let _ = (&mut stderr).take(8192).read_to_end(&mut text).await;
            String::from_utf8_lossy(&text).trim().to_owned()
        });
        let mut stdout = child.stdout.take().expect("piped");
        let mut out = out;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = tokio::select! {
                read = stdout.read(&mut buf) => match read {
                    Ok(n) => n,
                    Err(e) => return self.fail(format!("reading ffmpeg's output: {e}")),
                },
                // Every reader has gone: nobody wants the rest.
                () = self.progress.closed() => {
                    let _ = child.kill().await;
                    self.leave();
                    let _ = std::fs::remove_file(&self.temp);
                    tracing::debug!(key = %self.key, "transcode abandoned by its readers");
                    return;
                }
            };
            if n == 0 {
                break;
            }
            if let Err(e) = out.write_all(&buf[..n]).await {
                let _ = child.kill().await;
                return self.fail(format!("writing the transcode cache: {e}"));
            }
            if let Err(e) = out.flush().await {
                return self.fail(format!("writing the transcode cache: {e}"));
            }
            self.progress.send_modify(|p| p.written += n as u64);
        }
        let status = child.wait().await;
        let errors = errors.await.unwrap_or_default();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => return self.fail(format!("ffmpeg ended with {s}: {errors}")),
            Err(e) => return self.fail(format!("waiting for ffmpeg: {e}")),
        }
        if let Err(e) = out.sync_all().await {
            return self.fail(format!("writing the transcode cache: {e}"));
        }
        drop(out);
        // Into the cache before leaving the running ones, so a request in between finds it.
        if let Err(e) = self.cache.commit(&self.key, &self.temp) {
            tracing::warn!(key = %self.key, error = %Causes(&e), "a transcode could not be cached");
            let _ = std::fs::remove_file(&self.temp);
        }
        self.leave();
        self.progress.send_modify(|p| p.end = Some(Ok(())));
    }
}
