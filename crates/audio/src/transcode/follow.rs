//! Reading a file while ffmpeg writes it: up to what has been written, then waiting for more,
//! until the writer says it ended (well: the stream ends; badly: the stream fails, so the
//! client sees a broken transfer rather than a short file it would take for complete).

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

/// How far a transcode has come.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// Bytes in the file so far.
    pub written: u64,
    /// Set once ffmpeg has ended: `Ok` when the file is complete, or why it failed.
    pub end: Option<Result<(), Arc<str>>>,
}

const CHUNK: usize = 64 * 1024;

struct Reader {
    file: tokio::fs::File,
    read: u64,
    progress: watch::Receiver<Progress>,
    done: bool,
}

/// The bytes of `file` as they are written, to the end.
pub fn follow(
    file: tokio::fs::File,
    progress: watch::Receiver<Progress>,
) -> BoxStream<'static, std::io::Result<Bytes>> {
    let reader = Reader {
        file,
        read: 0,
        progress,
        done: false,
    };
    stream::unfold(reader, |mut r| async move {
        if r.done {
            return None;
        }
        loop {
            let now = r.progress.borrow_and_update().clone();
            if r.read < now.written {
                let want = (now.written - r.read).min(CHUNK as u64) as usize;
                let mut buf = BytesMut::zeroed(want);
                return match r.file.read(&mut buf).await {
                    Ok(0) => {
                        r.done = true;
                        Some((Err(short()), r))
                    }
                    Ok(n) => {
                        r.read += n as u64;
                        buf.truncate(n);
                        Some((Ok(buf.freeze()), r))
                    }
                    Err(e) => {
                        r.done = true;
                        Some((Err(e), r))
                    }
                };
            }
            match now.end {
                Some(Ok(())) => return None,
                Some(Err(why)) => {
                    r.done = true;
                    return Some((Err(std::io::Error::other(why.to_string())), r));
                }
                None => {
                    if r.progress.changed().await.is_err() {
                        r.done = true;
                        return Some((Err(std::io::Error::other("the transcoder stopped")), r));
                    }
                }
            }
        }
    })
    .boxed()
}

fn short() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "the transcode file is shorter than written",
    )
}
