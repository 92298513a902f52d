//! The one tokio runtime the core owns for network I/O. It is created on first
//! use, small (two workers: the phones' sync is one round at a time, with a page
//! fetched ahead and a few photos going up together), and lives for the process.
//! Blocking callers (the sync round on the shell's background thread, the CLI)
//! wait on it with [`block_on`]; the async FFI runs the round with [`spawn_blocking`].

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

use crate::error::{Error, Result};
use crate::sync::CancelHandle;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

pub(crate) fn runtime() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(8)
            .thread_name("gridfield-net")
            .enable_all()
            .build()
            .expect("the network runtime starts")
    })
}

/// Run `f` to completion from blocking code. Must not be called from inside an
/// async task (tokio refuses; the round runs on a blocking thread instead).
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

/// Run blocking work (a whole sync round) on the runtime's blocking pool; the
/// returned handle is a future any executor may await.
fn spawn_blocking<T, F>(f: F) -> tokio::task::JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    runtime().spawn_blocking(f)
}

/// Run a long blocking operation of the sync client (a round, an enrollment, a
/// photo download) on the runtime's blocking pool, for async callers such as the
/// phones' FFI. Dropping the returned future (a cancelled Kotlin coroutine or
/// Swift task) sets `cancel`: the operation stops at once, also in the middle of
/// a request, and leaves the store as consistent as any other cancel does.
pub async fn cancellable<T, F>(cancel: CancelHandle, f: F) -> Result<T>
where
    F: FnOnce(&CancelHandle) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    struct CancelOnDrop(Option<CancelHandle>);
    impl Drop for CancelOnDrop {
        fn drop(&mut self) {
            if let Some(c) = self.0.take() {
                c.cancel();
            }
        }
    }
    let mut on_drop = CancelOnDrop(Some(cancel.clone()));
    let out = spawn_blocking(move || f(&cancel)).await;
    on_drop.0 = None;
    match out {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::Cancelled),
    }
}
