//! Serving connections: HTTP/1.1 (with upgrades, for the live shows' WebSockets) on each
//! accepted socket, within [`ConnectionLimits`]: a header timeout that also closes idle
//! kept-alive connections, a cap on connections at once (beyond it a new connection gets a 503
//! and is closed), and a graceful stop that lets requests in flight finish. Audio goes out from
//! the page cache without a copy ([`crate::zero_copy`]).
//!
//! Why not `axum::serve`: it offers no header timeout, no idle timeout and no connection cap,
//! and a server without them is held open by clients that send nothing.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use medley_domain::causes::Causes;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::{Service, ServiceExt};

use crate::state::ConnectionLimits;
use crate::zero_copy::Connection;

/// What a connection over the cap is told before it is closed.
const OVER_CAPACITY: &str = "HTTP/1.1 503 Service Unavailable\r\n\
     content-type: application/problem+json\r\n\
     retry-after: 1\r\n\
     connection: close\r\n\
     content-length: 193\r\n\r\n\
     {\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,\
     \"detail\":\"the server has too many open connections\",\
     \"error\":{\"status\":503,\"message\":\"the server has too many open connections\"}}";

/// Serves `app` on `listener` until `shutdown` completes; then stops accepting, lets each
/// connection finish the request it is serving, and returns when all are closed.
pub async fn serve_connections<S>(
    listener: TcpListener,
    app: S,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: Service<
            Request<Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let stop = CancellationToken::new();
    let stopping = stop.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopping.cancel();
    });
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let connections = TaskTracker::new();
    loop {
        let (tcp, remote) = tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %Causes(&e), "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%remote, max = limits.max_connections, "connection refused: too many open connections");
            connections.spawn(refuse(tcp));
            continue;
        };
        // Streamed bodies (audio) go out as soon as they are read: without TCP_NODELAY the
        // first chunk after the headers waits for the client's delayed ACK (about 40 ms).
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let stop = stop.clone();
        connections.spawn(async move {
            serve_one(tcp, remote, app, limits, stop).await;
            drop(slot);
        });
    }
    connections.close();
    connections.wait().await;
    Ok(())
}

async fn serve_one<S>(
    tcp: TcpStream,
    remote: SocketAddr,
    app: S,
    limits: ConnectionLimits,
    stop: CancellationToken,
) where
    S: Service<
            Request<Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let (io, zero_copy) = Connection::new(tcp);
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(remote));
        if let Some(zero_copy) = &zero_copy {
            request.extensions_mut().insert(zero_copy.clone());
        }
        app.clone().oneshot(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        // Body chunks written by reference, never copied: what `zero_copy` relies on.
        .writev(true);
    let connection = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        // A client's fault or its going away (a header timeout, a reset): not the server's.
        tracing::debug!(%remote, error = %Causes(&e), "connection ended");
    }
}

/// Answers a connection over the cap with a 503 and closes it.
async fn refuse(mut tcp: TcpStream) {
    let write = tcp.write_all(OVER_CAPACITY.as_bytes());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), write).await;
    let _ = tcp.shutdown().await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_over_capacity_answer_declares_its_length() {
        let (_, body) = super::OVER_CAPACITY.split_once("\r\n\r\n").unwrap();
        assert!(super::OVER_CAPACITY.contains(&format!("content-length: {}\r\n", body.len())));
        let _: serde_json::Value = serde_json::from_str(body).unwrap();
    }
}
