//! The HTTP listener: every connection gets a header-read deadline and an
//! idle deadline, and shutdown waits for in-flight requests only up to a
//! bound, after which the remaining connections are dropped. A client that
//! opens a connection and stops sending (or one that never sends a request)
//! can then neither hold a connection forever nor keep the server from
//! stopping.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// Deadlines of the listener.
#[derive(Clone, Copy, Debug)]
pub struct Deadlines {
    /// A request's start line and headers must arrive within this, counted
    /// from the first byte, or the connection is closed.
    pub header_read: Duration,
    /// A kept-alive connection with no request for this long is closed.
    pub idle: Duration,
    /// After the stop signal, in-flight requests get this long to finish.
    pub shutdown_grace: Duration,
}

/// Serves `app` on `listener` until `stop` resolves, then drains.
///
/// # Errors
/// Never after start; accept errors (e.g. too many open files) are logged
/// and retried.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    deadlines: Deadlines,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let tracker = TaskTracker::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let app = app.clone();
        let mut stop_rx = stop_rx.clone();
        tracker.spawn(async move {
            serve_connection(stream, peer, app, deadlines, &mut stop_rx).await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    tracker.close();
    let open = tracker.len();
    if open > 0 {
        tracing::info!(
            connections = open,
            grace_secs = deadlines.shutdown_grace.as_secs(),
            "waiting for open connections to finish"
        );
    }
    if tokio::time::timeout(deadlines.shutdown_grace, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = tracker.len(),
            "shutdown grace period over: dropping the connections still open"
        );
    }
    Ok(())
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    deadlines: Deadlines,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let io = IdleIo::new(stream);
    let last_active = io.last_active.clone();
    let service = TowerToHyperService::new(app.map_request(
        move |mut req: axum::http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        },
    ));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(deadlines.header_read)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut tick = tokio::time::interval(deadlines.idle.min(Duration::from_secs(5)));
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            res = conn.as_mut() => {
                if let Err(e) = res {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
            _ = tick.tick() => {
                // No byte in either direction for the idle time: nothing is
                // being asked or answered on this connection.
                if last_active.idle_for() >= deadlines.idle {
                    tracing::debug!(%peer, "closing an idle connection");
                    return;
                }
            }
        }
    }
}

/// When a connection last moved a byte.
#[derive(Clone)]
struct Activity(std::sync::Arc<std::sync::Mutex<std::time::Instant>>);

impl Activity {
    fn touch(&self) {
        if let Ok(mut t) = self.0.lock() {
            *t = std::time::Instant::now();
        }
    }

    fn idle_for(&self) -> Duration {
        self.0.lock().map(|t| t.elapsed()).unwrap_or_default()
    }
}

/// A TCP stream that records its last read or write.
struct IdleIo {
    inner: tokio::net::TcpStream,
    last_active: Activity,
}

impl IdleIo {
    fn new(inner: tokio::net::TcpStream) -> IdleIo {
        IdleIo {
            inner,
            last_active: Activity(std::sync::Arc::new(std::sync::Mutex::new(
                std::time::Instant::now(),
            ))),
        }
    }
}

impl tokio::io::AsyncRead for IdleIo {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let res = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.last_active.touch();
        }
        res
    }
}

impl tokio::io::AsyncWrite for IdleIo {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let res = std::pin::Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(res, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.last_active.touch();
        }
        res
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
