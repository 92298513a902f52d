//! Gridfield sync server: device enrollment, idempotent push, paged pull, photo
//! blobs, the admin tasks and the supervisor web console, over embedded SQLite or PostgreSQL.

pub mod admin;
pub mod api;
pub mod console;
pub mod db;
pub mod demo;
pub mod demo_boundaries;
pub mod demo_cases;
pub mod demo_visits;
pub mod error;
pub mod install;
pub mod messages;
pub mod public;
pub mod restore;
pub mod rules;
pub mod server;
pub mod spreadsheet;
pub mod throttle;

use std::future::Future;
use std::sync::Arc;

pub use error::{ApiError, Result};
pub use server::Server;

/// Serve on an already-bound listener until `shutdown` resolves, then finish the
/// requests in flight. Tests bind port 0 and pass the listener in.
pub async fn launch_with_listener(
    listener: tokio::net::TcpListener,
    server: Arc<Server>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Coverage figures kept fresh for as long as the server runs.
    let refresher = tokio::spawn(console::coverage_cache::keep_fresh(server.clone()));
    let app = api::router::router(server);
    // The peer address reaches handlers (throttles, audit) as `ConnectInfo`.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    refresher.abort();
    served
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
