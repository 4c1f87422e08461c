//! Serving a router over HTTP/1.1 as `axum::serve` does, with the one bound it lacks: a client
//! gets [`HEADER_TIMEOUT`] to send its request headers, then the connection is closed (hyper
//! enforces that only with a timer, which `axum::serve` does not give it). The mock IdP and
//! the reference SP are served through here.

use std::future::Future;
use std::time::Duration;

use axum::serve::Listener;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

/// How long a client may take to send its request line and headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` completes; then no connection is accepted
/// (those already open finish on their own tasks, each bounded by the header timeout).
pub async fn serve<L: Listener>(listener: L, router: Router, shutdown: impl Future<Output = ()>) {
    serve_bounded(listener, router, shutdown, HEADER_TIMEOUT).await
}

/// [`serve`] with `header_timeout` for the request headers.
async fn serve_bounded<L: Listener>(
    mut listener: L,
    router: Router,
    shutdown: impl Future<Output = ()>,
    header_timeout: Duration,
) {
    let accept = async {
        loop {
            let (io, _) = listener.accept().await;
            let service = TowerToHyperService::new(router.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(header_timeout)
                    .serve_connection(TokioIo::new(io), service)
                    .with_upgrades()
                    .await;
            });
        }
    };
    tokio::select! {
        () = accept => {}
        () = shutdown => {}
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_client_that_never_finishes_its_headers_is_cut_off() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
        let limit = Duration::from_millis(300);
        tokio::spawn(super::serve_bounded(
            listener,
            router,
            std::future::pending(),
            limit,
        ));

        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(limit * 10, slow.read_to_end(&mut answer)).await;
        assert!(
            read.is_ok(),
            "still open after ten times the header timeout"
        );

        // A whole request is still answered.
        let mut quick = tokio::net::TcpStream::connect(addr).await.unwrap();
        quick
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        quick.read_to_string(&mut answer).await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"),
            "{answer}"
        );
    }
}
