//! Where audio bytes live, behind the `object_store` crate: objects (uploads, and scanned files
//! copied in) in a folder on this machine or in a bucket of any S3-compatible store, and files
//! read in place from the folders a scan found them in.
//!
//! Reads take an optional byte range that goes all the way down: a local file is opened and
//! read from the range's start, an S3 object is asked for with a `Range` header, so a seek in a
//! long track never fetches the whole object.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{
    GetOptions, GetRange, GetResultPayload, ObjectStore, PutPayload, WriteMultipart,
};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::settings::StorageConfig;

/// Objects up to this size are written in one request; larger ones in parts of this size.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Chunks in which local files are streamed.
const READ_CHUNK: usize = 256 * 1024;
/// A range of a local file at most this long is read in one blocking call (open, read at the
/// offset) and sent as one chunk: players ask for ranges of this order, and each hop to the
/// blocking pool costs more than the read.
pub const ONE_READ: u64 = 1024 * 1024;

/// Where the bytes of one audio file are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// An object in the store, by key (`ab/abcdef….flac`).
    Object(String),
    /// A file read in place from a scanned folder (an absolute path).
    Disk(PathBuf),
}

/// What the store knows of an object without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectMeta {
    pub size: u64,
    pub last_modified_ms: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The settings do not describe a store Medley can open.
    #[error("audio storage settings: {0}")]
    Config(String),
    #[error("{0} is not in the audio storage")]
    NotFound(String),
    #[error("audio storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("audio storage: {0}")]
    Store(object_store::Error),
}

impl From<object_store::Error> for StorageError {
    fn from(e: object_store::Error) -> StorageError {
        match e {
            object_store::Error::NotFound { path, .. } => StorageError::NotFound(path),
            e => StorageError::Store(e),
        }
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// The audio storage of one node: the object store and the local disk. Cheap to clone.
#[derive(Clone)]
pub struct Storage {
    objects: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    disk: Arc<LocalFileSystem>,
    /// The folder of a local store.
    folder: Option<PathBuf>,
    description: String,
    remote: bool,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Storage({})", self.description)
    }
}

impl Storage {
    /// Opens the store the settings describe (nothing is read or written yet).
    pub fn open(config: &StorageConfig) -> Result<Storage> {
        match config.url.strip_prefix("s3://") {
            Some(rest) => Storage::s3(config, rest),
            None => {
                let dir = match config.url.strip_prefix("file://") {
                    Some(path) => PathBuf::from(path),
                    None => PathBuf::from(&config.url),
                };
                if config.url.contains("://") && !config.url.starts_with("file://") {
                    return Err(StorageError::Config(format!(
                        "`{}` is neither a folder, file:///PATH nor s3://BUCKET/PREFIX",
                        config.url
                    )));
                }
                Ok(Storage::local(&dir))
            }
        }
    }

    /// Objects in the folder `dir` (made when the first object is written).
    pub fn local(dir: &Path) -> Storage {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
        let prefix = ObjectPath::from_absolute_path(&dir).unwrap_or_default();
        let disk = Arc::new(LocalFileSystem::new());
        Storage {
            objects: disk.clone(),
            prefix,
            disk,
            folder: Some(dir.clone()),
            description: format!("folder {}", dir.display()),
            remote: false,
        }
    }

    fn s3(config: &StorageConfig, rest: &str) -> Result<Storage> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StorageError::Config(
                "an S3 storage URL names its bucket: s3://BUCKET or s3://BUCKET/PREFIX".into(),
            ));
        }
        // AWS_* variables count too (an instance role, say); Medley's own settings win.
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        builder = builder.with_region(config.region.as_deref().unwrap_or("us-east-1"));
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint.trim_end_matches('/'))
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(id) = &config.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        let store = builder
            .build()
            .map_err(|e| StorageError::Config(e.to_string()))?;
        let prefix = ObjectPath::parse(prefix.trim_matches('/'))
            .map_err(|e| StorageError::Config(format!("the S3 prefix: {e}")))?;
        let at = config.endpoint.as_deref().unwrap_or("AWS");
        Ok(Storage {
            objects: Arc::new(store),
            prefix,
            disk: Arc::new(LocalFileSystem::new()),
            folder: None,
            description: format!("s3://{rest} at {at}"),
            remote: true,
        })
    }

    /// Where the objects are, for logs (never a credential).
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Whether objects live off this machine (so every node can read them).
    pub fn is_remote(&self) -> bool {
        self.remote
    }

    /// The file on this machine holding `location`'s bytes, if it is one (a file read in
    /// place, or an object of a local folder), so a reader can seek in it.
    pub fn local_file(&self, location: &Location) -> Option<PathBuf> {
        match location {
            Location::Disk(path) => Some(path.clone()),
            Location::Object(key) => {
                let folder = self.folder.as_ref()?;
                Some(
                    key.split('/')
                        .filter(|part| !part.is_empty() && *part != "..")
                        .fold(folder.clone(), |path, part| path.join(part)),
                )
            }
        }
    }

    fn object_path(&self, key: &str) -> ObjectPath {
        key.split('/')
            .filter(|part| !part.is_empty())
            .fold(self.prefix.clone(), |path, part| path.child(part))
    }

    fn resolve(&self, location: &Location) -> Result<(&dyn ObjectStore, ObjectPath)> {
        match location {
            Location::Object(key) => Ok((self.objects.as_ref(), self.object_path(key))),
            Location::Disk(path) => {
                let path = ObjectPath::from_absolute_path(path).map_err(|e| {
                    StorageError::Config(format!("{} cannot be read: {e}", path.display()))
                })?;
                Ok((self.disk.as_ref() as &dyn ObjectStore, path))
            }
        }
    }

    /// Writes the file at `source` as the object `key`: in one request when small, in parts
    /// otherwise, so memory stays bounded whatever the file's size. An object is only visible
    /// once completely written.
    pub async fn put_file(&self, key: &str, source: &Path) -> Result<()> {
        let path = self.object_path(key);
        let mut file = tokio::fs::File::open(source).await?;
        let size = file.metadata().await?.len();
        if size <= PART_BYTES as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes).await?;
            self.objects
                .put(&path, PutPayload::from(Bytes::from(bytes)))
                .await?;
            return Ok(());
        }
        let upload = self.objects.put_multipart(&path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            writer.wait_for_capacity(4).await?;
            writer.write(&buf[..n]);
        }
        writer.finish().await?;
        Ok(())
    }

    /// Writes `bytes` as the object `key`.
    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<()> {
        self.objects
            .put(&self.object_path(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// Size and modification time, or [`StorageError::NotFound`].
    pub async fn head(&self, location: &Location) -> Result<ObjectMeta> {
        if let Location::Disk(path) = location {
            // A stat, without object_store's path round trip.
            let meta = match tokio::fs::metadata(path).await {
                Ok(m) if m.is_file() => m,
                Ok(_) => return Err(StorageError::NotFound(path.display().to_string())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(StorageError::NotFound(path.display().to_string()))
                }
                Err(e) => return Err(e.into()),
            };
            return Ok(ObjectMeta {
                size: meta.len(),
                last_modified_ms: crate::probe::mtime_ms(&meta),
            });
        }
        let (store, path) = self.resolve(location)?;
        let meta = store.head(&path).await?;
        Ok(ObjectMeta {
            size: meta.size,
            last_modified_ms: meta.last_modified.timestamp_millis(),
        })
    }

    /// Whether the object `key` exists.
    pub async fn exists(&self, key: &str) -> Result<bool> {
        match self.head(&Location::Object(key.to_owned())).await {
            Ok(_) => Ok(true),
            Err(StorageError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The bytes of `location`, all of them or those of `range` (which must lie within the
    /// object: callers check it against the size they know).
    pub async fn read(
        &self,
        location: &Location,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<Bytes>>> {
        if let Location::Disk(path) = location {
            return read_file(path.clone(), range).await;
        }
        let (store, path) = self.resolve(location)?;
        let options = GetOptions {
            range: range.clone().map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let got = store.get_opts(&path, options).await?;
        match got.payload {
            GetResultPayload::File(_, path) => read_file(path, range).await,
            GetResultPayload::Stream(stream) => Ok(stream.map_err(StorageError::from).boxed()),
        }
    }

    /// All the bytes of the object `key` (tests, small objects).
    pub async fn read_all(&self, location: &Location) -> Result<Bytes> {
        let mut stream = self.read(location, None).await?;
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.into())
    }

    /// Deletes the object `key`; deleting an object that is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.objects.delete(&self.object_path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Streams a local file, or a range of it, in large chunks.
async fn read_file(
    path: PathBuf,
    range: Option<Range<u64>>,
) -> Result<BoxStream<'static, Result<Bytes>>> {
    if let Some(r) = range
        .clone()
        .filter(|r| r.end.saturating_sub(r.start) <= ONE_READ)
    {
        let bytes = tokio::task::spawn_blocking(move || read_at(&path, r))
            .await
            .map_err(std::io::Error::other)??;
        return Ok(futures::stream::once(async move { Ok(bytes) }).boxed());
    }
    let mut file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StorageError::NotFound(path.display().to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    let len = match range {
        Some(r) => {
            file.seek(std::io::SeekFrom::Start(r.start)).await?;
            r.end.saturating_sub(r.start)
        }
        None => file.metadata().await?.len(),
    };
    let reader = tokio_util::io::ReaderStream::with_capacity(file.take(len), READ_CHUNK);
    Ok(reader.map_err(StorageError::from).boxed())
}

/// The bytes of `range` of the file at `path`, read at once (on the blocking pool).
fn read_at(path: &Path, range: Range<u64>) -> Result<Bytes> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StorageError::NotFound(path.display().to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    read_range(file, path, range)
}

/// `range` of the opened `file` (at `path`, for the error), read at once.
pub(crate) fn read_range(mut file: std::fs::File, path: &Path, range: Range<u64>) -> Result<Bytes> {
    use std::io::{Read, Seek};
    // Read into fresh capacity rather than `vec![0; len]` + `read_exact_at`: no zeroing of
    // bytes about to be overwritten.
    let len = range.end - range.start;
    let mut buf = Vec::with_capacity(len as usize);
    file.seek(std::io::SeekFrom::Start(range.start))?;
    file.take(len).read_to_end(&mut buf)?;
    if (buf.len() as u64) < len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("{} is shorter than it was", path.display()),
        )
        .into());
    }
    Ok(Bytes::from(buf))
}
