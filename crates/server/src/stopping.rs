//! The signals that stop the console, and what each asks for.
//!
//! SIGTERM is what `docker stop`, Kubernetes and systemd send: the console is behind a
//! load balancer, so it drains first (`/readyz` answers 503 for
//! `CONSOLE_SHUTDOWN_DRAIN_SECONDS` while it still serves). Ctrl-C (SIGINT) is someone at a
//! terminal, with no load balancer to tell: the listener closes at once. Either way the
//! requests already running finish, within `CONSOLE_SHUTDOWN_SECONDS`.

use std::fmt;

/// The signal that asked the console to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGTERM: stop after the drain.
    Terminate,
    /// SIGINT (Ctrl-C): stop without the drain.
    Interrupt,
}

impl StopSignal {
    /// Whether this stop keeps accepting requests for the drain period first.
    pub fn drains(self) -> bool {
        self == StopSignal::Terminate
    }
}

impl fmt::Display for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopSignal::Terminate => "SIGTERM",
            StopSignal::Interrupt => "SIGINT",
        })
    }
}

/// Waits for SIGTERM or Ctrl-C and says which came. Never returns if neither can be
/// listened for (the console then serves until it is killed, as before).
pub async fn stop_signal() -> StopSignal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => return StopSignal::Terminate,
                    Ok(()) = tokio::signal::ctrl_c() => return StopSignal::Interrupt,
                }
            }
            Err(error) => tracing::warn!("cannot listen for SIGTERM: {error}"),
        }
    }
    match tokio::signal::ctrl_c().await {
        Ok(()) => StopSignal::Interrupt,
        Err(error) => {
            tracing::warn!("cannot listen for Ctrl-C: {error}");
            std::future::pending().await
        }
    }
}
