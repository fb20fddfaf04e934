//! The process's stop signal: one [`Shutdown`] per console process, cloned into whatever
//! must notice that the process is stopping.
//!
//! The server triggers it when SIGTERM or Ctrl-C arrives (`RunningConsole::stop` in
//! `console-server`): readiness (`/readyz`) answers 503 from that moment, the listener
//! closes after the drain period, and the process exits once in-flight requests and the
//! tasks [`Shutdown::spawn`] tracks are done, or when `CONSOLE_SHUTDOWN_SECONDS` have
//! passed, whichever comes first.
//!
//! A background task observes it in one of two ways:
//!
//! - between two units of work, `if shutdown.is_triggered() { break }`;
//! - while it waits (for its next interval, for a lock), in a `tokio::select!` with
//!   `shutdown.triggered()`, which completes once the stop has begun:
//!
//! ```ignore
//! loop {
//!     tokio::select! {
//!         _ = shutdown.triggered() => break,
//!         _ = interval.tick() => run_once().await,
//!     }
//! }
//! ```
//!
//! A task that has something to finish before the process may exit (hand back a lease,
//! record where it stopped) is started with [`Shutdown::spawn`]: the stop then waits for it,
//! within the same budget. Plain `tokio::spawn`ed tasks are simply dropped at exit.

use std::future::Future;

use tokio::task::JoinHandle;
use tokio_util::{
    sync::{CancellationToken, WaitForCancellationFutureOwned},
    task::TaskTracker,
};

/// The stop signal of one console process. Cheap to clone: every clone observes (and can
/// trigger) the same stop.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    stop: CancellationToken,
    tasks: TaskTracker,
}

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    /// Begins the stop (idempotent): readiness turns 503, [`Shutdown::triggered`]
    /// completes and [`Shutdown::is_triggered`] is true from now on, in every clone.
    pub fn trigger(&self) {
        self.stop.cancel();
    }

    /// Whether the stop has begun: for loops that check between two units of work.
    pub fn is_triggered(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Completes once the stop has begun (at once if it already has). Owns what it needs,
    /// so it can be held across `.await`s and moved into spawned tasks.
    pub fn triggered(&self) -> WaitForCancellationFutureOwned {
        self.stop.clone().cancelled_owned()
    }

    /// A token cancelled when the stop begins, for code that takes a `CancellationToken`
    /// (or wants a child token it may also cancel on its own, without stopping the process).
    pub fn token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Spawns `task` as one the stop waits for: the process exits only once it has
    /// returned (or once the shutdown budget has run out). The task should watch
    /// [`Shutdown::triggered`] and return soon after it.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.spawn(task)
    }

    /// Completes when every task started with [`Shutdown::spawn`] has returned. Only
    /// meaningful once the stop has begun: no new tracked task is expected after it.
    pub async fn tasks_finished(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }

    /// How many tasks started with [`Shutdown::spawn`] are still running.
    pub fn tasks_running(&self) -> usize {
        self.tasks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn every_clone_sees_the_stop() {
        let shutdown = Shutdown::new();
        let observer = shutdown.clone();
        assert!(!observer.is_triggered());
        let waiting = tokio::spawn(observer.triggered());
        shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("triggered() completes after trigger()")
            .expect("the waiting task ran");
        assert!(observer.is_triggered());
        // Once begun, waiting returns at once.
        observer.triggered().await;
    }

    #[tokio::test]
    async fn the_stop_waits_for_tracked_tasks() {
        let shutdown = Shutdown::new();
        let (finish, finished) = tokio::sync::oneshot::channel::<()>();
        let task = shutdown.clone();
        shutdown.spawn(async move {
            task.triggered().await;
            let _ = finished.await;
        });
        shutdown.trigger();
        assert_eq!(shutdown.tasks_running(), 1);
        let waiting = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { shutdown.tasks_finished().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "a tracked task is still running");
        let _ = finish.send(());
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("tasks_finished() completes once the task returned")
            .expect("the waiting task ran");
    }
}
