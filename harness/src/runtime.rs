//! The async runtime a command runs on.

use std::future::Future;

use anyhow::{Context, Result};

/// Runs `future` on a new multi-threaded runtime, then shuts the runtime down without waiting
/// for blocking work: an in-process SP still reading what a check sent (a Reference to
/// `/dev/zero`, say) must not keep the command from exiting.
pub fn block_on<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let output = runtime.block_on(future);
    runtime.shutdown_background();
    output
}
